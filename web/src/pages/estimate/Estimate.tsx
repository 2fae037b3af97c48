// The journey's pages: one question per page, then "check your answers", then the result with its
// itemised explanation. Loaded only when a person starts the journey (its own chunk).
import { createContext, type FormEvent, useContext, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation, useNavigate, useParams } from "react-router";
import { api, ProblemError } from "../../api";
import { BackLink, Button, DateInput, type ErrorItem, ErrorSummary, Radios, SummaryList, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import {
  type Answers,
  BASE,
  checkCount,
  checkDate,
  checkMoney,
  checkPostcode,
  emptyAnswers,
  estimateRequest,
  isoDate,
  type Landing,
  landing,
  MAX_CHILDREN,
  type Problem,
  parseDate,
  steps,
} from "./journey";

const STORE = "dwp-estimate";

type Journey = {
  answers: Answers;
  save: (changes: Partial<Answers>) => void;
  landed: Landing[];
  setLanded: (landed: Landing[]) => void;
  result: EstimateResult | null;
  setResult: (r: EstimateResult | null) => void;
};
const JourneyContext = createContext<Journey | null>(null);
const useJourney = () => useContext(JourneyContext)!;

type Explanation = { key: string; kind: string; amount_pence: number; regulation: string; text: { en: string; cy: string } };
export type EstimateResult = {
  universal_credit?: { tax_year: string; award_pence: number; explanation: Explanation[] };
};

function load(): Answers {
  try {
    return { ...emptyAnswers, ...JSON.parse(sessionStorage.getItem(STORE) ?? "{}") };
  } catch {
    return emptyAnswers;
  }
}

export default function Estimate() {
  // Answers stay in this tab only (sessionStorage), so a refresh or the back button loses nothing.
  const [answers, setAnswers] = useState<Answers>(load);
  const [landed, setLanded] = useState<Landing[]>([]);
  const [result, setResult] = useState<EstimateResult | null>(null);
  const journey = useMemo<Journey>(
    () => ({
      answers,
      save: (changes) =>
        setAnswers((current) => {
          const next = { ...current, ...changes };
          sessionStorage.setItem(STORE, JSON.stringify(next));
          return next;
        }),
      landed,
      setLanded,
      result,
      setResult,
    }),
    [answers, landed, result],
  );
  return (
    <JourneyContext.Provider value={journey}>
      <Routes>
        <Route path="check-answers" element={<CheckAnswers />} />
        <Route path="result" element={<Result />} />
        <Route path=":step" element={<Question />} />
        <Route index element={<Navigate to={`${BASE}/date-of-birth`} replace />} />
      </Routes>
    </JourneyContext.Provider>
  );
}

function today(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
}

/** One question page. `step` names it; its fields, checks and next page come from the journey. */
function Question() {
  const { step = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { search } = useLocation();
  const { answers, save, landed, setLanded } = useJourney();
  const [draft, setDraft] = useState<Answers>(answers);
  const [problems, setProblems] = useState<Record<string, Problem>>({});
  const order = steps(draft);
  const index = order.indexOf(step);
  const childNumber = step.startsWith("child-") ? Number(step.slice(6)) : 0;

  // Problems the API found in an answer on this page, shown until the person changes it.
  useEffect(() => {
    const here = landed.filter((l) => l.step === step);
    setProblems(Object.fromEntries(here.map((l) => [l.field, l.problem])));
    setDraft(answers);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);

  const text = (p?: Problem) => (p ? t(p.key, p.values) : undefined);
  const errors: ErrorItem[] = Object.entries(problems).map(([field, p]) => ({
    href: `#${field === "childSex" ? "childSex" : field}${field.toLowerCase().endsWith("dob") || field === "dob" ? "-day" : ""}`,
    text: text(p) ?? "",
  }));
  const child = draft.childList[childNumber - 1] ?? { dob: { day: "", month: "", year: "" }, sex: "" };
  const setChild = (changes: Partial<typeof child>) => {
    const list = [...draft.childList];
    list[childNumber - 1] = { ...child, ...changes };
    setDraft({ ...draft, childList: list });
  };

  const titles: Record<string, string> = {
    "date-of-birth": t("estimate.dob.title"),
    partner: t("estimate.partner.title"),
    "partner-date-of-birth": t("estimate.partnerDob.title"),
    children: t("estimate.children.title"),
    housing: t("estimate.housing.title"),
    rent: t("estimate.rent.title"),
    "service-charges": t("estimate.serviceCharges.title"),
    bedrooms: t("estimate.bedrooms.title"),
    postcode: t("estimate.postcode.title"),
    area: t("estimate.area.title"),
    london: t("estimate.london.title"),
    earnings: t("estimate.earnings.title"),
    "partner-earnings": t("estimate.partnerEarnings.title"),
    savings: t("estimate.savings.title"),
  };
  const title = childNumber ? t("estimate.child.title", { n: childNumber }) : titles[step];
  usePage(title ?? t("notFound.title"), errors.length > 0);
  if (index < 0 || !title) return <Navigate to={`${BASE}/date-of-birth`} replace />;

  function check(): Record<string, Problem> {
    const found: Record<string, Problem | null> = {};
    const now = today();
    if (step === "date-of-birth") found.dob = checkDate(draft.dob, t("errors.whatDob"), now);
    if (step === "partner") found.partner = draft.partner ? null : { key: "errors.partner" };
    if (step === "partner-date-of-birth") found.partnerDob = checkDate(draft.partnerDob, t("errors.whatPartnerDob"), now);
    if (step === "children") found.children = checkCount(draft.children, 0, MAX_CHILDREN);
    if (childNumber) {
      found.childDob = checkDate(child.dob, t("errors.whatChildDob"), now);
      found.childSex = child.sex ? null : { key: "errors.childSex" };
    }
    if (step === "housing") found.housing = draft.housing ? null : { key: "errors.housing" };
    if (step === "rent") found.rent = checkMoney(draft.rent, 10000);
    if (step === "service-charges") found.serviceCharges = checkMoney(draft.serviceCharges, 10000);
    if (step === "bedrooms") found.bedrooms = checkCount(draft.bedrooms, 0, 20);
    if (step === "postcode") found.postcode = checkPostcode(draft.postcode);
    if (step === "area") found.area = draft.areaChoices.some((c) => c.brma === draft.area) ? null : { key: "errors.area" };
    if (step === "london") found.london = draft.london ? null : { key: "errors.london" };
    if (step === "earnings") found.earnings = checkMoney(draft.earnings, 100000);
    if (step === "partner-earnings") found.partnerEarnings = checkMoney(draft.partnerEarnings, 100000);
    if (step === "savings") found.savings = checkMoney(draft.savings, 10000000);
    return Object.fromEntries(Object.entries(found).filter((e): e is [string, Problem] => e[1] !== null));
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const found = check();
    setProblems(found);
    if (Object.keys(found).length) return;
    save(draft);
    setLanded(landed.filter((l) => l.step !== step));
    const returning = new URLSearchParams(search).get("return") === "check";
    const next = order[index + 1];
    navigate(returning || !next ? `${BASE}/check-answers` : `${BASE}/${next}`);
  }

  const back = index > 0 ? `${BASE}/${order[index - 1]}` : "/";
  const yesNo = [
    { value: "yes", text: t("common.yes") },
    { value: "no", text: t("common.no") },
  ];
  return (
    <>
      <BackLink to={back} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <form onSubmit={onSubmit} noValidate>
            {step === "date-of-birth" && (
              <DateInput id="dob" legend={title} hint={t("estimate.dob.hint")} isPageHeading birthDate error={text(problems.dob)}
                value={draft.dob} onChange={(dob) => setDraft({ ...draft, dob })} />
            )}
            {step === "partner" && (
              <Radios id="partner" legend={title} hint={t("estimate.partner.hint")} isPageHeading inline items={yesNo}
                error={text(problems.partner)} value={draft.partner}
                onChange={(v) => setDraft({ ...draft, partner: v as Answers["partner"] })} />
            )}
            {step === "london" && (
              <Radios id="london" legend={title} hint={t("estimate.london.hint")} isPageHeading inline items={yesNo}
                error={text(problems.london)} value={draft.london}
                onChange={(v) => setDraft({ ...draft, london: v as Answers["london"] })} />
            )}
            {step === "partner-date-of-birth" && (
              <DateInput id="partnerDob" legend={title} hint={t("estimate.partnerDob.hint")} isPageHeading
                error={text(problems.partnerDob)} value={draft.partnerDob} onChange={(partnerDob) => setDraft({ ...draft, partnerDob })} />
            )}
            {step === "children" && (
              <TextInput id="children" label={title} hint={t("estimate.children.hint")} isPageHeading inputMode="numeric"
                widthClass="govuk-input--width-2" error={text(problems.children)} value={draft.children}
                onChange={(children) => setDraft({ ...draft, children })} />
            )}
            {childNumber > 0 && (
              <>
                <h1 className="govuk-heading-l">{title}</h1>
                <DateInput id="childDob" legend={t("estimate.child.dob")} hint={t("estimate.dob.hint")}
                  error={text(problems.childDob)} value={child.dob} onChange={(dob) => setChild({ dob })} />
                <Radios id="childSex" legend={t("estimate.child.sex")} inline error={text(problems.childSex)} value={child.sex}
                  items={[{ value: "F", text: t("estimate.child.girl") }, { value: "M", text: t("estimate.child.boy") }]}
                  onChange={(v) => setChild({ sex: v as "F" | "M" })} />
              </>
            )}
            {step === "housing" && (
              <Radios id="housing" legend={title} isPageHeading error={text(problems.housing)} value={draft.housing}
                items={[
                  { value: "none", text: t("estimate.housing.none"), hint: t("estimate.housing.noneHint") },
                  { value: "social", text: t("estimate.housing.social") },
                  { value: "private", text: t("estimate.housing.private") },
                  { value: "owner", text: t("estimate.housing.owner"), hint: t("estimate.housing.ownerHint") },
                ]}
                onChange={(v) => setDraft({ ...draft, housing: v as Answers["housing"] })} />
            )}
            {step === "rent" && (
              <TextInput id="rent" label={title} hint={t("estimate.rent.hint")} isPageHeading inputMode="decimal" prefix="£"
                widthClass="govuk-input--width-5" spellCheck={false} error={text(problems.rent)} value={draft.rent}
                onChange={(rent) => setDraft({ ...draft, rent })} />
            )}
            {step === "service-charges" && (
              <TextInput id="serviceCharges" label={title} hint={t("estimate.serviceCharges.hint")} isPageHeading inputMode="decimal" prefix="£"
                widthClass="govuk-input--width-5" spellCheck={false} error={text(problems.serviceCharges)} value={draft.serviceCharges}
                onChange={(serviceCharges) => setDraft({ ...draft, serviceCharges })} />
            )}
            {step === "bedrooms" && (
              <TextInput id="bedrooms" label={title} isPageHeading inputMode="numeric" widthClass="govuk-input--width-2"
                error={text(problems.bedrooms)} value={draft.bedrooms} onChange={(bedrooms) => setDraft({ ...draft, bedrooms })} />
            )}
            {step === "postcode" && (
              <TextInput id="postcode" label={title} hint={t("estimate.postcode.hint")} isPageHeading autoComplete="postal-code"
                widthClass="govuk-input--width-10" spellCheck={false} error={text(problems.postcode)} value={draft.postcode}
                // A new postcode may be in other areas: the API is asked again, and a choice made for the old one goes.
                onChange={(postcode) => setDraft({ ...draft, postcode, area: "", areaChoices: [] })} />
            )}
            {step === "area" && (
              <Radios id="area" legend={title} hint={t("estimate.area.hint")} isPageHeading error={text(problems.area)} value={draft.area}
                items={draft.areaChoices.map((c) => ({ value: c.brma, text: c.name }))}
                onChange={(area) => setDraft({ ...draft, area })} />
            )}
            {step === "earnings" && (
              <TextInput id="earnings" label={title} hint={t("estimate.earnings.hint")} isPageHeading inputMode="decimal" prefix="£"
                widthClass="govuk-input--width-10" spellCheck={false} error={text(problems.earnings)} value={draft.earnings}
                onChange={(earnings) => setDraft({ ...draft, earnings })} />
            )}
            {step === "partner-earnings" && (
              <TextInput id="partnerEarnings" label={title} hint={t("estimate.partnerEarnings.hint")} isPageHeading inputMode="decimal"
                prefix="£" widthClass="govuk-input--width-10" spellCheck={false} error={text(problems.partnerEarnings)}
                value={draft.partnerEarnings} onChange={(partnerEarnings) => setDraft({ ...draft, partnerEarnings })} />
            )}
            {step === "savings" && (
              <TextInput id="savings" label={title} hint={t("estimate.savings.hint")} isPageHeading inputMode="decimal" prefix="£"
                widthClass="govuk-input--width-10" spellCheck={false} error={text(problems.savings)} value={draft.savings}
                onChange={(savings) => setDraft({ ...draft, savings })} />
            )}
            <Button>{t("common.continue")}</Button>
          </form>
        </div>
      </div>
    </>
  );
}

function pounds(value: string): string {
  return `£${value.trim().replace(/^£/, "")}`;
}

function CheckAnswers() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { answers: a, save, setLanded, setResult } = useJourney();
  const [failure, setFailure] = useState<ErrorItem[]>([]);
  const [sending, setSending] = useState(false);
  usePage(t("estimate.check.title"), failure.length > 0);
  const order = steps(a);
  if (!parseDate(a.dob) || !a.partner || !a.housing || a.savings === "") return <Navigate to={`${BASE}/date-of-birth`} replace />;
  const change = (step: string, hidden: string) => ({ to: `${BASE}/${step}?return=check`, hidden: hidden.toLowerCase() });
  const date = (d: typeof a.dob) => longDate(isoDate(d), i18n.language);
  const rows = [
    { key: t("estimate.rows.dob"), value: date(a.dob), change: change("date-of-birth", t("estimate.rows.dob")) },
    { key: t("estimate.rows.partner"), value: a.partner === "yes" ? t("common.yes") : t("common.no"), change: change("partner", t("estimate.rows.partner")) },
  ];
  if (a.partner === "yes") rows.push({ key: t("estimate.rows.partnerDob"), value: date(a.partnerDob), change: change("partner-date-of-birth", t("estimate.rows.partnerDob")) });
  rows.push({ key: t("estimate.rows.children"), value: a.children === "0" ? t("estimate.check.noChildren") : a.children, change: change("children", t("estimate.rows.children")) });
  order.filter((s) => s.startsWith("child-")).forEach((s, i) => {
    const c = a.childList[i];
    const label = t("estimate.rows.child", { n: i + 1 });
    rows.push({ key: label, value: c ? `${date(c.dob)}, ${c.sex === "F" ? t("estimate.child.girl") : t("estimate.child.boy")}` : "", change: change(s, label) });
  });
  rows.push({ key: t("estimate.rows.housing"), value: t(`estimate.housing.${a.housing || "none"}`), change: change("housing", t("estimate.rows.housing")) });
  if (order.includes("rent")) {
    rows.push({ key: t("estimate.rows.rent"), value: pounds(a.rent), change: change("rent", t("estimate.rows.rent")) });
    rows.push({ key: t("estimate.rows.bedrooms"), value: a.bedrooms, change: change("bedrooms", t("estimate.rows.bedrooms")) });
  }
  if (order.includes("service-charges")) rows.push({ key: t("estimate.rows.serviceCharges"), value: pounds(a.serviceCharges), change: change("service-charges", t("estimate.rows.serviceCharges")) });
  if (order.includes("postcode")) rows.push({ key: t("estimate.rows.postcode"), value: a.postcode.trim().toUpperCase(), change: change("postcode", t("estimate.rows.postcode")) });
  if (order.includes("area")) {
    const chosen = a.areaChoices.find((c) => c.brma === a.area);
    rows.push({ key: t("estimate.rows.area"), value: chosen?.name ?? "", change: change("area", t("estimate.rows.area")) });
  }
  if (order.includes("london")) rows.push({ key: t("estimate.rows.london"), value: a.london === "yes" ? t("common.yes") : t("common.no"), change: change("london", t("estimate.rows.london")) });
  rows.push({ key: t("estimate.rows.earnings"), value: pounds(a.earnings), change: change("earnings", t("estimate.rows.earnings")) });
  if (a.partner === "yes") rows.push({ key: t("estimate.rows.partnerEarnings"), value: pounds(a.partnerEarnings), change: change("partner-earnings", t("estimate.rows.partnerEarnings")) });
  rows.push({ key: t("estimate.rows.savings"), value: pounds(a.savings), change: change("savings", t("estimate.rows.savings")) });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSending(true);
    const start = new Date().toISOString().slice(0, 10);
    try {
      setResult(await api.post<EstimateResult>("/v1/estimates", estimateRequest(a, start)));
      setLanded([]);
      navigate(`${BASE}/result`);
    } catch (error) {
      // A problem document's pointers say which answer is wrong: take the person to that page.
      const problem = error instanceof ProblemError ? error.problem : null;
      const landings = (problem?.errors ?? []).map(landing).filter((l): l is Landing => l !== null);
      // The postcode's district lies in several areas: the person chooses one, by name (GOV.UK radios).
      if (problem?.choices?.length) save({ areaChoices: problem.choices, area: "" });
      if (landings.length) {
        setLanded(landings);
        navigate(`${BASE}/${landings[0].step}?return=check`);
        return;
      }
      setFailure([{ href: "#submit", text: t("errors.unavailable") }]);
    } finally {
      setSending(false);
    }
  }

  return (
    <>
    <BackLink to={`${BASE}/${order[order.length - 1]}`} />
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <ErrorSummary errors={failure} />
        <h1 className="govuk-heading-l">{t("estimate.check.title")}</h1>
        <SummaryList rows={rows} />
        <form onSubmit={submit} noValidate>
          <button id="submit" type="submit" className="govuk-button" data-module="govuk-button" disabled={sending} aria-disabled={sending}>
            {t("estimate.check.submit")}
          </button>
        </form>
      </div>
    </div>
    </>
  );
}

function money(pence: number, lang: string): string {
  return new Intl.NumberFormat(lang === "cy" ? "cy-GB" : "en-GB", { style: "currency", currency: "GBP" }).format(pence / 100);
}

function Result() {
  const { t, i18n } = useTranslation();
  const { result } = useJourney();
  const uc = result?.universal_credit;
  usePage(uc && uc.award_pence > 0 ? t("estimate.result.title") : t("estimate.result.none"));
  if (!uc) return <Navigate to={`${BASE}/check-answers`} replace />;
  const lang = i18n.language === "cy" ? "cy" : "en";
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        {uc.award_pence > 0 ? (
          <div className="govuk-panel govuk-panel--confirmation">
            <h1 className="govuk-panel__title">{t("estimate.result.title")}</h1>
            <div className="govuk-panel__body">
              <strong>{money(uc.award_pence, lang)}</strong> {t("estimate.result.perMonth")}
            </div>
          </div>
        ) : (
          <>
            <h1 className="govuk-heading-l">{t("estimate.result.none")}</h1>
            <p className="govuk-body">{t("estimate.result.noneText")}</p>
          </>
        )}
        <p className="govuk-body">{t("estimate.result.caveat")}</p>
        <h2 className="govuk-heading-m">{t("estimate.result.how")}</h2>
        <table className="govuk-table">
          <caption className="govuk-table__caption govuk-visually-hidden">{t("estimate.result.how")}</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">{t("estimate.result.item")}</th>
              <th scope="col" className="govuk-table__header govuk-table__header--numeric">{t("estimate.result.amount")}</th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {uc.explanation.map((line) => (
              <tr className="govuk-table__row" key={line.key}>
                <td className="govuk-table__cell">
                  {line.kind === "result" ? <strong>{line.text[lang]}</strong> : line.text[lang]}
                  <div className="govuk-hint govuk-!-margin-bottom-0 govuk-!-font-size-16">
                    {t("estimate.result.law")}: {line.regulation}
                  </div>
                </td>
                <td className="govuk-table__cell govuk-table__cell--numeric">
                  {/* A note without an amount (the cap does not apply) has nothing to add up. */}
                  {line.kind === "note" && line.amount_pence === 0 ? "" : `${line.kind === "deduction" ? "−" : ""}${money(line.amount_pence, lang)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="govuk-body">
          <a className="govuk-link" href={`${BASE}/date-of-birth`} onClick={() => sessionStorage.removeItem(STORE)}>
            {t("estimate.result.again")}
          </a>
        </p>
      </div>
    </div>
  );
}
