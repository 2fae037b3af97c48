// A joint Universal Credit claim: the claimant invites their partner (a code shown once), the partner
// enters the code under their own sign-in (`POST /v1/claims/join`), then confirms their part with the
// declaration (`POST .../partner-confirmation`).
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, ProblemError } from "../../api";
import { ErrorSummary, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import { type ClaimView, Grid, useClaim } from "./context";
import { APPLY, DECLARATION_VERSION } from "./journey";

/** Claimant: make (or make again) the code for the partner. */
export function Invite() {
  const { t, i18n } = useTranslation();
  const { claim, etag, keep } = useClaim();
  const [invitation, setInvitation] = useState<{ code: string; expires_at: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePage(t("partner.invite.title"), Boolean(error));
  async function invite(event: FormEvent) {
    event.preventDefault();
    try {
      const got = await api.send<{ code: string; expires_at: string; claim: ClaimView }>(
        "POST", `/v1/claims/${claim.id}/partner-invitation`, {}, etag ? { "If-Match": etag } : {});
      keep(got.data.claim, got.etag);
      setInvitation({ code: got.data.code, expires_at: got.data.expires_at });
      setError(null);
    } catch (e) {
      setError(e instanceof ProblemError && e.problem.status === 412 ? "claim.errors.changed" : e instanceof ProblemError && e.problem.status < 500 ? "partner.invite.refused" : "errors.unavailable");
    }
  }
  return (
    <Grid back={`${APPLY}/${claim.id}`}>
      <ErrorSummary errors={error ? [{ href: "#invite", text: t(error) }] : []} />
      <h1 className="govuk-heading-l">{t("partner.invite.title")}</h1>
      <p className="govuk-body">{t("partner.invite.lead")}</p>
      {invitation ? (
        <div className="govuk-panel govuk-panel--confirmation">
          <h2 className="govuk-panel__title">{t("partner.invite.code")}</h2>
          <div className="govuk-panel__body"><strong id="invite-code">{invitation.code}</strong><br />
            {t("partner.invite.expires", { date: longDate(invitation.expires_at.slice(0, 10), i18n.language) })}</div>
        </div>
      ) : (
        <form onSubmit={invite} noValidate>
          <button type="submit" className="govuk-button" data-module="govuk-button" id="invite">{t("partner.invite.button")}</button>
        </form>
      )}
    </Grid>
  );
}

/** Partner: enter the code. */
export function Join() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  usePage(t("partner.join.title"), Boolean(error));
  async function join(event: FormEvent) {
    event.preventDefault();
    const cleaned = code.replace(/\s+/g, "");
    if (!cleaned) return setError("partner.join.missing");
    if (cleaned.length > 40) return setError("partner.join.wrong");
    try {
      const claim = await api.post<ClaimView>("/v1/claims/join", { code: cleaned });
      navigate(`${APPLY}/${claim.id}/partner`);
    } catch (e) {
      setError(e instanceof ProblemError && e.problem.status < 500 ? "partner.join.wrong" : "errors.unavailable");
    }
  }
  return (
    <Grid back="/account">
      <ErrorSummary errors={error ? [{ href: "#code", text: t(error) }] : []} />
      <form onSubmit={join} noValidate>
        <TextInput id="code" label={t("partner.join.title")} hint={t("partner.join.hint")} isPageHeading error={error ? t(error) : undefined}
          value={code} onChange={setCode} widthClass="govuk-input--width-20" autoComplete="off" spellCheck={false} />
        <button type="submit" className="govuk-button" data-module="govuk-button">{t("common.continue")}</button>
      </form>
    </Grid>
  );
}

/** Partner: confirm your part of the joint claim, with the declaration. */
export function ConfirmPart() {
  const { t } = useTranslation();
  const { claim, etag, keep } = useClaim();
  const [error, setError] = useState<string | null>(null);
  usePage(t("partner.confirm.title"), Boolean(error));
  const confirmed = claim.partner?.confirmed === true;
  async function confirm(event: FormEvent) {
    event.preventDefault();
    try {
      const done = await api.send<ClaimView>("POST", `/v1/claims/${claim.id}/partner-confirmation`, { declaration: DECLARATION_VERSION },
        etag ? { "If-Match": etag } : {});
      keep(done.data, done.etag);
      setError(null);
    } catch (e) {
      setError(e instanceof ProblemError && e.problem.status === 412 ? "claim.errors.changed" : "errors.unavailable");
    }
  }
  return (
    <Grid back="/account">
      <ErrorSummary errors={error ? [{ href: "#confirm-part", text: t(error) }] : []} />
      {confirmed ? (
        <div className="govuk-panel govuk-panel--confirmation">
          <h1 className="govuk-panel__title">{t("partner.confirm.done")}</h1>
        </div>
      ) : (
        <>
          <h1 className="govuk-heading-l">{t("partner.confirm.title")}</h1>
          <p className="govuk-body">{t("partner.confirm.lead")}</p>
          <ul className="govuk-list govuk-list--bullet">
            {(t("claim.declaration.items", { returnObjects: true }) as string[]).map((item) => <li key={item}>{item}</li>)}
          </ul>
          <form onSubmit={confirm} noValidate>
            <button type="submit" className="govuk-button" data-module="govuk-button" id="confirm-part">{t("claim.declaration.button")}</button>
          </form>
        </>
      )}
    </Grid>
  );
}
