// The signed-in page: who you are (from the session) and your details (from the citizen service,
// through the BFF with your own token); a proven citizen without a record finishes registering here.
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, auth, ProblemError } from "../api";
import { Button, type ErrorItem, ErrorSummary, SuccessBanner, SummaryList, TextInput } from "../components/govuk";
import { usePage } from "../components/Layout";
import { longDate } from "../dates";
import { useSession } from "../session";

type Profile = {
  id: string;
  national_insurance_number?: string;
  date_of_birth?: string;
  email?: string | null;
  phone?: string | null;
  address_reference?: string | null;
  [field: string]: unknown;
};

export default function Account() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [profile, setProfile] = useState<Profile | null | "missing">(null);
  const [nino, setNino] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [registered, setRegistered] = useState(false);
  const [address, setAddress] = useState<string[] | null>(null);
  const [params] = useSearchParams();
  const updated = params.get("updated");
  usePage(t("account.title"), Boolean(error));

  const citizenId = session?.signed_in && session.kind === "citizen" ? session.subject_id : null;
  useEffect(() => {
    if (!citizenId) return;
    api
      .get<Profile>(`/v1/citizens/${encodeURIComponent(citizenId)}`)
      .then(setProfile)
      .catch((e) => setProfile(e instanceof ProblemError && e.problem.status === 404 ? "missing" : null));
  }, [citizenId, registered]);
  const uprn = profile && profile !== "missing" ? profile.address_reference : null;
  useEffect(() => {
    if (!uprn) return;
    api
      .get<{ lines: string[] }>(`/v1/addresses/${encodeURIComponent(uprn)}`)
      .then((a) => setAddress(a.lines))
      .catch(() => setAddress(null));
  }, [uprn]);

  if (session === null) return <p className="govuk-body">{t("common.loading")}</p>;
  if (!session.signed_in) {
    return (
      <>
        <h1 className="govuk-heading-l">{t("account.notSignedIn")}</h1>
        <a href="/auth/sign-in" role="button" draggable="false" className="govuk-button" data-module="govuk-button">
          {t("start.signInButton")}
        </a>
      </>
    );
  }

  async function register(event: FormEvent) {
    event.preventDefault();
    if (!nino.trim()) return setError(t("account.ninoMissing"));
    try {
      await auth.register(nino.replace(/\s+/g, "").toUpperCase());
      setError(undefined);
      setRegistered(true);
    } catch (e) {
      setError(e instanceof ProblemError && e.problem.status < 500 ? t("account.ninoRefused") : t("errors.unavailable"));
    }
  }

  const errors: ErrorItem[] = error ? [{ href: "#nino", text: error }] : [];
  const proven = session.level_of_confidence === "P2";
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <h1 className="govuk-heading-l">{t("account.title")}</h1>
        <p className="govuk-body">{t("account.signedInAs", { name: session.name })}</p>
        <SummaryList
          rows={[
            { key: t("account.name"), value: session.name },
            { key: t("account.identity"), value: proven ? t("account.proven") : t("account.notProven") },
          ]}
        />
        {session.kind !== "citizen" && <p className="govuk-body">{t("account.staff")}</p>}
        {registered && (
          <div className="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="registered-title">
            <div className="govuk-notification-banner__header">
              <h2 className="govuk-notification-banner__title" id="registered-title">{t("account.success")}</h2>
            </div>
            <div className="govuk-notification-banner__content">
              <p className="govuk-notification-banner__heading">{t("account.registered")}</p>
            </div>
          </div>
        )}
        {updated === "address" && <SuccessBanner id="address-updated" title={t("account.success")} heading={t("address.updated")} />}
        {updated === "typed-address" && <SuccessBanner id="address-updated" title={t("account.success")} heading={t("address.typedKept")} />}
        {profile && profile !== "missing" && (
          <>
            <h2 className="govuk-heading-m" id="profile">{t("account.profile")}</h2>
            <SummaryList
              rows={[
                { key: t("account.nino"), value: String(profile.national_insurance_number ?? "") },
                { key: t("account.dob"), value: longDate(String(profile.date_of_birth ?? ""), i18n.language) },
                { key: t("account.email"), value: String(profile.email ?? "") },
                { key: t("account.phone"), value: String(profile.phone ?? "") },
                {
                  key: t("address.row"),
                  value: uprn ? (address ?? []).map((line) => <span key={line}>{line}<br /></span>) : t("address.none"),
                  change: { to: "/account/address", hidden: t("address.row").toLowerCase() },
                },
              ]}
            />
          </>
        )}
        {updated === "contact" && <SuccessBanner id="contact-updated" title={t("account.success")} heading={t("contact.updated")} />}
        {profile && profile !== "missing" && (
          <>
            <p className="govuk-body">
              <Link className="govuk-link" to="/account/contact-preferences" id="contact-link">{t("contact.title")}</Link>
            </p>
            <h2 className="govuk-heading-m">{t("account.apply")}</h2>
            <ul className="govuk-list">
              <li><Link className="govuk-link" to="/apply" id="apply-link">{t("claim.start.title")}</Link></li>
              <li><Link className="govuk-link" to="/apply/new-style-jsa" id="apply-jsa-link">{t("ns.new_style_jsa.start.title")}</Link></li>
              <li><Link className="govuk-link" to="/apply/new-style-esa" id="apply-esa-link">{t("ns.new_style_esa.start.title")}</Link></li>
              <li><Link className="govuk-link" to="/apply/join" id="join-link">{t("partner.join.link")}</Link></li>
            </ul>
          </>
        )}
        {profile === "missing" && proven && (
          <form onSubmit={register} noValidate>
            <h2 className="govuk-heading-m">{t("account.register")}</h2>
            <p className="govuk-body">{t("account.registerText")}</p>
            <TextInput id="nino" label={t("account.ninoLabel")} hint={t("account.ninoHint")} error={error} value={nino}
              onChange={setNino} widthClass="govuk-input--width-10" spellCheck={false} autoComplete="off" />
            <Button>{t("account.registerButton")}</Button>
          </form>
        )}
      </div>
    </div>
  );
}
