// The decision on a claim (the claims API's latest decision: award or not, the amount, the decision
// maker's reasons) and the rights its notice states, with their dates: a mandatory reconsideration
// within one month (late, with reasons, up to 13 months), a person's review of an automatic decision,
// an appeal after a reconsideration. "Ask for a mandatory reconsideration" posts to the claims API.
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Routes, useLocation, useNavigate } from "react-router";
import { api, ProblemError } from "../../api";
import { type ErrorItem, ErrorSummary, InsetText, SuccessBanner, SummaryList, Textarea } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import { type ClaimView, type DecisionView, Grid, today, useClaim } from "./context";
import { APPLY } from "./journey";

const pounds = (pence: number) => `£${(pence / 100).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const iso = (d: Date) => d.toISOString().slice(0, 10);

export default function Decision() {
  return (
    <Routes>
      <Route index element={<DecisionNotice />} />
      <Route path="reconsideration" element={<Reconsideration />} />
    </Routes>
  );
}

function DecisionNotice() {
  const { t, i18n } = useTranslation();
  const { claim } = useClaim();
  const { search } = useLocation();
  const decision = claim.decision;
  usePage(t("decision.title"));
  const base = `${APPLY}/${claim.id}`;
  const lang = i18n.language;
  if (!decision) {
    return (
      <Grid back={`${base}/status`}>
        <h1 className="govuk-heading-l">{t("decision.title")}</h1>
        <p className="govuk-body">{t("decision.none")}</p>
      </Grid>
    );
  }
  const awarded = decision.outcome === "award";
  const per = claim.claim_type === "universal_credit" ? t("decision.perMonth") : t("decision.perWeek");
  const asked = new URLSearchParams(search).get("asked") === "reconsideration";
  const mr = decision.rights.find((r) => r.kind === "mandatory_reconsideration");
  const canAsk = claim.moves.includes("request_reconsideration") || Boolean(mr);
  return (
    <Grid back={`${base}/status`}>
      {asked && <SuccessBanner id="asked" title={t("account.success")} heading={t("decision.asked")} />}
      <span className="govuk-caption-l">{t(`decision.benefit.${claim.claim_type}`, { defaultValue: "" })}</span>
      <h1 className="govuk-heading-l">{t("decision.title")}</h1>
      <div className={`govuk-panel ${awarded ? "govuk-panel--confirmation" : "app-panel--refused"}`}>
        <h2 className="govuk-panel__title">{awarded ? t("decision.awarded") : t("decision.disallowed")}</h2>
        {awarded && decision.amount_pence !== null && (
          <div className="govuk-panel__body" id="decision-amount">
            <strong>{pounds(decision.amount_pence)}</strong> {per}
          </div>
        )}
      </div>
      <SummaryList rows={[
        { key: t("decision.kind"), value: t(`decision.kinds.${decision.kind}`, { defaultValue: decision.kind }) },
        { key: t("decision.notified"), value: longDate(decision.notified_on, lang) },
        { key: t("decision.madeBy"), value: decision.automated ? t("decision.automatic") : t("decision.person") },
      ]} />
      <h2 className="govuk-heading-m" id="why">{t("decision.why")}</h2>
      <Explanation claimId={claim.id} decision={decision} per={per} />
      <h2 className="govuk-heading-m" id="rights">{t("decision.rights")}</h2>
      {decision.rights.map((right) => (
        <div key={right.kind}>
          <h3 className="govuk-heading-s">{t(`decision.right.${right.kind}.title`)}</h3>
          <p className="govuk-body">{t(`decision.right.${right.kind}.text`)}</p>
          {right.ask_by && (
            <p className="govuk-body">
              {t("decision.askBy", { date: longDate(right.ask_by, lang) })}
              {right.late_until && ` ${t("decision.lateUntil", { date: longDate(right.late_until, lang) })}`}
            </p>
          )}
          <p className="govuk-body-s" lang="en">{right.source}</p>
        </div>
      ))}
      {canAsk && mr && (
        <Link to={`${base}/decision/reconsideration`} role="button" draggable="false" className="govuk-button" data-module="govuk-button" id="ask-mr">
          {t("decision.askButton")}
        </Link>
      )}
      <p className="govuk-body">
        <Link className="govuk-link" to={`${base}/messages`}>{t("messages.link")}</Link>
      </p>
    </Grid>
  );
}

type Line = { key: string; kind: string; amount_pence: number; regulation: string; text: { en: string; cy: string } };

/** What the award is made of and why: the benefits service's itemised explanation of the period the
 * decision recorded (each element and deduction, in English or Welsh, with the law it comes from),
 * then the decision maker's own reasons. */
function Explanation({ claimId, decision, per }: { claimId: string; decision: DecisionView; per: string }) {
  const { t, i18n } = useTranslation();
  const [lines, setLines] = useState<Line[] | null>(null);
  useEffect(() => {
    if (decision.outcome !== "award") return setLines([]);
    api.get<{ items: Line[] }>(`/v1/claims/${claimId}/explanation?decision_id=${encodeURIComponent(decision.id)}`)
      .then((got) => setLines(got.items))
      .catch(() => setLines([]));
  }, [claimId, decision.id, decision.outcome]);
  const lang = i18n.language === "cy" ? "cy" : "en";
  return (
    <>
      {decision.amount_pence !== null && (
        <table className="govuk-table" id="decision-explanation">
          <caption className="govuk-table__caption govuk-table__caption--s">{t("decision.amountCaption")}</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">{t("decision.item")}</th>
              <th scope="col" className="govuk-table__header govuk-table__header--numeric">{t("decision.amount")}</th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {(lines ?? []).filter((line) => line.kind !== "result").map((line) => (
              <tr className="govuk-table__row" key={line.key}>
                <td className="govuk-table__cell">
                  {line.text[lang]}
                  <div className="govuk-hint govuk-!-margin-bottom-0 govuk-!-font-size-16">{t("estimate.result.law")}: {line.regulation}</div>
                </td>
                <td className="govuk-table__cell govuk-table__cell--numeric">
                  {line.kind === "note" && line.amount_pence === 0 ? "" : `${line.kind === "deduction" ? "−" : ""}${pounds(line.amount_pence)}`}
                </td>
              </tr>
            ))}
            <tr className="govuk-table__row">
              <th scope="row" className="govuk-table__header">{t("decision.total", { per })}</th>
              <td className="govuk-table__cell govuk-table__cell--numeric"><strong>{pounds(decision.amount_pence)}</strong></td>
            </tr>
          </tbody>
        </table>
      )}
      <p className="govuk-body">{t("decision.reasonsLead")}</p>
      <ul className="govuk-list govuk-list--bullet" id="decision-reasons">
        {decision.reasons.map((reason) => <li key={reason} lang="en">{reason}</li>)}
      </ul>
    </>
  );
}

function Reconsideration() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { claim, etag, keep } = useClaim();
  const [grounds, setGrounds] = useState("");
  const [late, setLate] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const mr = claim.decision?.rights.find((r) => r.kind === "mandatory_reconsideration");
  const isLate = Boolean(mr?.ask_by && iso(today()) > mr.ask_by);
  const errors: ErrorItem[] = Object.entries(problems).map(([field, key]) => ({ href: `#${field}`, text: t(key) }));
  usePage(t("decision.mr.title"), errors.length > 0);
  const base = `${APPLY}/${claim.id}`;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: Record<string, string> = {};
    if (!grounds.trim()) found.grounds = "decision.mr.groundsMissing";
    else if (grounds.length > 2000) found.grounds = "decision.mr.tooLong";
    if (isLate && !late.trim()) found.late = "decision.mr.lateMissing";
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const done = await api.send<ClaimView>("POST", `/v1/claims/${claim.id}/reconsideration-request`,
        { grounds: grounds.trim(), late_reasons: late.trim() }, etag ? { "If-Match": etag } : {});
      keep(done.data, done.etag);
      navigate(`${base}/decision?asked=reconsideration`);
    } catch (e) {
      const p = e instanceof ProblemError ? e.problem : null;
      const type = p?.type.split("/").pop() ?? "";
      const pointer = p?.errors?.[0]?.pointer ?? "";
      if (type.includes("late") || pointer.endsWith("late_reasons")) setProblems({ late: "decision.mr.lateMissing" });
      else if (type.includes("too-late")) setProblems({ grounds: "decision.mr.tooLate" });
      else if (p?.status === 409 || type.includes("not-reconsiderable")) setProblems({ grounds: "decision.mr.already" });
      else if (p?.status === 412) setProblems({ grounds: "claim.errors.changed" });
      else if (p?.status === 422) setProblems({ grounds: "decision.mr.refused" });
      else setProblems({ grounds: "errors.unavailable" });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Grid back={`${base}/decision`}>
      <ErrorSummary errors={errors} />
      <h1 className="govuk-heading-l">{t("decision.mr.title")}</h1>
      <p className="govuk-body">{t("decision.mr.lead")}</p>
      {mr?.ask_by && <InsetText>{t("decision.askBy", { date: longDate(mr.ask_by, i18n.language) })}</InsetText>}
      <form onSubmit={onSubmit} noValidate>
        <Textarea id="grounds" label={t("decision.mr.grounds")} hint={t("decision.mr.groundsHint")} error={problems.grounds && t(problems.grounds)}
          value={grounds} onChange={setGrounds} rows={6} />
        {isLate && (
          <Textarea id="late" label={t("decision.mr.late")} error={problems.late && t(problems.late)} value={late} onChange={setLate} rows={3} />
        )}
        <button type="submit" className="govuk-button" data-module="govuk-button" id="send-mr">{t("decision.mr.button")}</button>
      </form>
    </Grid>
  );
}
