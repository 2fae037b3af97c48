// Applying for Universal Credit, as plain data: the claims service's sections (its task list), the
// question pages of each ("one thing per page"), each section's answers as the claims API takes them,
// and the API's problems back on the page and field they came from. No page code here.
import type { FieldProblem } from "../../api";
import type { DateValue } from "../../components/govuk";
import { emptyDate } from "../../components/govuk";
import { checkCount, checkDate, checkMoney, isoDate, type Problem, toPence } from "../estimate/journey";

export const APPLY = "/apply";
export const SECTIONS = ["household", "housing", "income", "capital", "childcare", "health", "caring"] as const;
export type Section = (typeof SECTIONS)[number];
export const DECLARATION_VERSION = "2026-12"; // the version of the declaration text the pages show
export const MAX_CHILDREN = 10;

type YesNo = "" | "yes" | "no";
export type Child = { dob: DateValue; sex: "" | "F" | "M" };
export type Draft = {
  partner: YesNo; partnerDob: DateValue; children: string; childList: Child[];
  tenure: string; rent: string; landlord: string; bedrooms: string;
  job: YesNo; employer: string; pay: string; hours: string; started: DateValue;
  savings: string;
  childcare: YesNo; childcareCost: string; childcareChildren: string;
  health: YesNo; canWork: "" | "yes" | "some" | "no";
  caring: YesNo; caringHours: string; caredQualifying: YesNo;
};
export const emptyDraft: Draft = {
  partner: "", partnerDob: emptyDate, children: "", childList: [],
  tenure: "", rent: "", landlord: "", bedrooms: "",
  job: "", employer: "", pay: "", hours: "", started: emptyDate,
  savings: "",
  childcare: "", childcareCost: "", childcareChildren: "",
  health: "", canWork: "",
  caring: "", caringHours: "", caredQualifying: "",
};

export const TENURES = ["social_rent", "private_rent", "shared_ownership", "own_with_mortgage", "own_outright",
  "living_with_family_or_friends", "temporary_accommodation"] as const;
export const RENTING = new Set(["social_rent", "private_rent", "shared_ownership"]);
export const LANDLORDS = ["council", "housing_association", "private_landlord", "letting_agent", "family_or_friend"] as const;

/** The pages of a section, in order, for the answers so far (a "no" skips the pages it makes moot). */
export function steps(section: Section, d: Draft): string[] {
  const count = Math.min(Number(d.children) || 0, MAX_CHILDREN);
  const pages: Record<Section, (string | false)[]> = {
    household: ["partner", d.partner === "yes" && "partner-date-of-birth", "children",
      ...Array.from({ length: count }, (_, i) => `child-${i + 1}`)],
    housing: ["tenure", RENTING.has(d.tenure) && "rent", RENTING.has(d.tenure) && "landlord", "bedrooms"],
    income: ["job", d.job === "yes" && "job-details"],
    capital: ["savings"],
    childcare: ["childcare", d.childcare === "yes" && "childcare-cost"],
    health: ["health", d.health === "yes" && "can-work"],
    caring: ["caring", d.caring === "yes" && "caring-hours"],
  };
  return pages[section].filter((s): s is string => Boolean(s));
}

export const child = (d: Draft, n: number): Child => d.childList[n - 1] ?? { dob: emptyDate, sex: "" };

/** The problems with one page's answers, by field id, before anything is sent. */
export function check(step: string, d: Draft, today: Date, what: (key: string) => string): Record<string, Problem> {
  const found: Record<string, Problem | null> = {};
  const yes = (field: keyof Draft, key: string) => { found[field] = d[field] ? null : { key }; };
  if (step === "partner") yes("partner", "claim.errors.partner");
  if (step === "partner-date-of-birth") found.partnerDob = checkDate(d.partnerDob, what("errors.whatPartnerDob"), today);
  if (step === "children") found.children = checkCount(d.children, 0, MAX_CHILDREN);
  if (step.startsWith("child-")) {
    const c = child(d, Number(step.slice(6)));
    found.childDob = checkDate(c.dob, what("errors.whatChildDob"), today);
    found.childSex = c.sex ? null : { key: "errors.childSex" };
  }
  if (step === "tenure") yes("tenure", "claim.errors.tenure");
  if (step === "rent") found.rent = checkMoney(d.rent, 100000);
  if (step === "landlord") yes("landlord", "claim.errors.landlord");
  if (step === "bedrooms") found.bedrooms = checkCount(d.bedrooms, 0, 20);
  if (step === "job") yes("job", "claim.errors.job");
  if (step === "job-details") {
    found.employer = d.employer.trim() ? null : { key: "claim.errors.employer" };
    found.pay = checkMoney(d.pay, 100000);
    found.hours = checkCount(d.hours, 1, 168);
    found.started = checkDate(d.started, what("claim.errors.whatStarted"), today);
  }
  if (step === "savings") found.savings = checkMoney(d.savings, 20000000);
  if (step === "childcare") yes("childcare", "claim.errors.childcare");
  if (step === "childcare-cost") {
    found.childcareCost = checkMoney(d.childcareCost, 100000);
    found.childcareChildren = checkCount(d.childcareChildren, 1, MAX_CHILDREN);
  }
  if (step === "health") yes("health", "claim.errors.health");
  if (step === "can-work") yes("canWork", "claim.errors.canWork");
  if (step === "caring") yes("caring", "claim.errors.caring");
  if (step === "caring-hours") {
    found.caringHours = checkCount(d.caringHours, 1, 168);
    yes("caredQualifying", "claim.errors.caredQualifying");
  }
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, Problem] => e[1] !== null));
}

const pence = (v: string) => toPence(v) ?? 0;
const monthly = (v: string) => ({ pence: pence(v), frequency: "monthly" });

/** A section's answers as `PUT /v1/claims/{id}/sections/{section}` takes them. */
export function sectionBody(section: Section, d: Draft): Record<string, unknown> {
  const count = Math.min(Number(d.children) || 0, MAX_CHILDREN);
  switch (section) {
    case "household":
      return {
        lives_with_partner: d.partner === "yes",
        partner: d.partner === "yes" ? { date_of_birth: isoDate(d.partnerDob) } : null,
        children: Array.from({ length: count }, (_, i) => ({ date_of_birth: isoDate(child(d, i + 1).dob), sex: child(d, i + 1).sex })),
      };
    case "housing": {
      const renting = RENTING.has(d.tenure);
      return {
        tenure: d.tenure,
        bedrooms: Number(d.bedrooms),
        rent: renting ? monthly(d.rent) : null,
        landlord: renting ? { kind: d.landlord } : null,
      };
    }
    case "income":
      return {
        employments: d.job === "yes"
          ? [{ employer: d.employer.trim(), started_on: isoDate(d.started), hours_per_week: Number(d.hours), gross_pay: monthly(d.pay) }]
          : [],
      };
    case "capital":
      return { savings_pence: pence(d.savings) };
    case "childcare":
      return d.childcare === "yes"
        ? { pays_for_childcare: true, cost: monthly(d.childcareCost), children_in_childcare: Number(d.childcareChildren) }
        : { pays_for_childcare: false };
    case "health":
      return { you: d.health === "yes" ? { condition_affects_work: true, can_work: d.canWork } : { condition_affects_work: false } };
    case "caring":
      return {
        carers: d.caring === "yes"
          ? [{ hours_per_week: Number(d.caringHours), cared_for_gets_qualifying_benefit: d.caredQualifying === "yes" }]
          : [],
      };
  }
}

/** Where a problem the claims API found lands: the page and field of the answer it names
 * (`#/children/0/date_of_birth` is the first child's page), or the section's first page. */
export function landing(section: Section, error: FieldProblem): { step: string; field: string } {
  const parts = error.pointer.replace(/^.*#\//, "").split("/");
  const [head, index, leaf] = parts;
  const table: Record<string, [string, string]> = {
    lives_with_partner: ["partner", "partner"], partner: ["partner-date-of-birth", "partnerDob"],
    tenure: ["tenure", "tenure"], rent: ["rent", "rent"], landlord: ["landlord", "landlord"], bedrooms: ["bedrooms", "bedrooms"],
    savings_pence: ["savings", "savings"], cost: ["childcare-cost", "childcareCost"],
    children_in_childcare: ["childcare-cost", "childcareChildren"],
  };
  if (head === "children" && index !== undefined) return { step: `child-${Number(index) + 1}`, field: leaf === "sex" ? "childSex" : "childDob" };
  if (head === "employments") {
    const field = leaf === "employer" ? "employer" : leaf === "hours_per_week" ? "hours" : leaf === "started_on" ? "started" : "pay";
    return { step: "job-details", field };
  }
  if (head === "carers") return { step: "caring-hours", field: "caringHours" };
  if (head === "you") return { step: "can-work", field: "canWork" };
  const hit = table[head];
  return hit ? { step: hit[0], field: hit[1] } : { step: steps(section, emptyDraft)[0], field: steps(section, emptyDraft)[0] };
}

/** An ISO date the API gave back as the date input's parts (empty when there is none). */
export const dateOf = (iso: unknown): DateValue => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ""));
  return m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1] } : emptyDate;
};
/** Pence the API gave back as the pounds a person would type ("450", "12.50"). */
export const poundsOf = (p: unknown) => (typeof p === "number" ? (p / 100).toFixed(2).replace(/\.00$/, "") : "");

/** A saved section's answers (as the API gives them back) in the draft, so "change" starts from them. */
export function fromAnswers(answers: Record<string, unknown>): Partial<Draft> {
  const d: Partial<Draft> = {};
  const [date, pounds] = [dateOf, poundsOf];
  const h = answers.household as Record<string, any> | undefined;
  if (h) {
    d.partner = h.lives_with_partner ? "yes" : "no";
    d.partnerDob = date(h.partner?.date_of_birth);
    d.children = String((h.children ?? []).length);
    d.childList = (h.children ?? []).map((c: any) => ({ dob: date(c.date_of_birth), sex: c.sex }));
  }
  const ho = answers.housing as Record<string, any> | undefined;
  if (ho) {
    d.tenure = ho.tenure; d.bedrooms = String(ho.bedrooms);
    d.rent = pounds(ho.rent?.pence); d.landlord = ho.landlord?.kind ?? "";
  }
  const inc = answers.income as Record<string, any> | undefined;
  if (inc) {
    const job = (inc.employments ?? [])[0];
    d.job = job ? "yes" : "no";
    if (job) Object.assign(d, { employer: job.employer, pay: pounds(job.gross_pay?.pence), hours: String(job.hours_per_week), started: date(job.started_on) });
  }
  const cap = answers.capital as Record<string, any> | undefined;
  if (cap) d.savings = pounds(cap.savings_pence);
  const cc = answers.childcare as Record<string, any> | undefined;
  if (cc) {
    d.childcare = cc.pays_for_childcare ? "yes" : "no";
    d.childcareCost = pounds(cc.cost?.pence); d.childcareChildren = cc.children_in_childcare ? String(cc.children_in_childcare) : "";
  }
  const he = answers.health as Record<string, any> | undefined;
  if (he) { d.health = he.you?.condition_affects_work ? "yes" : "no"; d.canWork = he.you?.can_work ?? ""; }
  const ca = answers.caring as Record<string, any> | undefined;
  if (ca) {
    const c = (ca.carers ?? [])[0];
    d.caring = c ? "yes" : "no";
    if (c) { d.caringHours = String(c.hours_per_week); d.caredQualifying = c.cared_for_gets_qualifying_benefit ? "yes" : "no"; }
  }
  return d;
}
