// Pages every GOV.UK service has, and the pages around signing in and out.
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { usePage } from "../components/Layout";

export function SignedOut() {
  const { t } = useTranslation();
  usePage(t("signedOut.title"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("signedOut.title")}</h1>
      <p className="govuk-body">{t("signedOut.text")}</p>
      <p className="govuk-body"><a className="govuk-link" href="/auth/sign-in">{t("signedOut.again")}</a></p>
    </>
  );
}

export function CouldNotSignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const reason = params.get("reason");
  usePage(t("couldNotSignIn.title"));
  const key = reason === "cancelled" || reason === "identity" || reason === "unavailable" ? reason : "expired";
  return (
    <>
      <h1 className="govuk-heading-l">{t("couldNotSignIn.title")}</h1>
      <p className="govuk-body">{t(`couldNotSignIn.${key}`)}</p>
      <p className="govuk-body"><a className="govuk-link" href="/auth/sign-in">{t("couldNotSignIn.tryAgain")}</a></p>
    </>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  usePage(t("notFound.title"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("notFound.title")}</h1>
      <p className="govuk-body">{t("notFound.text")}</p>
    </>
  );
}

export function Accessibility() {
  const { t } = useTranslation();
  usePage(t("accessibility.title"));
  const items = t("accessibility.items", { returnObjects: true }) as string[];
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <h1 className="govuk-heading-l">{t("accessibility.title")}</h1>
        <p className="govuk-body">{t("accessibility.intro")}</p>
        <ul className="govuk-list govuk-list--bullet">{items.map((i) => <li key={i}>{i}</li>)}</ul>
        <h2 className="govuk-heading-m">{t("accessibility.statusTitle")}</h2>
        <p className="govuk-body">{t("accessibility.status")}</p>
        <h2 className="govuk-heading-m">{t("accessibility.jsTitle")}</h2>
        <p className="govuk-body">{t("accessibility.js")}</p>
        <h2 className="govuk-heading-m">{t("accessibility.reportTitle")}</h2>
        <p className="govuk-body">{t("accessibility.report")}</p>
      </div>
    </div>
  );
}

export function Privacy() {
  const { t } = useTranslation();
  usePage(t("privacy.title"));
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <h1 className="govuk-heading-l">{t("privacy.title")}</h1>
        <p className="govuk-body">{t("privacy.intro")}</p>
        {(["estimate", "signIn", "rights"] as const).map((part) => (
          <section key={part}>
            <h2 className="govuk-heading-m">{t(`privacy.${part}Title`)}</h2>
            <p className="govuk-body">{t(`privacy.${part}`)}</p>
          </section>
        ))}
      </div>
    </div>
  );
}

export function Cookies() {
  const { t } = useTranslation();
  usePage(t("cookies.title"));
  const rows: [string, string, string][] = [
    ["dwp_session", t("cookies.session"), t("cookies.whenSignOut")],
    ["dwp_signin", t("cookies.signin"), t("cookies.tenMinutes")],
    ["dwp_csrf", t("cookies.csrf"), t("cookies.whenClose")],
    ["dwp_lang", t("cookies.lang"), t("cookies.oneYear")],
  ];
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <h1 className="govuk-heading-l">{t("cookies.title")}</h1>
        <p className="govuk-body">{t("cookies.intro")}</p>
        <table className="govuk-table">
          <caption className="govuk-table__caption govuk-table__caption--m">{t("cookies.title")}</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">{t("cookies.name")}</th>
              <th scope="col" className="govuk-table__header">{t("cookies.purpose")}</th>
              <th scope="col" className="govuk-table__header">{t("cookies.expires")}</th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {rows.map(([name, purpose, expires]) => (
              <tr className="govuk-table__row" key={name}>
                <td className="govuk-table__cell"><code>{name}</code></td>
                <td className="govuk-table__cell">{purpose}</td>
                <td className="govuk-table__cell">{expires}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
