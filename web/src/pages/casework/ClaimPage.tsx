// A claim's full picture for a caseworker (why it is opened first: every read is audited with its
// purpose): what it is, its work items (take, put back, escalate; a team leader gives one to someone),
// the answers, to-dos, evidence (a link that works for 5 minutes), HMRC earnings and NHS fit notes,
// decisions and the history; then "Record a decision" with reasons, whose errors are the API's pointers.
import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, ProblemError } from "../../api";
import { BackLink, Button, type ErrorItem, ErrorSummary, Radios, SuccessBanner, SummaryList, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import {
  answerRows, API, type AuditRecord, CASEWORK, type CaseworkClaim, fieldProblems, type Gathered, pounds,
  reasonLines, reference, type Upload, type Waiting, type WorkItem,
} from "./model";
import { dateTime, problemWords, shortDate, Textarea } from "./parts";

/** The error summary's items, one array per change of errors (it takes focus whenever it gets a new one). */
function useSummary(errors: Record<string, string>): ErrorItem[] {
  const key = JSON.stringify(errors); // the items change exactly when the errors' contents do
  return useMemo(() => Object.entries(errors).map(([field, text]) => ({ href: `#${field}`, text })), [key]);
}

const NO_ERRORS: Record<string, string> = {};

type Loaded = { claim: CaseworkClaim; etag: string | null; work: WorkItem[]; audit: AuditRecord[]; uploads: Upload[] };

function PurposeForm({ onChosen }: { onChosen: (purpose: string) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | undefined>();
  const summary = useSummary(error ? { purpose: error } : NO_ERRORS);
  usePage(t("casework.titles.purpose"), Boolean(error));
  function submit(event: FormEvent) {
    event.preventDefault();
    const text = value.trim();
    if (!text) return setError(t("casework.purpose.missing"));
    if (text.length < 3 || text.length > 200) return setError(t("casework.purpose.tooShort"));
    onChosen(text);
  }
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <ErrorSummary errors={summary} />
        <BackLink to={CASEWORK} />
        <form onSubmit={submit} noValidate>
          <TextInput id="purpose" label={t("casework.purpose.title")} hint={t("casework.purpose.hint")} error={error} value={value} onChange={setValue} isPageHeading />
          <Button>{t("casework.purpose.button")}</Button>
        </form>
      </div>
    </div>
  );
}

async function loadClaim(claimId: string, purpose: string): Promise<Loaded> {
  const id = encodeURIComponent(claimId);
  const why = encodeURIComponent(purpose);
  const read = await api.read<CaseworkClaim>(`${API}/claims/${id}?purpose=${why}`);
  const [work, audit, uploads] = await Promise.all([
    api.get<{ items: WorkItem[] }>(`${API}/claims/${id}/work-items`),
    api.get<{ items: AuditRecord[] }>(`${API}/claims/${id}/audit?purpose=${why}`),
    api.get<{ items: Upload[] }>(`/v1/claims/${id}/uploads`).catch(() => ({ items: [] as Upload[] })),
  ]);
  return { claim: read.data, etag: read.etag, work: work.items, audit: audit.items, uploads: uploads.items };
}

export function ClaimPage({ me, teamLeader }: { me: string; teamLeader: boolean }) {
  const { claimId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const purpose = params.get("purpose");
  if (!purpose) {
    return <PurposeForm onChosen={(p) => setParams({ purpose: p })} />;
  }
  return <ClaimPicture claimId={claimId} purpose={purpose} me={me} teamLeader={teamLeader} notice={params.get("decided") ? "decided" : params.get("taken") ? "taken" : null} />;
}

function ClaimPicture({ claimId, purpose, me, teamLeader, notice: initial }: { claimId: string; purpose: string; me: string; teamLeader: boolean; notice: string | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(initial ? t(initial === "decided" ? "casework.claim.decided" : "casework.queue.taken") : null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const summary = useSummary(errors);
  const [escalation, setEscalation] = useState("");
  const [assignee, setAssignee] = useState("");
  const [startReason, setStartReason] = useState("");
  const [nhs, setNhs] = useState("");
  const [gathered, setGathered] = useState<Gathered | Waiting | null>(null);
  const [links, setLinks] = useState<Record<string, { url: string; expires_at: string }>>({});
  const ref = reference(claimId);
  usePage(t("casework.claim.title", { ref }), Object.keys(errors).length > 0);

  const reload = useCallback(async () => {
    try {
      setLoaded(await loadClaim(claimId, purpose));
      setFailed(null);
    } catch (e) {
      setFailed(problemWords(e, t));
    }
  }, [claimId, purpose, t]);
  useEffect(() => {
    void reload();
  }, [reload]);

  async function act(run: () => Promise<unknown>, done: string, field?: string) {
    try {
      await run();
      setErrors({});
      setNotice(done);
    } catch (e) {
      if (e instanceof ProblemError && e.problem.status === 412) setNotice(t("casework.claim.changed"));
      else if (field && e instanceof ProblemError && e.problem.status === 422) setErrors({ [field]: e.problem.errors?.[0]?.detail ?? problemWords(e, t) });
      else setFailed(problemWords(e, t));
    }
    await reload();
  }

  if (failed && !loaded) return <><h1 className="govuk-heading-l">{t("casework.claim.title", { ref })}</h1><div className="govuk-inset-text" role="alert">{failed}</div></>;
  // The heading is there from the first render: focus moves to it as the page opens (usePage).
  if (!loaded) return <><h1 className="govuk-heading-l">{t("casework.claim.title", { ref })}</h1><p className="govuk-body">{t("common.loading")}</p></>;
  const { claim, etag, work, audit, uploads } = loaded;
  const openWork = work.filter((w) => !w.done_at);
  const outstanding = claim.todos.some((td) => td.kind === "upload_evidence" && !td.done_at);
  const canStart = ["submitted", "awaiting_evidence"].includes(claim.status);
  const needsReason = claim.status === "awaiting_evidence" && outstanding;
  const canDecide = claim.status === "under_assessment";
  const ifMatch = (item: WorkItem) => ({ "If-Match": `"${item.version}"` });
  const workPath = (item: WorkItem, action: string) => `${API}/work-items/${encodeURIComponent(item.id)}/${action}`;
  const back = `?purpose=${encodeURIComponent(purpose)}`;

  // Each open work item's forms have ids of their own (the first plain), so an error lands on its field.
  const nth = (field: string, i: number) => (i ? `${field}-${i + 1}` : field);
  function escalate(item: WorkItem, i: number) {
    const field = nth("escalation", i);
    if (!escalation.trim()) return setErrors({ [field]: t("casework.claim.escalateMissing") });
    void act(() => api.send("POST", workPath(item, "escalate"), { reason: escalation.trim() }, ifMatch(item)), t("casework.claim.escalated"), field);
    setEscalation("");
  }
  function assign(item: WorkItem, i: number) {
    const field = nth("assignee", i);
    if (!assignee.trim()) return setErrors({ [field]: t("casework.claim.assigneeMissing") });
    void act(() => api.send("POST", workPath(item, "assign"), { assignee: assignee.trim() }, ifMatch(item)), t("casework.claim.assigned", { who: assignee.trim() }), field);
  }
  function start() {
    if (needsReason && !startReason.trim()) return setErrors({ startReason: t("casework.claim.startReasonMissing") });
    void act(() => api.send("POST", `${API}/claims/${encodeURIComponent(claim.id)}/assessment/start`, startReason.trim() ? { reason: startReason.trim() } : undefined, etag ? { "If-Match": etag } : {}), t("casework.claim.start"), "startReason");
  }
  async function askRecords(event: FormEvent) {
    event.preventDefault();
    const digits = nhs.replace(/\s+/g, "");
    if (digits && !/^[0-9]{10}$/.test(digits)) return setErrors({ nhs: t("casework.claim.nhsError") });
    setErrors({});
    try {
      setGathered(await api.post<Gathered | Waiting>(`${API}/claims/${encodeURIComponent(claim.id)}/assessment/evidence`, digits ? { nhs_number: digits } : {}));
      await reload(); // asking may have moved the claim on (the citizen asked for evidence: awaiting it)
    } catch (e) {
      if (e instanceof ProblemError && e.problem.status === 422) setErrors({ nhs: t("casework.claim.nhsError") });
      else setFailed(problemWords(e, t));
    }
  }
  async function link(upload: Upload) {
    try {
      const got = await api.post<{ url: string; expires_at: string }>(
        `/v1/claims/${encodeURIComponent(claim.id)}/uploads/${encodeURIComponent(upload.id)}/download-link`,
        { purpose: t("casework.claim.linkPurpose", { ref }) },
      );
      setLinks({ ...links, [upload.id]: got });
    } catch (e) {
      setFailed(problemWords(e, t));
    }
  }
  const yesNo = (v: boolean) => (v ? t("casework.claim.yes") : t("casework.claim.no"));
  const sections = answerRows(claim.answers);

  return (
    <>
      <ErrorSummary errors={summary} />
      {notice && <SuccessBanner id="claim-notice" title={t("account.success")} heading={notice} />}
      {failed && <div className="govuk-inset-text" role="alert">{failed}</div>}
      <span className="govuk-caption-l">{t(`casework.benefit.${claim.benefit}`)}</span>
      <h1 className="govuk-heading-l">{t("casework.claim.title", { ref })}</h1>
      <h2 className="govuk-heading-m">{t("casework.claim.summary")}</h2>
      <SummaryList rows={[
        { key: t("casework.claim.reference"), value: ref },
        { key: t("casework.claim.status"), value: <strong className="govuk-tag" id="claim-status">{t(`casework.status.${claim.status}`)}</strong> },
        { key: t("casework.claim.submitted"), value: claim.submitted_at ? shortDate(claim.submitted_at, lang) : t("casework.claim.notYet") },
        { key: t("casework.claim.claimDate"), value: claim.claim_date ? shortDate(claim.claim_date, lang) : t("casework.claim.notYet") },
        { key: t("casework.claim.identity"), value: claim.claimant.identity_verified ? t("casework.claim.identityVerified") : t("casework.claim.identityNot") },
        { key: t("casework.claim.address"), value: claim.claimant.address_confirmed ? t("casework.claim.addressConfirmed") : t("casework.claim.addressNot") },
        { key: t("casework.claim.joint"), value: yesNo(claim.joint) },
      ]} />

      {canStart && (
        <form noValidate onSubmit={(e) => { e.preventDefault(); start(); }}>
          {needsReason && <Textarea id="startReason" label={t("casework.claim.startReason")} hint={t("casework.claim.startReasonHint")} error={errors.startReason} value={startReason} onChange={setStartReason} rows={3} labelClass="govuk-label--s" />}
          <Button>{t("casework.claim.start")}</Button>
        </form>
      )}
      {canDecide && (
        <Link to={`${CASEWORK}/claims/${claim.id}/decide${back}`} role="button" draggable="false" className="govuk-button" data-module="govuk-button" id="decide-link">
          {t("casework.claim.decide")}
        </Link>
      )}

      <h2 className="govuk-heading-m" id="work">{t("casework.claim.work")}</h2>
      {openWork.length === 0 ? <p className="govuk-body">{t("casework.claim.workNone")}</p> : openWork.map((item, i) => (
        <div key={item.id} className="govuk-!-margin-bottom-6">
          <SummaryList rows={[
            { key: t("casework.queue.work"), value: <>{t(`casework.kind.${item.kind}`)}{item.escalated && <> <strong className="govuk-tag govuk-tag--orange">{t("casework.queue.escalatedTag")}</strong></>}</> },
            { key: t("casework.queue.due"), value: <>{item.due ? shortDate(item.due.on, lang) : "–"}{item.overdue && <> <strong className="govuk-tag govuk-tag--red">{t("casework.queue.overdueTag")}</strong></>}</> },
            { key: t("casework.queue.assignee"), value: item.assigned_to === null ? t("casework.queue.nobody") : item.assigned_to === me ? t("casework.queue.you") : item.assigned_to },
          ]} />
          <div className="govuk-button-group">
            {item.assigned_to !== me && (
              <button type="button" className="govuk-button govuk-button--secondary" data-module="govuk-button" onClick={() => void act(() => api.send("POST", workPath(item, "take"), undefined, ifMatch(item)), t("casework.queue.taken"))}>
                {t("casework.queue.take")}
              </button>
            )}
            {item.assigned_to === me && (
              <button type="button" className="govuk-button govuk-button--secondary" data-module="govuk-button" onClick={() => void act(() => api.send("POST", workPath(item, "release"), undefined, ifMatch(item)), t("casework.claim.released"))}>
                {t("casework.claim.release")}
              </button>
            )}
          </div>
          {!item.escalated && (
            <details className="govuk-details">
              <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{t("casework.claim.escalate")}</span></summary>
              <div className="govuk-details__text">
                <form noValidate onSubmit={(e) => { e.preventDefault(); escalate(item, i); }}>
                  <Textarea id={nth("escalation", i)} label={t("casework.claim.escalateReason")} hint={t("casework.claim.escalateHint")} error={errors[nth("escalation", i)]} value={escalation} onChange={setEscalation} rows={3} />
                  <Button>{t("casework.claim.escalate")}</Button>
                </form>
              </div>
            </details>
          )}
          {teamLeader && (
            <details className="govuk-details">
              <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{t("casework.claim.assign")}</span></summary>
              <div className="govuk-details__text">
                <form noValidate onSubmit={(e) => { e.preventDefault(); assign(item, i); }}>
                  <TextInput id={nth("assignee", i)} label={t("casework.claim.assignee")} error={errors[nth("assignee", i)]} value={assignee} onChange={setAssignee} spellCheck={false} />
                  <Button>{t("casework.claim.assign")}</Button>
                </form>
              </div>
            </details>
          )}
        </div>
      ))}

      <h2 className="govuk-heading-m" id="answers">{t("casework.claim.answers")}</h2>
      {sections.length === 0 && <p className="govuk-body">{t("casework.claim.noAnswers")}</p>}
      {/* The answers' names and values are the claims service's, in English. */}
      <div lang="en">
        {sections.map((s) => (
          <div key={s.section}>
            <h3 className="govuk-heading-s">{s.section}</h3>
            <SummaryList rows={s.rows.map((r) => ({ key: r.key, value: r.value }))} />
          </div>
        ))}
      </div>

      <h2 className="govuk-heading-m" id="todos">{t("casework.claim.todos")}</h2>
      {claim.todos.length === 0 ? <p className="govuk-body">{t("casework.claim.noTodos")}</p> : (
        <table className="govuk-table">
          <caption className="govuk-table__caption govuk-visually-hidden">{t("casework.claim.todos")}</caption>
          <thead className="govuk-table__head"><tr className="govuk-table__row">
            {["todoKind", "todoSubject", "todoDue", "todoDone"].map((c) => <th scope="col" className="govuk-table__header" key={c}>{t(`casework.claim.${c}`)}</th>)}
          </tr></thead>
          <tbody className="govuk-table__body">
            {claim.todos.map((td) => (
              <tr className="govuk-table__row" key={td.id}>
                <td className="govuk-table__cell" lang="en">{td.kind.replace(/_/g, " ")}</td>
                <td className="govuk-table__cell" lang="en">{td.subject.replace(/_/g, " ")}</td>
                <td className="govuk-table__cell">{shortDate(td.due_on, lang) || "–"}</td>
                <td className="govuk-table__cell">{td.done_at ? shortDate(td.done_at, lang) : t("casework.claim.notYet")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 className="govuk-heading-m" id="evidence">{t("casework.claim.evidence")}</h2>
      {uploads.length === 0 ? <p className="govuk-body">{t("casework.claim.noEvidence")}</p> : (
        <ul className="govuk-list">
          {uploads.map((u) => (
            <li key={u.id}>
              {u.declared_type}, {t("casework.claim.uploaded").toLowerCase()} {shortDate(u.created_at, lang)}{" "}
              {links[u.id] ? (
                <>
                  <a className="govuk-link" href={links[u.id].url} target="_blank" rel="noreferrer noopener">{t("casework.claim.openLink")}</a>{" "}
                  <span className="govuk-hint">{t("casework.claim.linkUntil", { time: dateTime(links[u.id].expires_at, lang) })}</span>
                </>
              ) : (
                <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" onClick={() => void link(u)}>
                  {t("casework.claim.getLink")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2 className="govuk-heading-m" id="records">{t("casework.claim.records")}</h2>
      <p className="govuk-body">{t("casework.claim.recordsText")}</p>
      <form noValidate onSubmit={askRecords}>
        <TextInput id="nhs" label={t("casework.claim.nhsNumber")} hint={t("casework.claim.nhsHint")} error={errors.nhs} value={nhs} onChange={setNhs} inputMode="numeric" widthClass="govuk-input--width-10" />
        <Button>{t("casework.claim.ask")}</Button>
      </form>
      {gathered && "waiting_on" in gathered && (
        <div className="govuk-inset-text" role="status">{gathered.todo_ids.length ? t("casework.claim.waitingCitizen") : t("casework.claim.waiting", { service: gathered.waiting_on })}</div>
      )}
      {gathered && "period_start" in gathered && <Records gathered={gathered} />}

      <h2 className="govuk-heading-m" id="decisions">{t("casework.claim.decisions")}</h2>
      {claim.decisions.length === 0 ? <p className="govuk-body">{t("casework.claim.noDecisions")}</p> : claim.decisions.map((d) => (
        <SummaryList key={d.id} rows={[
          { key: t("casework.claim.madeAt"), value: `${shortDate(d.made_at, lang)}${d.automated ? ` (${t("casework.claim.automatic")})` : ""}` },
          { key: t("casework.claim.outcome"), value: d.outcome === "award" ? t("casework.decide.award") : t("casework.decide.disallow") },
          ...(d.amount_pence !== null ? [{ key: t("casework.claim.amount"), value: pounds(d.amount_pence, lang) }] : []),
          { key: t("casework.claim.reasons"), value: <ul className="govuk-list">{d.reasons.map((r) => <li key={r}>{r}</li>)}</ul> },
        ]} />
      ))}

      <h2 className="govuk-heading-m" id="history">{t("casework.claim.history")}</h2>
      <table className="govuk-table" id="audit">
        <caption className="govuk-table__caption govuk-visually-hidden">{t("casework.claim.historyCaption")}</caption>
        <thead className="govuk-table__head"><tr className="govuk-table__row">
          {["at", "actionCol", "actor", "reason"].map((c) => <th scope="col" className="govuk-table__header" key={c}>{t(`casework.claim.${c}`)}</th>)}
        </tr></thead>
        <tbody className="govuk-table__body">
          {audit.map((r, i) => (
            <tr className="govuk-table__row" key={`${r.at}-${i}`}>
              <td className="govuk-table__cell">{dateTime(r.at, lang)}</td>
              <td className="govuk-table__cell" lang="en">{r.action.replace(/_/g, " ")}</td>
              <td className="govuk-table__cell">{r.actor === me ? t("casework.queue.you") : r.actor_kind === "citizen" ? r.actor_kind : r.actor}</td>
              <td className="govuk-table__cell" lang="en">{r.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Records({ gathered }: { gathered: Gathered }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const payments = gathered.earnings?.payments ?? [];
  const notes = gathered.fit_notes?.notes ?? [];
  return (
    <>
      <h3 className="govuk-heading-s">{t("casework.claim.earnings", { from: shortDate(gathered.period_start, lang), to: shortDate(gathered.period_end, lang) })}</h3>
      {payments.length === 0 ? <p className="govuk-body">{t("casework.claim.noEarnings")}</p> : (
        <table className="govuk-table" id="earnings">
          <caption className="govuk-table__caption govuk-visually-hidden">{t("casework.claim.earnings", { from: gathered.period_start, to: gathered.period_end })}</caption>
          <thead className="govuk-table__head"><tr className="govuk-table__row">
            {["employer", "paidOn", "gross", "tax", "ni"].map((c) => <th scope="col" className="govuk-table__header" key={c}>{t(`casework.claim.${c}`)}</th>)}
          </tr></thead>
          <tbody className="govuk-table__body">
            {payments.map((p, i) => (
              <tr className="govuk-table__row" key={`${p.paid_on}-${i}`}>
                <td className="govuk-table__cell">{p.employer_name ?? ""}</td>
                <td className="govuk-table__cell">{shortDate(p.paid_on, lang)}</td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{pounds(p.gross, lang)}</td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{pounds(p.income_tax, lang)}</td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{pounds(p.national_insurance, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="govuk-heading-s">{t("casework.claim.fitNotes")}</h3>
      {notes.length === 0 ? <p className="govuk-body">{t("casework.claim.noFitNotes")}</p> : (
        <table className="govuk-table" id="fit-notes">
          <caption className="govuk-table__caption govuk-visually-hidden">{t("casework.claim.fitNotes")}</caption>
          <thead className="govuk-table__head"><tr className="govuk-table__row">
            {["from", "to", "advice", "category"].map((c) => <th scope="col" className="govuk-table__header" key={c}>{t(`casework.claim.${c}`)}</th>)}
          </tr></thead>
          <tbody className="govuk-table__body">
            {notes.map((n) => (
              <tr className="govuk-table__row" key={n.id}>
                <td className="govuk-table__cell">{shortDate(n.start, lang)}</td>
                <td className="govuk-table__cell">{shortDate(n.end, lang)}</td>
                <td className="govuk-table__cell" lang="en">{n.advice.replace(/_/g, " ")}</td>
                <td className="govuk-table__cell" lang="en">{n.condition_category ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Record a decision: award or not, with reasons (one a line). Errors as the Design System shows them,
 * from the page's own checks and from the API's problem document (`#/reasons/0` lands on the reasons). */
export function DecidePage() {
  const { t } = useTranslation();
  const { claimId = "" } = useParams();
  const [params] = useSearchParams();
  const purpose = params.get("purpose") || t("casework.decide.title");
  const navigate = useNavigate();
  const [outcome, setOutcome] = useState("");
  const [reasons, setReasons] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const summary = useSummary(errors);
  const [etag, setEtag] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  usePage(t("casework.decide.title"), Object.keys(errors).length > 0);
  const ref = reference(claimId);
  const claimPage = `${CASEWORK}/claims/${claimId}?purpose=${encodeURIComponent(purpose)}`;

  const read = useCallback(async () => {
    try {
      setEtag((await api.read<CaseworkClaim>(`${API}/claims/${encodeURIComponent(claimId)}?purpose=${encodeURIComponent(purpose)}`)).etag);
    } catch (e) {
      setNotice(problemWords(e, t));
    }
  }, [claimId, purpose, t]);
  useEffect(() => {
    void read();
  }, [read]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const lines = reasonLines(reasons);
    const found: Record<string, string> = {};
    if (!outcome) found.outcome = t("casework.decide.outcomeMissing");
    if (!lines.length) found.reasons = t("casework.decide.reasonsMissing");
    else if (lines.length > 20 || lines.some((l) => l.length > 2000)) found.reasons = t("casework.decide.reasonsTooLong");
    setErrors(found);
    if (Object.keys(found).length || sending) return;
    setSending(true);
    try {
      const sent = await api.send<Waiting | { decision: { id: string } }>(
        "POST", `${API}/claims/${encodeURIComponent(claimId)}/decisions`, { outcome, reasons: lines }, etag ? { "If-Match": etag } : {},
      );
      if ("waiting_on" in sent.data) {
        setNotice(sent.data.todo_ids.length ? t("casework.claim.waitingCitizen") : t("casework.claim.waiting", { service: sent.data.waiting_on }));
      } else {
        navigate(`${claimPage}&decided=1`);
      }
    } catch (e) {
      if (e instanceof ProblemError && e.problem.status === 412) {
        setNotice(t("casework.claim.changed"));
        await read();
      } else if (e instanceof ProblemError && e.problem.status === 422 && e.problem.errors?.length) {
        // The API's pointers name the fields: the page's words for the two it shows, its own for others.
        const problems = fieldProblems(e.problem);
        const mapped: Record<string, string> = {};
        for (const [field, p] of Object.entries(problems)) {
          if (field === "reasons") mapped.reasons = t("casework.decide.reasonsTooLong");
          else if (field === "outcome") mapped.outcome = t("casework.decide.outcomeMissing");
          else mapped.reasons = p.detail;
        }
        setErrors(mapped);
      } else {
        setNotice(problemWords(e, t));
      }
    } finally {
      setSending(false);
    }
  }

  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <ErrorSummary errors={summary} />
        <BackLink to={claimPage} />
        {notice && <div className="govuk-inset-text" role="alert">{notice}</div>}
        <span className="govuk-caption-l">{t("casework.claim.title", { ref })}</span>
        <h1 className="govuk-heading-l">{t("casework.decide.title")}</h1>
        <form noValidate onSubmit={submit}>
          <Radios id="outcome" legend={t("casework.decide.outcome")} error={errors.outcome} value={outcome} onChange={setOutcome}
            items={[{ value: "award", text: t("casework.decide.award"), hint: t("casework.decide.awardHint") }, { value: "disallow", text: t("casework.decide.disallow") }]} />
          <Textarea id="reasons" label={t("casework.decide.reasons")} hint={t("casework.decide.reasonsHint")} error={errors.reasons} value={reasons} onChange={setReasons} labelClass="govuk-label--m" />
          <div className="govuk-button-group">
            <Button>{t("casework.decide.submit")}</Button>
            <Link className="govuk-link" to={claimPage}>{t("casework.decide.cancel")}</Link>
          </div>
        </form>
      </div>
    </div>
  );
}
