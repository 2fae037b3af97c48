import { useTranslation } from "react-i18next";
import { StartButton } from "../components/govuk";
import { usePage } from "../components/Layout";
import { useSession } from "../session";
import { BASE } from "./estimate/journey";

export default function Start() {
  const { t } = useTranslation();
  const session = useSession();
  usePage(t("start.title"));
  const items = t("start.items", { returnObjects: true }) as string[];
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <h1 className="govuk-heading-xl">{t("start.title")}</h1>
        <p className="govuk-body-l">{t("start.lead")}</p>
        <p className="govuk-body">{t("start.youNeed")}</p>
        <ul className="govuk-list govuk-list--bullet">
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
        <p className="govuk-body">{t("start.time")}</p>
        <StartButton to={`${BASE}/date-of-birth`}>{t("start.button")}</StartButton>
        {session?.signed_in === false && (
          <>
            <h2 className="govuk-heading-m">{t("start.signInTitle")}</h2>
            <p className="govuk-body">{t("start.signInText")}</p>
            <a href="/auth/sign-in" role="button" draggable="false" className="govuk-button govuk-button--secondary" data-module="govuk-button">
              {t("start.signInButton")}
            </a>
          </>
        )}
      </div>
    </div>
  );
}
