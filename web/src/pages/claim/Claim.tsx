// Apply for Universal Credit: start (or carry on with) a claim, the GOV.UK task list of its sections,
// one question a page, each section saved to the claims service when its last page is answered (with
// the claim's ETag as If-Match), unusual answers confirmed, "check your answers", the declaration and
// submit (with an Idempotency-Key, so a retry never submits twice), then the claim's status and to-dos.
// Everything goes to the real claims API through the BFF and the gateway.
import { type FormEvent, lazy, type ReactNode, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useLocation, useNavigate, useParams } from "react-router";
import { api, ProblemError } from "../../api";
import { Button, DateInput, type ErrorItem, ErrorSummary, InsetText, Radios, SuccessBanner, SummaryList, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import { useSession } from "../../session";
import type { Problem } from "../estimate/journey";
import {
  APPLY, check, child, DECLARATION_VERSION, type Draft, emptyDraft, fromAnswers, LANDLORDS, landing, RENTING,
  type Section, SECTIONS, sectionBody, steps, TENURES,
} from "./journey";
import {
  ClaimContext, type ClaimView, Grid, newKey, type QuestionView, StatusTag, Sections, type Summary, type Todo, today, useClaim,
} from "./context";

// The other journeys of a claim, each its own chunk: a UC applicant downloads none of them until used.
const newStyle = () => import("./NewStyle");
const NsTasks = lazy(() => newStyle().then((m) => ({ default: m.NsTasks })));
const NsQuestion = lazy(() => newStyle().then((m) => ({ default: m.NsQuestion })));
const NsCheckAnswers = lazy(() => newStyle().then((m) => ({ default: m.NsCheckAnswers })));
const Evidence = lazy(() => import("./Evidence"));
const Decision = lazy(() => import("./Decision"));
const Messages = lazy(() => import("./Messages"));
const ReportChange = lazy(() => import("./Change"));
const partner = () => import("./Partner");
const Invite = lazy(() => partner().then((m) => ({ default: m.Invite })));
const Join = lazy(() => partner().then((m) => ({ default: m.Join })));
const ConfirmPart = lazy(() => partner().then((m) => ({ default: m.ConfirmPart })));

const BENEFIT_PATHS: Record<string, string> = { "new-style-jsa": "new_style_jsa", "new-style-esa": "new_style_esa" };


function SignInFirst() {
  const { t } = useTranslation();
  usePage(t("account.notSignedIn"));
  return (
    <>
      <h1 className="govuk-heading-l">{t("account.notSignedIn")}</h1>
      <a href="/auth/sign-in" role="button" draggable="false" className="govuk-button" data-module="govuk-button">
        {t("start.signInButton")}
      </a>
    </>
  );
}

export default function Claims() {
  const session = useSession();
  const { t } = useTranslation();
  if (session === null) return <p className="govuk-body">{t("common.loading")}</p>;
  if (!session.signed_in || session.kind !== "citizen") return <SignInFirst />;
  return (
    <Routes>
      <Route index element={<ApplyStart benefit="universal_credit" />} />
      {Object.entries(BENEFIT_PATHS).map(([path, benefit]) => <Route key={path} path={path} element={<ApplyStart benefit={benefit} />} />)}
      <Route path="join" element={<Join />} />
      <Route path=":claimId/*" element={<ClaimProvider />} />
    </Routes>
  );
}

// --- the claim, its ETag and the draft of the section being answered ---------------------------


function ClaimProvider() {
  const { claimId = "" } = useParams();
  const { t } = useTranslation();
  const [state, setState] = useState<{ claim: ClaimView; etag: string | null } | null | "missing">(null);
  const store = `dwp-claim-${claimId}`;
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [landed, setLanded] = useState<Record<string, Problem>>({});
  useEffect(() => {
    api.read<ClaimView>(`/v1/claims/${encodeURIComponent(claimId)}`)
      .then(({ data, etag }) => {
        setState({ claim: data, etag });
        let kept: Partial<Draft> = {};
        try { kept = JSON.parse(sessionStorage.getItem(store) ?? "{}"); } catch { kept = {}; }
        setDraft({ ...emptyDraft, ...fromAnswers(data.answers), ...kept });
      })
      .catch(() => setState("missing"));
  }, [claimId, store]);
  const keep = useCallback((claim: ClaimView, etag: string | null) => setState({ claim, etag }), []);
  const saveDraft = useCallback((changes: Partial<Draft>) => setDraft((current) => {
    const next = { ...current, ...changes };
    sessionStorage.setItem(store, JSON.stringify(next));
    return next;
  }), [store]);
  if (state === null) return <p className="govuk-body">{t("common.loading")}</p>;
  if (state === "missing") return <NotFoundClaim />;
  const uc = state.claim.claim_type === "universal_credit";
  return (
    <ClaimContext.Provider value={{ ...state, keep, draft, saveDraft, landed, setLanded }}>
      <Routes>
        <Route index element={state.claim.status !== "draft" ? <Status /> : uc ? <TaskList /> : <NsTasks />} />
        <Route path="status" element={<Status />} />
        <Route path="questions" element={<Questions />} />
        <Route path="check-answers" element={uc ? <CheckAnswers /> : <NsCheckAnswers />} />
        <Route path="declaration" element={<Declaration />} />
        <Route path="evidence/:todoId" element={<Evidence />} />
        <Route path="decision/*" element={<Decision />} />
        <Route path="messages" element={<Messages />} />
        <Route path="report-a-change/*" element={<ReportChange />} />
        <Route path="invite" element={<Invite />} />
        <Route path="partner" element={<ConfirmPart />} />
        <Route path=":section/:step" element={uc ? <Question /> : <NsQuestion />} />
      </Routes>
    </ClaimContext.Provider>
  );
}

function NotFoundClaim() {
  const { t } = useTranslation();
  usePage(t("notFound.title"));
  return <><h1 className="govuk-heading-l">{t("notFound.title")}</h1><p className="govuk-body">{t("claim.notFound")}</p></>;
}


// --- start ---------------------------------------------------------------------------------------

function ApplyStart({ benefit }: { benefit: string }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [claims, setClaims] = useState<Summary[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [key] = useState(newKey); // one key for this page: a double click starts one claim
  const [jointKey] = useState(newKey);
  const copy = benefit === "universal_credit" ? "claim.start" : `ns.${benefit}.start`;
  usePage(t(`${copy}.title`), failed);
  useEffect(() => {
    api.get<{ items: Summary[] }>("/v1/claims").then((l) => setClaims(l.items)).catch(() => setClaims([]));
  }, []);
  const draft = claims?.find((c) => c.claim_type === benefit && c.status === "draft");
  const others = (claims ?? []).filter((c) => c.status !== "draft");

  async function start(joint: boolean) {
    try {
      const claim = await api.post<ClaimView>("/v1/claims", { claim_type: benefit, ...(joint ? { joint: true } : {}) },
        { "Idempotency-Key": joint ? jointKey : key });
      navigate(`${APPLY}/${claim.id}`);
    } catch {
      setFailed(true);
    }
  }

  return (
    <Grid back="/account">
      <ErrorSummary errors={failed ? [{ href: "#start-claim", text: t("errors.unavailable") }] : []} />
      <h1 className="govuk-heading-l">{t(`${copy}.title`)}</h1>
      <p className="govuk-body">{t(`${copy}.lead`)}</p>
      <ul className="govuk-list govuk-list--bullet">
        {(t(`${copy}.items`, { returnObjects: true }) as string[]).map((item) => <li key={item}>{item}</li>)}
      </ul>
      <p className="govuk-body">{t("claim.start.save")}</p>
      {claims === null ? <p className="govuk-body">{t("common.loading")}</p> : draft ? (
        <Link to={`${APPLY}/${draft.id}`} role="button" draggable="false" className="govuk-button" data-module="govuk-button" id="start-claim">
          {t("claim.start.continue")}
        </Link>
      ) : (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void start(false); }} noValidate>
          <div className="govuk-button-group">
            <button type="submit" className="govuk-button govuk-button--start" data-module="govuk-button" id="start-claim">
              {t("claim.start.button")}
            </button>
            {benefit === "universal_credit" && (
              <button type="button" className="govuk-button govuk-button--secondary" data-module="govuk-button" id="start-joint"
                onClick={() => void start(true)}>
                {t("partner.startJoint")}
              </button>
            )}
          </div>
        </form>
      )}
      {others.length > 0 && (
        <>
          <h2 className="govuk-heading-m">{t("claim.start.yours")}</h2>
          <ul className="govuk-list">
            {others.map((c) => (
              <li key={c.id}>
                <Link className="govuk-link" to={`${APPLY}/${c.id}/status`}>
                  {t("claim.start.claimOf", { benefit: t(`decision.benefit.${c.claim_type}`), date: longDate(c.created_at.slice(0, 10), i18n.language) })}
                </Link>{" "}
                <StatusTag status={c.status} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Grid>
  );
}

// --- the task list -------------------------------------------------------------------------------

function TaskList() {
  const { t } = useTranslation();
  const { claim, draft } = useClaim();
  usePage(t("claim.tasks.title"));
  const done = claim.tasks.filter((task) => task.state === "completed").length;
  const all = claim.tasks.length;
  return (
    <Grid back={APPLY}>
      <h1 className="govuk-heading-l">{t("claim.tasks.title")}</h1>
      <p className="govuk-body">{t("claim.tasks.progress", { done, all })}</p>
      {claim.joint && claim.role === "claimant" && !claim.partner?.joined && (
        <p className="govuk-body"><Link className="govuk-link" to={`${APPLY}/${claim.id}/invite`} id="invite-link">{t("partner.invite.title")}</Link></p>
      )}
      <Sections claim={claim} firstStep={(s) => steps(s as Section, draft)[0]} label={(s) => t(`claim.sections.${s}`)} />
    </Grid>
  );
}

// --- one question a page -------------------------------------------------------------------------

function Question() {
  const { section = "", step = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { search } = useLocation();
  const { claim, etag, keep, draft, saveDraft, landed, setLanded } = useClaim();
  const [form, setForm] = useState<Draft>(draft);
  const [problems, setProblems] = useState<Record<string, Problem>>({});
  const [busy, setBusy] = useState(false);
  const known = (SECTIONS as readonly string[]).includes(section);
  const sec = section as Section;
  const order = known ? steps(sec, form) : [];
  const index = order.indexOf(step);
  const childNumber = step.startsWith("child-") ? Number(step.slice(6)) : 0;
  useEffect(() => {
    setForm(draft);
    setProblems(landed);
    setLanded({});
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [section, step]);
  const title = childNumber ? t("claim.q.child", { n: childNumber }) : t(`claim.q.${step}`, { defaultValue: "" });
  const text = (field: string) => (problems[field] ? t(problems[field].key, problems[field].values) : undefined);
  const dateFields = new Set(["partnerDob", "childDob", "started"]);
  const errors: ErrorItem[] = Object.keys(problems).map((f) => ({ href: `#${f}${dateFields.has(f) ? "-day" : ""}`, text: text(f) ?? "" }));
  usePage(title || t("notFound.title"), errors.length > 0);
  if (!known || index < 0 || !title) return <Navigate to={`${APPLY}/${claim.id}`} replace />;
  const base = `${APPLY}/${claim.id}`;
  const back = index > 0 ? `${base}/${section}/${order[index - 1]}` : base;
  const set = (changes: Partial<Draft>) => setForm({ ...form, ...changes });
  const c = child(form, childNumber);
  const setChild = (changes: Partial<typeof c>) => {
    const list = [...form.childList];
    list[childNumber - 1] = { ...c, ...changes };
    set({ childList: list });
  };
  const yesNo = [{ value: "yes", text: t("common.yes") }, { value: "no", text: t("common.no") }];
  const radios = (field: keyof Draft, items = yesNo, hint?: string, inline = items === yesNo) => (
    <Radios id={field} legend={title} hint={hint} isPageHeading inline={inline} items={items} error={text(field)}
      value={String(form[field])} onChange={(v) => set({ [field]: v } as Partial<Draft>)} />
  );
  const input = (field: keyof Draft, label: string, opts: { hint?: string; money?: boolean; width?: string; heading?: boolean } = {}) => (
    <TextInput id={field} label={label} hint={opts.hint} isPageHeading={opts.heading} error={text(field)}
      inputMode={opts.money ? "decimal" : "numeric"} prefix={opts.money ? "£" : undefined}
      widthClass={opts.width ?? (opts.money ? "govuk-input--width-10" : "govuk-input--width-3")}
      value={String(form[field])} onChange={(v) => set({ [field]: v } as Partial<Draft>)} />
  );

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found = check(step, form, today(), (k) => t(k));
    setProblems(found);
    if (Object.keys(found).length) return;
    saveDraft(form);
    const next = order[index + 1];
    if (next && new URLSearchParams(search).get("return") !== "check") return navigate(`${base}/${section}/${next}`);
    // The section's last page: save it to the claims service.
    setBusy(true);
    try {
      const saved = await api.send<{ claim: ClaimView; questions: QuestionView[] }>(
        "PUT", `/v1/claims/${claim.id}/sections/${section}`, sectionBody(sec, form), etag ? { "If-Match": etag } : {},
      );
      keep(saved.data.claim, saved.etag);
      const returning = new URLSearchParams(search).get("return") === "check";
      navigate(saved.data.questions.length ? `${base}/questions` : returning ? `${base}/check-answers` : base);
    } catch (e) {
      if (e instanceof ProblemError && e.problem.status === 422 && e.problem.errors?.length) {
        const first = landing(sec, e.problem.errors[0]);
        const byField = Object.fromEntries(e.problem.errors.map((err) => [landing(sec, err).field, { key: "claim.errors.server" }]));
        setLanded(byField);
        if (first.step === step) setProblems(byField);
        else navigate(`${base}/${section}/${first.step}`);
      } else if (e instanceof ProblemError && e.problem.status === 412) {
        setProblems({ [firstField(step)]: { key: "claim.errors.changed" } });
      } else {
        setProblems({ [firstField(step)]: { key: "errors.unavailable" } });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Grid back={back}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">{t(`claim.sections.${section}`)}</span>
      <form onSubmit={onSubmit} noValidate>
        {step === "partner" && radios("partner", yesNo, t("estimate.partner.hint"))}
        {step === "partner-date-of-birth" && (
          <DateInput id="partnerDob" legend={title} hint={t("estimate.dob.hint")} isPageHeading error={text("partnerDob")}
            value={form.partnerDob} onChange={(partnerDob) => set({ partnerDob })} />
        )}
        {step === "children" && input("children", title, { hint: t("estimate.children.hint"), heading: true, width: "govuk-input--width-2" })}
        {childNumber > 0 && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            <DateInput id="childDob" legend={t("estimate.child.dob")} hint={t("estimate.dob.hint")} error={text("childDob")}
              value={c.dob} onChange={(dob) => setChild({ dob })} />
            <Radios id="childSex" legend={t("estimate.child.sex")} inline error={text("childSex")} value={c.sex}
              items={[{ value: "F", text: t("estimate.child.girl") }, { value: "M", text: t("estimate.child.boy") }]}
              onChange={(v) => setChild({ sex: v as "F" | "M" })} />
          </>
        )}
        {step === "tenure" && radios("tenure", TENURES.map((v) => ({ value: v, text: t(`claim.tenure.${v}`) })))}
        {step === "rent" && input("rent", title, { hint: t("claim.hints.rent"), money: true, heading: true })}
        {step === "landlord" && radios("landlord", LANDLORDS.map((v) => ({ value: v, text: t(`claim.landlord.${v}`) })))}
        {step === "bedrooms" && input("bedrooms", title, { heading: true, width: "govuk-input--width-2" })}
        {step === "job" && radios("job", yesNo, t("claim.hints.job"))}
        {step === "job-details" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            <TextInput id="employer" label={t("claim.labels.employer")} error={text("employer")} value={form.employer}
              onChange={(employer) => set({ employer })} autoComplete="organization" />
            {input("pay", t("claim.labels.pay"), { hint: t("claim.hints.pay"), money: true })}
            {input("hours", t("claim.labels.hours"))}
            <DateInput id="started" legend={t("claim.labels.started")} hint={t("estimate.dob.hint")} error={text("started")}
              value={form.started} onChange={(started) => set({ started })} />
          </>
        )}
        {step === "savings" && input("savings", title, { hint: t("estimate.savings.hint"), money: true, heading: true })}
        {step === "childcare" && radios("childcare", yesNo, t("claim.hints.childcare"))}
        {step === "childcare-cost" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            {input("childcareCost", t("claim.labels.childcareCost"), { money: true })}
            {input("childcareChildren", t("claim.labels.childcareChildren"), { width: "govuk-input--width-2" })}
          </>
        )}
        {step === "health" && radios("health", yesNo, t("claim.hints.health"))}
        {step === "can-work" && radios("canWork", ["yes", "some", "no"].map((v) => ({ value: v, text: t(`claim.canWork.${v}`) })))}
        {step === "caring" && radios("caring", yesNo, t("claim.hints.caring"))}
        {step === "caring-hours" && (
          <>
            <h1 className="govuk-heading-l">{title}</h1>
            {input("caringHours", t("claim.labels.caringHours"))}
            <Radios id="caredQualifying" legend={t("claim.labels.caredQualifying")} hint={t("claim.hints.caredQualifying")} inline
              items={yesNo} error={text("caredQualifying")} value={form.caredQualifying} onChange={(v) => set({ caredQualifying: v as "yes" | "no" })} />
          </>
        )}
        <Button>{order[index + 1] ? t("common.continue") : t("claim.saveSection")}</Button>
      </form>
    </Grid>
  );
}

function firstField(step: string): string {
  const fields: Record<string, string> = {
    "partner-date-of-birth": "partnerDob", "job-details": "employer", "childcare-cost": "childcareCost",
    "can-work": "canWork", "caring-hours": "caringHours",
  };
  return step.startsWith("child-") ? "childDob" : fields[step] ?? step;
}

// --- unusual answers, confirmed ------------------------------------------------------------------

function Questions() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { claim, etag, keep } = useClaim();
  const [failed, setFailed] = useState(false);
  const open = claim.questions.filter((q) => !q.confirmed);
  usePage(t("claim.questions.title"), failed);
  if (!open.length) return <Navigate to={`${APPLY}/${claim.id}`} replace />;

  async function confirm(event: FormEvent) {
    event.preventDefault();
    try {
      let tag = etag;
      let latest = claim;
      for (const q of open) {
        const done = await api.send<ClaimView>("POST", `/v1/claims/${claim.id}/confirmations`, { question: q.key }, tag ? { "If-Match": tag } : {});
        tag = done.etag;
        latest = done.data;
      }
      keep(latest, tag);
      navigate(`${APPLY}/${claim.id}`);
    } catch {
      setFailed(true);
    }
  }

  return (
    <Grid back={`${APPLY}/${claim.id}`}>
      <ErrorSummary errors={failed ? [{ href: "#confirm-answers", text: t("errors.unavailable") }] : []} />
      <h1 className="govuk-heading-l">{t("claim.questions.title")}</h1>
      <p className="govuk-body">{t("claim.questions.lead")}</p>
      <ul className="govuk-list govuk-list--bullet">
        {open.map((q) => <li key={q.key} lang="en">{q.text}</li>)}
      </ul>
      <form onSubmit={confirm} noValidate>
        <div className="govuk-button-group">
          <button type="submit" className="govuk-button" data-module="govuk-button" id="confirm-answers">{t("claim.questions.confirm")}</button>
          <Link className="govuk-link" to={`${APPLY}/${claim.id}/check-answers`}>{t("claim.questions.change")}</Link>
        </div>
      </form>
    </Grid>
  );
}

// --- check your answers, declaration, submit -----------------------------------------------------

function answerRows(claim: ClaimView, draft: Draft, t: (k: string, o?: Record<string, unknown>) => string, lang: string) {
  const base = `${APPLY}/${claim.id}`;
  const change = (section: Section, step: string, hidden: string) => ({ to: `${base}/${section}/${step}?return=check`, hidden });
  const money = (v: string) => `£${v}`;
  const date = (d: { day: string; month: string; year: string }) =>
    longDate(`${d.year}-${d.month.padStart(2, "0")}-${d.day.padStart(2, "0")}`, lang);
  const yes = (v: string) => (v === "yes" ? t("common.yes") : t("common.no"));
  const rows: Record<Section, { key: string; value: ReactNode; change?: { to: string; hidden: string } }[]> = {
    household: [
      { key: t("claim.rows.partner"), value: yes(draft.partner), change: change("household", "partner", t("claim.rows.partner")) },
      ...(draft.partner === "yes" ? [{ key: t("claim.rows.partnerDob"), value: date(draft.partnerDob), change: change("household", "partner-date-of-birth", t("claim.rows.partnerDob")) }] : []),
      { key: t("claim.rows.children"), value: draft.children, change: change("household", "children", t("claim.rows.children")) },
      ...draft.childList.slice(0, Number(draft.children) || 0).map((c, i) => ({
        key: t("estimate.rows.child", { n: i + 1 }),
        value: `${date(c.dob)}, ${c.sex === "F" ? t("estimate.child.girl") : t("estimate.child.boy")}`,
        change: change("household", `child-${i + 1}`, t("estimate.rows.child", { n: i + 1 })),
      })),
    ],
    housing: [
      { key: t("claim.rows.tenure"), value: draft.tenure ? t(`claim.tenure.${draft.tenure}`) : "", change: change("housing", "tenure", t("claim.rows.tenure")) },
      ...(RENTING.has(draft.tenure) ? [
        { key: t("claim.rows.rent"), value: money(draft.rent), change: change("housing", "rent", t("claim.rows.rent")) },
        { key: t("claim.rows.landlord"), value: draft.landlord ? t(`claim.landlord.${draft.landlord}`) : "", change: change("housing", "landlord", t("claim.rows.landlord")) },
      ] : []),
      { key: t("claim.rows.bedrooms"), value: draft.bedrooms, change: change("housing", "bedrooms", t("claim.rows.bedrooms")) },
    ],
    income: [
      { key: t("claim.rows.job"), value: draft.job === "yes" ? `${draft.employer}, ${money(draft.pay)}` : t("common.no"), change: change("income", "job", t("claim.rows.job")) },
    ],
    capital: [{ key: t("claim.rows.savings"), value: money(draft.savings), change: change("capital", "savings", t("claim.rows.savings")) }],
    childcare: [{ key: t("claim.rows.childcare"), value: draft.childcare === "yes" ? money(draft.childcareCost) : t("common.no"), change: change("childcare", "childcare", t("claim.rows.childcare")) }],
    health: [{ key: t("claim.rows.health"), value: yes(draft.health), change: change("health", "health", t("claim.rows.health")) }],
    caring: [{ key: t("claim.rows.caring"), value: yes(draft.caring), change: change("caring", "caring", t("claim.rows.caring")) }],
  };
  return rows;
}

function CheckAnswers() {
  const { t, i18n } = useTranslation();
  const { claim, draft } = useClaim();
  usePage(t("claim.check.title"));
  const rows = answerRows(claim, draft, t, i18n.language);
  return (
    <Grid back={`${APPLY}/${claim.id}`}>
      <h1 className="govuk-heading-l">{t("claim.check.title")}</h1>
      {SECTIONS.map((section) => (
        <div key={section}>
          <h2 className="govuk-heading-m">{t(`claim.sections.${section}`)}</h2>
          <SummaryList rows={rows[section]} />
        </div>
      ))}
      <Link to={`${APPLY}/${claim.id}/declaration`} role="button" draggable="false" className="govuk-button" data-module="govuk-button">
        {t("common.continue")}
      </Link>
    </Grid>
  );
}

function Declaration() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { claim, etag, keep } = useClaim();
  const [problem, setProblem] = useState<string | null>(null);
  const [key] = useState(newKey); // a retry of this submission replays it, never submits twice
  const [busy, setBusy] = useState(false);
  usePage(t("claim.declaration.title"), Boolean(problem));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      const done = await api.send<ClaimView>("POST", `/v1/claims/${claim.id}/submission`, { declaration: DECLARATION_VERSION },
        { ...(etag ? { "If-Match": etag } : {}), "Idempotency-Key": key });
      keep(done.data, done.etag);
      sessionStorage.removeItem(`dwp-claim-${claim.id}`);
      navigate(`${APPLY}/${claim.id}/status?submitted=1`);
    } catch (e) {
      const type = e instanceof ProblemError ? e.problem.type.split("/").pop() : "";
      setProblem(type === "incomplete-claim" ? "claim.errors.incomplete" : type === "unconfirmed-answers" ? "claim.errors.unconfirmed" : "errors.unavailable");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Grid back={`${APPLY}/${claim.id}/check-answers`}>
      <ErrorSummary errors={problem ? [{ href: "#submit-claim", text: t(problem) }] : []} />
      <h1 className="govuk-heading-l">{t("claim.declaration.title")}</h1>
      <p className="govuk-body">{t("claim.declaration.lead")}</p>
      <ul className="govuk-list govuk-list--bullet">
        {(t("claim.declaration.items", { returnObjects: true }) as string[]).map((item) => <li key={item}>{item}</li>)}
      </ul>
      <div className="govuk-warning-text">
        <span className="govuk-warning-text__icon" aria-hidden="true">!</span>
        <strong className="govuk-warning-text__text">
          <span className="govuk-visually-hidden">{t("claim.declaration.warning")}</span>
          {t("claim.declaration.fraud")}
        </strong>
      </div>
      <form onSubmit={submit} noValidate>
        <button type="submit" className="govuk-button" data-module="govuk-button" id="submit-claim">{t("claim.declaration.button")}</button>
      </form>
    </Grid>
  );
}

// --- status and to-dos ---------------------------------------------------------------------------


function Status() {
  const { t, i18n } = useTranslation();
  const { claim } = useClaim();
  const { search } = useLocation();
  const [todos, setTodos] = useState<Todo[] | null>(null);
  const title = t(`claim.statusPage.titles.${claim.claim_type}`, { defaultValue: t("claim.statusPage.title") });
  usePage(title);
  useEffect(() => {
    api.get<{ items: Todo[] }>(`/v1/claims/${claim.id}/todos`).then((l) => setTodos(l.items)).catch(() => setTodos(claim.todos));
  }, [claim.id, claim.todos]);
  const submitted = new URLSearchParams(search).get("submitted") === "1";
  const uploaded = new URLSearchParams(search).get("uploaded");
  const lang = i18n.language;
  const base = `${APPLY}/${claim.id}`;
  return (
    <Grid back="/account">
      {uploaded && (
        <SuccessBanner id="uploaded" title={t("account.success")}
          heading={t("upload.done", { what: t(`claim.evidence.${uploaded}`, { defaultValue: t("claim.evidence.other") }) })} />
      )}
      {submitted && (
        <div className="govuk-panel govuk-panel--confirmation">
          <h1 className="govuk-panel__title">{t("claim.statusPage.submitted")}</h1>
          <div className="govuk-panel__body">{t("claim.statusPage.reference")}<br /><strong>{claim.id.slice(0, 8).toUpperCase()}</strong></div>
        </div>
      )}
      {!submitted && <h1 className="govuk-heading-l">{title}</h1>}
      <SummaryList rows={[
        { key: t("claim.statusPage.status"), value: <StatusTag status={claim.status} /> },
        ...(claim.submitted_at ? [{ key: t("claim.statusPage.submittedOn"), value: longDate(claim.submitted_at.slice(0, 10), lang) }] : []),
        ...(claim.claim_date ? [{ key: t("claim.statusPage.claimDate"), value: longDate(claim.claim_date, lang) }] : []),
      ]} />
      <h2 className="govuk-heading-m" id="todos">{t("claim.statusPage.todos")}</h2>
      {todos === null ? <p className="govuk-body">{t("common.loading")}</p> : todos.length === 0 ? (
        <p className="govuk-body">{t("claim.statusPage.noTodos")}</p>
      ) : (
        <ul className="govuk-task-list" aria-labelledby="todos">
          {todos.map((todo) => (
            <li className={`govuk-task-list__item${todo.kind === "upload_evidence" && !todo.done_at ? " govuk-task-list__item--with-link" : ""}`} key={todo.id}>
              <div className="govuk-task-list__name-and-hint">
                {todo.kind === "upload_evidence" && !todo.done_at ? (
                  <Link className="govuk-link govuk-task-list__link" to={`${base}/evidence/${todo.id}`} aria-describedby={`todo-${todo.id}`}>
                    {t("claim.todo.upload_evidence")}
                  </Link>
                ) : <div>{t(`claim.todo.${todo.kind}`, { defaultValue: t("claim.todo.other") })}</div>}
                {todo.kind === "upload_evidence" && (
                  <div className="govuk-task-list__hint">{t(`claim.evidence.${todo.subject}`, { defaultValue: t("claim.evidence.other") })}</div>
                )}
                {todo.due_on && <div className="govuk-task-list__hint">{t("claim.statusPage.due", { date: longDate(todo.due_on, lang) })}</div>}
              </div>
              <div className="govuk-task-list__status" id={`todo-${todo.id}`}>
                {todo.done_at ? t("claim.tasks.completed") : <strong className="govuk-tag govuk-tag--blue">{t("claim.statusPage.toDo")}</strong>}
              </div>
            </li>
          ))}
        </ul>
      )}
      {claim.decision ? (
        <p className="govuk-body"><Link className="govuk-link" to={`${base}/decision`} id="decision-link">{t("decision.link")}</Link></p>
      ) : <InsetText>{t("claim.statusPage.next")}</InsetText>}
      <p className="govuk-body"><Link className="govuk-link" to={`${base}/messages`} id="messages-link">{t("messages.link")}</Link></p>
      {claim.status === "awarded" && (
        <>
          <h2 className="govuk-heading-m" id="changes">{t("claim.statusPage.changeTitle")}</h2>
          <p className="govuk-body">{t("claim.statusPage.changeLead")}</p>
          <Link to={`${base}/report-a-change`} role="button" draggable="false" className="govuk-button govuk-button--secondary"
            data-module="govuk-button" id="report-change">
            {t("claim.statusPage.changeButton")}
          </Link>
        </>
      )}
    </Grid>
  );
}
