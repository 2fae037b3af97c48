// A citizen's own pages (applying, their address) for a citizen's session only: a member of staff signed
// in with staff sign-in sees where their own pages are instead, and the page behind makes no call.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useSession } from "../session";
import { usePage } from "./Layout";

function StaffElsewhere() {
  const { t } = useTranslation();
  usePage(t("staffElsewhere.title"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("staffElsewhere.title")}</h1>
      <p className="govuk-body">{t("staffElsewhere.text")}</p>
      <p className="govuk-body"><Link className="govuk-link" to="/casework">{t("staffElsewhere.link")}</Link></p>
    </>
  );
}

export function CitizenOnly({ children }: { children: ReactNode }) {
  const session = useSession();
  return session?.signed_in && session.kind === "staff" ? <StaffElsewhere /> : <>{children}</>;
}
