// "Report a change" from an awarded claim's page: what has changed (GOV.UK radios), the details that kind
// needs (as the claims API asks), the date it happened (the GOV.UK date input and its errors), check your
// answers, then `POST /v1/claims/{id}/changes` with the claim's ETag as If-Match and an Idempotency-Key
// (a retry is the same report), and a confirmation of what happens next with the change's outcome as the
// API answers it (the day it counts from and the rule, each period worked out again, an overpayment or
// arrears, the explanation). The API's problems are error summaries on the page and field they name.
// Its rules are change.ts; the answers so far stay in the tab (sessionStorage).
import { createContext, type FormEvent, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useLocation, useNavigate, useParams } from "react-router";
import { api, ProblemError } from "../../api";
import { Button, DateInput, type ErrorItem, ErrorSummary, InsetText, Radios, SummaryList, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import { addStrings } from "../../i18n";
import { changeCy } from "../../locales/change.cy";
import { changeEn } from "../../locales/change.en";
import type { Problem } from "../estimate/journey";
import {
  type ChangeDraft, type ChangeKind, type ChangeView, changeBody, changeLanding, changeSteps, checkChange, detailFields,
  emptyChange, kindsFor, nextKey, TENURES,
} from "./change";
import { type ClaimView, Grid, newKey, today, useClaim } from "./context";
import { APPLY } from "./journey";

// This page's texts come with its chunk: no other page downloads them.
addStrings("change", { en: changeEn, cy: changeCy });

export const REPORT = "report-a-change";
const pounds = (pence: number) => `£${(pence / 100).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const DATE_FIELDS = new Set(["happened", "partnerDob", "childDob", "fitNoteUntil"]);

type Journey = {
  draft: ChangeDraft; save: (changes: Partial<ChangeDraft>) => void; clear: () => void;
  landed: Record<string, Problem>; setLanded: (l: Record<string, Problem>) => void;
  reported: ChangeView | null; setReported: (c: ChangeView) => void;
};
const JourneyContext = createContext<Journey | null>(null);
const useJourney = () => useContext(JourneyContext)!;

export default function ReportChange() {
  const { claim } = useClaim();
  const store = `dwp-change-${claim.id}`;
  const [draft, setDraft] = useState<ChangeDraft>(() => {
    try { return { ...emptyChange, ...JSON.parse(sessionStorage.getItem(store) ?? "{}") }; } catch { return emptyChange; }
  });
  const [landed, setLanded] = useState<Record<string, Problem>>({});
  const [reported, setReported] = useState<ChangeView | null>(null);
  const save = useCallback((changes: Partial<ChangeDraft>) => setDraft((current) => {
    const next = { ...current, ...changes };
    sessionStorage.setItem(store, JSON.stringify(next));
    return next;
  }), [store]);
  const clear = useCallback(() => { sessionStorage.removeItem(store); setDraft(emptyChange); }, [store]);
  return (
    <JourneyContext.Provider value={{ draft, save, clear, landed, setLanded, reported, setReported }}>
      <Routes>
        <Route path="done/:changeId" element={<Done />} />
        <Route path="*" element={claim.status === "awarded" ? <Steps /> : <NotAwarded />} />
      </Routes>
    </JourneyContext.Provider>
  );
}

function NotAwarded() {
  const { t } = useTranslation();
  const { claim } = useClaim();
  usePage(t("change.notAwarded.title"));
  return (
    <Grid back={`${APPLY}/${claim.id}/status`}>
      <h1 className="govuk-heading-l">{t("change.notAwarded.title")}</h1>
      <p className="govuk-body">{t("change.notAwarded.text")}</p>
      <p className="govuk-body"><Link className="govuk-link" to={`${APPLY}/${claim.id}/messages`}>{t("messages.link")}</Link></p>
    </Grid>
  );
}

function Steps() {
  return (
    <Routes>
      <Route index element={<Question step="kind" />} />
      <Route path="details" element={<Question step="details" />} />
      <Route path="date" element={<Question step="date" />} />
      <Route path="check" element={<Check />} />
      <Route path="*" element={<Navigate to="." replace />} />
    </Routes>
  );
}

/** A page's address in the journey (the first page is the journey's own address). */
const stepPath = (claimId: string, step: string) => `${APPLY}/${claimId}/${REPORT}${step === "kind" ? "" : `/${step}`}`;

/** A problem's text in the page's language (a claim's start date in words). */
function useText() {
  const { t, i18n } = useTranslation();
  return (p: Problem) => t(p.key, { ...p.values, date: p.values?.date ? longDate(String(p.values.date), i18n.language) : undefined });
}

function Question({ step }: { step: "kind" | "details" | "date" }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { search } = useLocation();
  const { claim } = useClaim();
  const { draft, save, landed, setLanded } = useJourney();
  const [form, setForm] = useState<ChangeDraft>(draft);
  const [problems, setProblems] = useState<Record<string, Problem>>({});
  const say = useText();
  useEffect(() => {
    setForm(draft);
    setProblems(landed);
    setLanded({});
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);
  const kind = form.kind;
  const order = changeSteps(kind);
  const title = step === "kind" ? t("change.kind.title") : kind ? t(`change.${step}.${kind}`) : "";
  const text = (field: string) => (problems[field] ? say(problems[field]) : undefined);
  const errors: ErrorItem[] = Object.keys(problems).map((f) => ({ href: `#${f}${DATE_FIELDS.has(f) ? "-day" : ""}`, text: text(f) ?? "" }));
  usePage(title || t("change.kind.title"), errors.length > 0);
  // A page of a later step before the kind is chosen (a link kept from before): the first page.
  if (step !== "kind" && (!kind || !order.includes(step))) return <Navigate to={stepPath(claim.id, "kind")} replace />;
  const set = (changes: Partial<ChangeDraft>) => setForm({ ...form, ...changes });
  const back = step === "kind" ? `${APPLY}/${claim.id}/status` : stepPath(claim.id, order[order.indexOf(step) - 1]);
  const returning = new URLSearchParams(search).get("return") === "check";
  const now = today(); // the example is a date the page would take: today, as the date input's parts
  const example = `${now.getUTCDate()} ${now.getUTCMonth() + 1} ${now.getUTCFullYear()}`;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const found = checkChange(step, form, today(), claim.claim_date, (k) => t(k), claim.claim_type);
    setProblems(found);
    if (Object.keys(found).length) return;
    // A different kind starts its details again (a job's employer is not a new home's rent).
    const next = step === "kind" && form.kind !== draft.kind ? { ...emptyChangeDetails(), kind: form.kind, happened: draft.happened } : form;
    save(next);
    const steps = changeSteps(next.kind);
    const following = steps[steps.indexOf(step) + 1];
    // Back to "check your answers" after a change, unless the kind changed (its details are asked again).
    navigate(returning && !(step === "kind" && form.kind !== draft.kind) ? stepPath(claim.id, "check") : stepPath(claim.id, following));
  }

  const money = (field: "rent" | "pay" | "savings", label: string, hint?: string, heading?: boolean) => (
    <TextInput id={field} label={label} hint={hint} isPageHeading={heading} error={text(field)} inputMode="decimal" prefix="£"
      widthClass="govuk-input--width-10" value={form[field]} onChange={(v) => set({ [field]: v })} />
  );
  const fields = detailFields(kind, form, claim.claim_type);
  const yesNo = [{ value: "yes", text: t("common.yes") }, { value: "no", text: t("common.no") }];
  const single = fields.length === 1;
  const kinds = kindsFor(claim.claim_type).filter((k) => !(claim.joint && k.startsWith("partner_")));

  return (
    <Grid back={back}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">{t("change.caption")}</span>
      <form onSubmit={onSubmit} noValidate>
        {step === "kind" && (
          <Radios id="kind" legend={title} hint={t("change.kind.hint")} isPageHeading error={text("kind")} value={form.kind}
            items={kinds.map((k) => ({ value: k, text: t(`change.kinds.${k}`) }))} onChange={(v) => set({ kind: v as ChangeKind })} />
        )}
        {step === "details" && (
          <>
            {!single && <h1 className="govuk-heading-l">{title}</h1>}
            {fields.includes("tenure") && (
              <Radios id="tenure" legend={t("change.labels.tenure")} error={text("tenure")} value={form.tenure}
                items={TENURES.map((v) => ({ value: v, text: t(`claim.tenure.${v}`) }))} onChange={(tenure) => set({ tenure })} />
            )}
            {fields.includes("rent") && money("rent", single ? title : t("change.labels.rent"), t("claim.hints.rent"), single)}
            {fields.includes("bedrooms") && (
              <TextInput id="bedrooms" label={t("change.labels.bedrooms")} error={text("bedrooms")} inputMode="numeric"
                widthClass="govuk-input--width-2" value={form.bedrooms} onChange={(bedrooms) => set({ bedrooms })} />
            )}
            {fields.includes("partnerDob") && (
              <DateInput id="partnerDob" legend={title} hint={t("estimate.dob.hint")} isPageHeading error={text("partnerDob")}
                value={form.partnerDob} onChange={(partnerDob) => set({ partnerDob })} />
            )}
            {fields.includes("childDob") && (
              <DateInput id="childDob" legend={title} hint={t("change.hints.childDob")} isPageHeading error={text("childDob")}
                value={form.childDob} onChange={(childDob) => set({ childDob })} />
            )}
            {fields.includes("sex") && (
              <Radios id="sex" legend={title} isPageHeading inline error={text("sex")} value={form.sex}
                items={[{ value: "F", text: t("estimate.child.girl") }, { value: "M", text: t("estimate.child.boy") }]}
                onChange={(v) => set({ sex: v as "F" | "M" })} />
            )}
            {fields.includes("employer") && (
              <TextInput id="employer" label={single ? title : t("claim.labels.employer")} isPageHeading={single}
                hint={kind === "stopped_work" ? t("change.hints.stoppedEmployer") : undefined} error={text("employer")}
                value={form.employer} onChange={(employer) => set({ employer })} autoComplete="organization" />
            )}
            {fields.includes("hours") && (
              <TextInput id="hours" label={t("claim.labels.hours")} error={text("hours")} inputMode="numeric"
                widthClass="govuk-input--width-3" value={form.hours} onChange={(hours) => set({ hours })} />
            )}
            {fields.includes("pay") && money("pay", t("claim.labels.pay"), t("claim.hints.pay"))}
            {fields.includes("savings") && money("savings", title, t("estimate.savings.hint"), true)}
            {fields.includes("affectsWork") && (
              <Radios id="affectsWork" legend={t("change.labels.affectsWork")} isPageHeading={single} inline error={text("affectsWork")} value={form.affectsWork}
                items={yesNo} onChange={(v) => set({ affectsWork: v as "yes" | "no" })} />
            )}
            {fields.includes("canWork") && (
              <Radios id="canWork" legend={t("change.labels.canWork")} error={text("canWork")} value={form.canWork}
                items={(["yes", "some", "no"] as const).map((v) => ({ value: v, text: t(`change.canWork.${v}`) }))}
                onChange={(v) => set({ canWork: v as "yes" | "some" | "no" })} />
            )}
            {fields.includes("fitNoteUntil") && (
              <DateInput id="fitNoteUntil" legend={t("change.labels.fitNoteUntil")} hint={t("change.hints.fitNoteUntil")}
                error={text("fitNoteUntil")} value={form.fitNoteUntil} onChange={(fitNoteUntil) => set({ fitNoteUntil })} />
            )}
            {fields.includes("caringHours") && (
              <TextInput id="caringHours" label={t("change.labels.caringHours")} hint={t("change.hints.caringHours")}
                error={text("caringHours")} inputMode="numeric" widthClass="govuk-input--width-3" value={form.caringHours}
                onChange={(caringHours) => set({ caringHours })} />
            )}
            {fields.includes("caredForBenefit") && (
              <Radios id="caredForBenefit" legend={t("change.labels.caredForBenefit")} hint={t("change.hints.caredForBenefit")}
                inline error={text("caredForBenefit")} value={form.caredForBenefit} items={yesNo}
                onChange={(v) => set({ caredForBenefit: v as "yes" | "no" })} />
            )}
          </>
        )}
        {step === "date" && (
          <DateInput id="happened" legend={title} isPageHeading error={text("happened")} value={form.happened}
            hint={t(claim.claim_date ? "change.hints.date" : "change.hints.dateNoClaim", { date: longDate(claim.claim_date ?? "", i18n.language), example })}
            onChange={(happened) => set({ happened })} />
        )}
        <Button>{t("common.continue")}</Button>
      </form>
    </Grid>
  );
}

const emptyChangeDetails = (): ChangeDraft => ({ ...emptyChange });

function Check() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { claim, etag, keep } = useClaim();
  const { draft, setLanded, setReported } = useJourney();
  const [problem, setProblem] = useState<string | null>(null);
  const [key, setKey] = useState(newKey); // a retry of this report replays it, never reports twice
  const [busy, setBusy] = useState(false);
  usePage(t("change.check.title"), Boolean(problem));
  const kind = draft.kind;
  if (!kind) return <Navigate to={stepPath(claim.id, "kind")} replace />;
  const lang = i18n.language;
  const date = (d: { day: string; month: string; year: string }) =>
    longDate(`${d.year}-${d.month.padStart(2, "0")}-${d.day.padStart(2, "0")}`, lang);
  const change = (step: string, hidden: string) => ({ to: `${stepPath(claim.id, step)}?return=check`, hidden });
  const details: { key: string; value: ReactNode }[] = [];
  for (const field of detailFields(kind, draft, claim.claim_type)) {
    const noted = ["day", "month", "year"].every((p) => draft.fitNoteUntil[p as "day"].trim());
    const value: Record<string, ReactNode> = {
      tenure: draft.tenure ? t(`claim.tenure.${draft.tenure}`) : "", rent: `£${draft.rent}`, bedrooms: draft.bedrooms,
      partnerDob: date(draft.partnerDob), childDob: date(draft.childDob),
      sex: draft.sex === "F" ? t("estimate.child.girl") : t("estimate.child.boy"),
      employer: draft.employer, hours: draft.hours, pay: `£${draft.pay}`, savings: `£${draft.savings}`,
      affectsWork: t(draft.affectsWork === "yes" ? "common.yes" : "common.no"),
      canWork: draft.canWork ? t(`change.canWork.${draft.canWork}`) : "",
      fitNoteUntil: noted ? date(draft.fitNoteUntil) : t("change.rows.noEnd"),
      caringHours: draft.caringHours, caredForBenefit: t(draft.caredForBenefit === "yes" ? "common.yes" : "common.no"),
    };
    details.push({ key: t(`change.rows.${field}`), value: value[field] });
  }
  const rows = [
    { key: t("change.rows.kind"), value: t(`change.kinds.${kind}`), change: change("kind", t("change.rows.kind")) },
    ...details.map((row) => ({ ...row, change: change("details", row.key) })),
    { key: t(`change.date.${kind}`), value: date(draft.happened), change: change("date", t("change.rows.happened")) },
  ];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const done = await api.send<ChangeView>("POST", `/v1/claims/${claim.id}/changes`, changeBody(draft),
        { ...(etag ? { "If-Match": etag } : {}), "Idempotency-Key": key });
      setReported(done.data);
      // The claim is one version on: read it (and its ETag) again for whatever is done next.
      const fresh = await api.read<ClaimView>(`/v1/claims/${claim.id}`).catch(() => null);
      if (fresh) keep(fresh.data, fresh.etag);
      navigate(`${APPLY}/${claim.id}/${REPORT}/done/${done.data.id}`); // which forgets the answers

    } catch (e) {
      const p = e instanceof ProblemError ? e.problem : null;
      const type = p?.type.split("/").pop() ?? "";
      if (p?.status === 422 && p.errors?.length) {
        const landings = p.errors.map((err) => changeLanding(kind, err, (k) => t(k)));
        const first = landings[0];
        if (first.step !== "check") {
          setLanded(Object.fromEntries(landings.filter((l) => l.step === first.step).map((l) => [l.field, l.problem])));
          navigate(stepPath(claim.id, first.step));
          return;
        }
        setProblem(first.problem.key);
      } else if (p?.status === 412) {
        // The claim changed elsewhere: read it again, so a second "send" carries its new ETag.
        const fresh = await api.read<ClaimView>(`/v1/claims/${claim.id}`).catch(() => null);
        if (fresh) keep(fresh.data, fresh.etag);
        setKey(newKey());
        setProblem("change.errors.changed");
      } else if (p?.status === 409 && type === "change-not-allowed") {
        setProblem("change.errors.notAllowed");
      } else if (p?.status === 409) {
        setProblem("change.errors.conflict");
      } else {
        setProblem("errors.unavailable");
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Grid back={stepPath(claim.id, "date")}>
      <ErrorSummary errors={problem ? [{ href: "#send-change", text: t(problem) }] : []} />
      <span className="govuk-caption-l">{t("change.caption")}</span>
      <h1 className="govuk-heading-l">{t("change.check.title")}</h1>
      <SummaryList rows={rows} />
      <h2 className="govuk-heading-m">{t("change.check.declarationTitle")}</h2>
      <p className="govuk-body">{t("change.check.declaration")}</p>
      <form onSubmit={submit} noValidate>
        <button type="submit" className="govuk-button" data-module="govuk-button" id="send-change">
          {t("change.check.button")}
        </button>
      </form>
    </Grid>
  );
}

/** The confirmation: what happens next, and the change's outcome as the claims API answered it (kept
 * from the report, or read back with `GET /v1/claims/{id}/changes` after a reload). */
function Done() {
  const { t, i18n } = useTranslation();
  const { changeId = "" } = useParams();
  const { claim } = useClaim();
  const { reported, clear } = useJourney();
  const [change, setChange] = useState<ChangeView | null | "missing">(reported?.id === changeId ? reported : null);
  usePage(t("change.done.title"));
  useEffect(() => clear(), [clear]); // reported: nothing of it stays in the tab
  useEffect(() => {
    if (change !== null) return;
    api.get<{ items: ChangeView[] }>(`/v1/claims/${claim.id}/changes`)
      .then((l) => setChange(l.items.find((c) => c.id === changeId) ?? "missing"))
      .catch(() => setChange("missing"));
  }, [change, changeId, claim.id]);
  const lang = i18n.language;
  const base = `${APPLY}/${claim.id}`;
  if (change === null) return <p className="govuk-body">{t("common.loading")}</p>;
  if (change === "missing") {
    return (
      <Grid back={`${base}/status`}>
        <h1 className="govuk-heading-l">{t("change.done.title")}</h1>
        <p className="govuk-body">{t("change.done.missing")}</p>
      </Grid>
    );
  }
  const per = claim.claim_type === "universal_credit";
  return (
    <Grid back={`${base}/status`}>
      <div className="govuk-panel govuk-panel--confirmation">
        <h1 className="govuk-panel__title">{t("change.done.title")}</h1>
        <div className="govuk-panel__body">{t(`change.kinds.${change.kind}`, { defaultValue: change.kind })}</div>
      </div>
      <h2 className="govuk-heading-m">{t("change.done.nextTitle")}</h2>
      <p className="govuk-body" id="change-next">{t(nextKey(change.status))}</p>
      {change.todo_id && (
        <p className="govuk-body" id="change-todo">
          {t("change.done.todo")} <Link className="govuk-link" to={`${base}/status`}>{t("change.done.todoLink")}</Link>
        </p>
      )}
      <SummaryList rows={[
        { key: t("change.rows.happened"), value: longDate(change.happened_on, lang) },
        { key: t("change.done.reported"), value: longDate(change.reported_on, lang) },
        {
          key: t("change.done.from"),
          value: <>{longDate(change.effective_from, lang)}<div className="govuk-hint govuk-!-margin-bottom-0 govuk-!-font-size-16">
            {t("estimate.result.law")}: <span lang="en">{change.rule}</span></div></>,
        },
      ]} />
      {change.revisions.length > 0 && (
        <table className="govuk-table" id="change-revisions">
          <caption className="govuk-table__caption govuk-table__caption--m">{t(per ? "change.done.periods" : "change.done.weeks")}</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">{t("change.done.period")}</th>
              <th scope="col" className="govuk-table__header govuk-table__header--numeric">{t("change.done.was")}</th>
              <th scope="col" className="govuk-table__header govuk-table__header--numeric">{t("change.done.now")}</th>
              <th scope="col" className="govuk-table__header">{t("change.done.paid")}</th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {change.revisions.map((r) => (
              <tr className="govuk-table__row" key={r.period_start}>
                <td className="govuk-table__cell">{t("change.done.range", { from: longDate(r.period_start, lang), to: longDate(r.period_end, lang) })}</td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{pounds(r.was_pence)}</td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{pounds(r.now_pence)}</td>
                <td className="govuk-table__cell">{r.paid ? t("change.done.isPaid") : t("change.done.notPaid")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {change.overpayment_pence > 0 && (
        <div className="govuk-warning-text" id="change-overpayment">
          <span className="govuk-warning-text__icon" aria-hidden="true">!</span>
          <strong className="govuk-warning-text__text">
            <span className="govuk-visually-hidden">{t("claim.declaration.warning")}</span>
            {t(change.overpayment_cause === "claimant" ? "change.done.overpaidLate" : "change.done.overpaidOurs", { amount: pounds(change.overpayment_pence) })}
          </strong>
        </div>
      )}
      {change.arrears_pence > 0 && (
        <InsetText><span id="change-arrears">{t("change.done.arrears", { amount: pounds(change.arrears_pence) })}</span></InsetText>
      )}
      <h2 className="govuk-heading-m">{t("change.done.why")}</h2>
      <p className="govuk-body">{t("change.done.whyLead")}</p>
      <ul className="govuk-list govuk-list--bullet" id="change-explanation">
        {change.explanation.map((line) => <li key={line} lang="en">{line}</li>)}
      </ul>
      <p className="govuk-body"><Link className="govuk-link" to={`${base}/messages`}>{t("messages.link")}</Link></p>
      <p className="govuk-body"><Link className="govuk-link" to={`${base}/status`} id="back-to-claim">{t("change.done.back")}</Link></p>
    </Grid>
  );
}
