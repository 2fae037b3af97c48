// The caseworker pages: the work queue, a claim's full picture, recording a decision and the overview,
// against the claims casework API through the BFF (which forwards those routes for a staff session only).
// One lazy chunk, with its own texts and styles: no citizen page downloads any of it. A citizen signed in
// with One Login, or nobody, sees a page that says so and makes no casework call.
import { useTranslation } from "react-i18next";
import { Link, Route, Routes } from "react-router";
import { usePage } from "../../components/Layout";
import { addStrings } from "../../i18n";
import { caseworkCy } from "../../locales/casework.cy";
import { caseworkEn } from "../../locales/casework.en";
import { useSession } from "../../session";
import { ClaimPage, DecidePage } from "./ClaimPage";
import { CaseworkNav } from "./parts";
import { OverviewPage } from "./Overview";
import { QueuePage } from "./Queue";
import "./casework.scss";

addStrings("casework", { en: caseworkEn, cy: caseworkCy });

function SignInAsStaff() {
  const { t } = useTranslation();
  usePage(t("casework.signIn.title"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("casework.signIn.title")}</h1>
      <p className="govuk-body">{t("casework.signIn.text")}</p>
      {/* A full-page redirect through the BFF to staff sign-in: no script holds anything of it. */}
      <a href="/auth/staff/sign-in" role="button" draggable="false" className="govuk-button" data-module="govuk-button" id="staff-sign-in">
        {t("casework.signIn.button")}
      </a>
    </>
  );
}

function NotStaff() {
  const { t } = useTranslation();
  usePage(t("casework.notStaff.title"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("casework.notStaff.title")}</h1>
      <p className="govuk-body">{t("casework.notStaff.text")}</p>
      <p className="govuk-body"><Link className="govuk-link" to="/account">{t("casework.notStaff.account")}</Link></p>
    </>
  );
}

export default function Casework() {
  const { t } = useTranslation();
  const session = useSession();
  if (session === null) return <p className="govuk-body">{t("common.loading")}</p>;
  if (!session.signed_in) return <SignInAsStaff />;
  if (session.kind !== "staff") return <NotStaff />;
  const teamLeader = (session.roles ?? []).includes("team-leader");
  return (
    <>
      <CaseworkNav />
      <Routes>
        <Route index element={<QueuePage me={session.subject_id} />} />
        <Route path="overview" element={<OverviewPage />} />
        <Route path="claims/:claimId" element={<ClaimPage me={session.subject_id} teamLeader={teamLeader} />} />
        <Route path="claims/:claimId/decide" element={<DecidePage />} />
      </Routes>
    </>
  );
}
