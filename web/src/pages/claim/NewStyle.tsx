// Apply for New Style JSA or New Style ESA: the task list of the benefit's sections, one question a
// page, each section saved to the claims service when its last page is answered (If-Match with the
// claim's ETag), "check your answers" with a Change link per answer. The unusual answers, declaration
// and submit pages are the UC application's (Claim.tsx), which take any claim.
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useLocation, useNavigate, useParams } from "react-router";
import { api, ProblemError } from "../../api";
import { Button, Checkboxes, DateInput, type DateValue, type ErrorItem, ErrorSummary, Radios, SummaryList, Textarea, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import type { Problem } from "../estimate/journey";
import { type ClaimView, Grid, type QuestionView, Sections, today, useClaim } from "./context";
import { APPLY } from "./journey";
import { type Benefit, BENEFIT_SECTIONS, emptyNsDraft, LEAVING, type NsDraft, nsBody, nsCheck, nsFromAnswers, nsLanding, nsSteps, TREATMENTS } from "./newstyle";

const DATE_FIELDS = new Set(["jobStarted", "jobEnded", "conditionStarted", "fitStarts", "fitEnds"]);

/** The draft of the section being answered, kept in the tab (the saved sections come from the API). */
function useNsDraft(claim: ClaimView): [NsDraft, (changes: Partial<NsDraft>) => void] {
  const store = `dwp-ns-claim-${claim.id}`;
  const [draft, setDraft] = useState<NsDraft>(() => {
    let kept: Partial<NsDraft> = {};
    try { kept = JSON.parse(sessionStorage.getItem(store) ?? "{}"); } catch { kept = {}; }
    return { ...emptyNsDraft, ...nsFromAnswers(claim.answers), ...kept };
  });
  const save = (changes: Partial<NsDraft>) => setDraft((current) => {
    const next = { ...current, ...changes };
    sessionStorage.setItem(store, JSON.stringify(next));
    return next;
  });
  return [draft, save];
}

export function NsTasks() {
  const { t } = useTranslation();
  const { claim } = useClaim();
  const [draft] = useNsDraft(claim);
  const benefit = claim.claim_type as Benefit;
  usePage(t(`ns.${benefit}.tasks`));
  const done = claim.tasks.filter((task) => task.state === "completed").length;
  return (
    <Grid back={`${APPLY}/${benefit === "new_style_jsa" ? "new-style-jsa" : "new-style-esa"}`}>
      <h1 className="govuk-heading-l">{t(`ns.${benefit}.tasks`)}</h1>
      <p className="govuk-body">{t("claim.tasks.progress", { done, all: claim.tasks.length })}</p>
      <Sections claim={claim} firstStep={(s) => nsSteps(s, draft)[0]} label={(s) => t(`ns.sections.${s}`)} />
    </Grid>
  );
}

export function NsQuestion() {
  const { section = "", step = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { search } = useLocation();
  const { claim, etag, keep, landed, setLanded } = useClaim();
  const [draft, saveDraft] = useNsDraft(claim);
  const [form, setForm] = useState<NsDraft>(draft);
  const [problems, setProblems] = useState<Record<string, Problem>>({});
  const [busy, setBusy] = useState(false);
  const known = BENEFIT_SECTIONS[claim.claim_type as Benefit]?.includes(section);
  const order = known ? nsSteps(section, form) : [];
  const index = order.indexOf(step);
  useEffect(() => {
    setForm(draft);
    setProblems(landed);
    setLanded({});
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [section, step]);
  const title = t(`ns.q.${step}`, { defaultValue: "" });
  const text = (field: string) => (problems[field] ? t(problems[field].key, problems[field].values) : undefined);
  const errors: ErrorItem[] = Object.keys(problems).map((f) => ({ href: `#${f}${DATE_FIELDS.has(f) ? "-day" : ""}`, text: text(f) ?? "" }));
  usePage(title || t("notFound.title"), errors.length > 0);
  if (!known || index < 0 || !title) return <Navigate to={`${APPLY}/${claim.id}`} replace />;
  const base = `${APPLY}/${claim.id}`;
  const returning = new URLSearchParams(search).get("return") === "check";
  const back = index > 0 ? `${base}/${section}/${order[index - 1]}` : base;
  const set = (changes: Partial<NsDraft>) => setForm({ ...form, ...changes });
  const yesNo = [{ value: "yes", text: t("common.yes") }, { value: "no", text: t("common.no") }];
  const radios = (field: keyof NsDraft, items = yesNo, hint?: string) => (
    <Radios id={field} legend={title} hint={hint} isPageHeading inline={items === yesNo} items={items} error={text(field)}
      value={String(form[field])} onChange={(v) => set({ [field]: v } as Partial<NsDraft>)} />
  );
  const input = (field: keyof NsDraft, label: string, opts: { hint?: string; money?: boolean; heading?: boolean } = {}) => (
    <TextInput id={field} label={label} hint={opts.hint} isPageHeading={opts.heading} error={text(field)}
      inputMode={opts.money ? "decimal" : "numeric"} prefix={opts.money ? "£" : undefined}
      widthClass={opts.money ? "govuk-input--width-10" : "govuk-input--width-3"}
      value={String(form[field])} onChange={(v) => set({ [field]: v } as Partial<NsDraft>)} />
  );
  const date = (field: keyof NsDraft, legend: string, hint = t("ns.hints.date")) => (
    <DateInput id={field} legend={legend} hint={hint} error={text(field)} value={form[field] as DateValue}
      onChange={(v) => set({ [field]: v } as Partial<NsDraft>)} />
  );

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found = nsCheck(step, form, today(), (k) => t(k));
    setProblems(found);
    if (Object.keys(found).length) return;
    saveDraft(form);
    const next = order[index + 1];
    if (next && !returning) return navigate(`${base}/${section}/${next}`);
    setBusy(true);
    try {
      const saved = await api.send<{ claim: ClaimView; questions: QuestionView[] }>(
        "PUT", `/v1/claims/${claim.id}/sections/${section}`, nsBody(section, form), etag ? { "If-Match": etag } : {},
      );
      keep(saved.data.claim, saved.etag);
      navigate(saved.data.questions.length ? `${base}/questions` : returning ? `${base}/check-answers` : base);
    } catch (e) {
      const first = order[0];
      if (e instanceof ProblemError && e.problem.status === 422 && e.problem.errors?.length) {
        const hits = e.problem.errors.map((err) => nsLanding(section, err));
        const byField = Object.fromEntries(hits.map((h) => [h.field, { key: "claim.errors.server" }]));
        setLanded(byField);
        if (hits[0].step === step) setProblems(byField);
        else navigate(`${base}/${section}/${hits[0].step}`);
      } else {
        const key = e instanceof ProblemError && e.problem.status === 412 ? "claim.errors.changed" : "errors.unavailable";
        setProblems({ [Object.keys(nsFieldsOf(step))[0] ?? first]: { key } });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Grid back={back}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">{t(`ns.sections.${section}`)}</span>
      <form onSubmit={onSubmit} noValidate>
        {step === "had-job" && radios("hadJob", yesNo, t("ns.hints.hadJob"))}
        {step === "job" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            <TextInput id="employer" label={t("claim.labels.employer")} error={text("employer")} value={form.employer}
              onChange={(employer) => set({ employer })} autoComplete="organization" />
            {date("jobStarted", t("claim.labels.started"))}
            {input("jobHours", t("claim.labels.hours"))}
          </>
        )}
        {step === "leaving" && (
          <>
            <Radios id="leaving" legend={title} isPageHeading error={text("leaving")} value={form.leaving}
              items={LEAVING.map((v) => ({ value: v, text: t(`ns.leaving.${v}`) }))} onChange={(leaving) => set({ leaving })} />
            {form.leaving && form.leaving !== "still_employed" && date("jobEnded", t("ns.labels.jobEnded"))}
            <Textarea id="leavingDetail" label={t("ns.labels.leavingDetail")} hint={t("ns.hints.optional")} error={text("leavingDetail")}
              value={form.leavingDetail} onChange={(leavingDetail) => set({ leavingDetail })} rows={3} />
          </>
        )}
        {step === "available-now" && radios("availableNow", yesNo, t("ns.hints.availableNow"))}
        {step === "available-hours" && (
          <>
            {input("availableHours", title, { heading: true, hint: t("ns.hints.availableHours") })}
            <Textarea id="restrictions" label={t("ns.labels.restrictions")} hint={t("ns.hints.restrictions")} error={text("restrictions")}
              value={form.restrictions} onChange={(restrictions) => set({ restrictions })} rows={3} />
          </>
        )}
        {step === "seeking" && radios("seeking", yesNo)}
        {step === "kinds-of-work" && (
          <Textarea id="kindsOfWork" label={title} isPageHeading hint={t("ns.hints.kindsOfWork")} error={text("kindsOfWork")}
            value={form.kindsOfWork} onChange={(kindsOfWork) => set({ kindsOfWork })} />
        )}
        {step === "work-now" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            {input("workHours", t("ns.labels.workHours"), { hint: t("ns.hints.workHours") })}
            {input("earnings", t("ns.labels.earnings"), { money: true, hint: t("ns.hints.earnings") })}
          </>
        )}
        {step === "condition" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            <Textarea id="condition" label={t("ns.labels.condition")} hint={t("ns.hints.condition")} error={text("condition")}
              value={form.condition} onChange={(condition) => set({ condition })} />
            {date("conditionStarted", t("ns.labels.conditionStarted"))}
          </>
        )}
        {step === "has-fit-note" && radios("hasFitNote", yesNo, t("ns.hints.hasFitNote"))}
        {step === "fit-note-dates" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            {date("fitStarts", t("ns.labels.fitStarts"))}
            {date("fitEnds", t("ns.labels.fitEnds"), t("ns.hints.fitEnds"))}
          </>
        )}
        {step === "in-hospital" && radios("inHospital")}
        {step === "treatments" && (
          <Checkboxes id="treatments" legend={title} hint={t("ns.hints.treatments")} isPageHeading error={text("treatments")}
            values={form.treatments} items={TREATMENTS.map((v) => ({ value: v, text: t(`ns.treatment.${v}`) }))}
            onChange={(treatments) => set({ treatments })} />
        )}
        <Button>{order[index + 1] && !returning ? t("common.continue") : t("claim.saveSection")}</Button>
      </form>
    </Grid>
  );
}

/** The fields of a page, first first (where a problem with no field of its own is shown). */
function nsFieldsOf(step: string): Record<string, true> {
  const fields: Record<string, string[]> = {
    "had-job": ["hadJob"], job: ["employer"], leaving: ["leaving"], "available-now": ["availableNow"],
    "available-hours": ["availableHours"], seeking: ["seeking"], "kinds-of-work": ["kindsOfWork"], "work-now": ["workHours"],
    condition: ["condition"], "has-fit-note": ["hasFitNote"], "fit-note-dates": ["fitStarts"], "in-hospital": ["inHospital"],
    treatments: ["treatments"],
  };
  return Object.fromEntries((fields[step] ?? [step]).map((f) => [f, true]));
}

export function NsCheckAnswers() {
  const { t, i18n } = useTranslation();
  const { claim } = useClaim();
  const [d] = useNsDraft(claim);
  usePage(t("claim.check.title"));
  const lang = i18n.language;
  const base = `${APPLY}/${claim.id}`;
  const yes = (v: string) => (v === "yes" ? t("common.yes") : t("common.no"));
  const date = (v: DateValue) => (v.year ? longDate(`${v.year}-${v.month.padStart(2, "0")}-${v.day.padStart(2, "0")}`, lang) : t("ns.none"));
  const row = (section: string, step: string, key: string, value: ReactNode) =>
    ({ key: t(`ns.rows.${key}`), value, change: { to: `${base}/${section}/${step}?return=check`, hidden: t(`ns.rows.${key}`) } });
  const rows: Record<string, ReturnType<typeof row>[]> = {
    work_history: [
      row("work_history", "had-job", "hadJob", yes(d.hadJob)),
      ...(d.hadJob === "yes" ? [
        row("work_history", "job", "job", `${d.employer}, ${t("ns.hoursWeek", { n: d.jobHours })}, ${date(d.jobStarted)}`),
        row("work_history", "leaving", "leaving", d.leaving ? t(`ns.leaving.${d.leaving}`) + (d.leaving !== "still_employed" ? `, ${date(d.jobEnded)}` : "") : ""),
      ] : []),
    ],
    availability: [
      row("availability", "available-now", "availableNow", yes(d.availableNow)),
      row("availability", "available-hours", "availableHours", t("ns.hoursWeek", { n: d.availableHours })),
    ],
    jobseeking: [
      row("jobseeking", "seeking", "seeking", yes(d.seeking)),
      ...(d.seeking === "yes" ? [row("jobseeking", "kinds-of-work", "kindsOfWork", d.kindsOfWork.split("\n").filter(Boolean).join(", "))] : []),
    ],
    income: [row("income", "work-now", "workNow", `${t("ns.hoursWeek", { n: d.workHours })}${d.earnings ? `, £${d.earnings}` : ""}`)],
    condition: [row("condition", "condition", "condition", `${d.condition}, ${date(d.conditionStarted)}`)],
    fit_note: [
      row("fit_note", "has-fit-note", "hasFitNote", yes(d.hasFitNote)),
      ...(d.hasFitNote === "yes" ? [row("fit_note", "fit-note-dates", "fitNote", `${date(d.fitStarts)} – ${date(d.fitEnds)}`)] : []),
    ],
    treatment: [
      row("treatment", "in-hospital", "inHospital", yes(d.inHospital)),
      row("treatment", "treatments", "treatments", d.treatments.length ? d.treatments.map((v) => t(`ns.treatment.${v}`)).join(", ") : t("ns.none")),
    ],
  };
  return (
    <Grid back={base}>
      <h1 className="govuk-heading-l">{t("claim.check.title")}</h1>
      {BENEFIT_SECTIONS[claim.claim_type as Benefit].map((section) => (
        <div key={section}>
          <h2 className="govuk-heading-m">{t(`ns.sections.${section}`)}</h2>
          <SummaryList rows={rows[section]} />
        </div>
      ))}
      <Link to={`${base}/declaration`} role="button" draggable="false" className="govuk-button" data-module="govuk-button">
        {t("common.continue")}
      </Link>
    </Grid>
  );
}
