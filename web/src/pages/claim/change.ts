// Reporting a change of circumstances, as plain data: the kinds the claims API takes (a New Style claim
// only work), the pages each kind asks (its details, then the date it happened), the checks before
// anything is sent (the GOV.UK date errors: missing, a part missing, not a real date, in the future,
// before the claim), the body of `POST /v1/claims/{id}/changes`, and where the API's problems land
// (`#/happened_on` is the date page, `#/rent/pence` the details page's rent). No page code here.
// The API's rules are `dwp.claims.domain.changes.check_change` (docs/claims.md, "Changes of circumstances").
import type { FieldProblem } from "../../api";
import { type DateValue, emptyDate } from "../../components/govuk";
import { checkCount, checkMoney, isoDate, named, parseDate, type Problem, toPence } from "../estimate/journey";
import { RENTING, TENURES } from "./journey";

export const CHANGE_KINDS = [
  "moving_home", "rent_changed", "partner_joined", "partner_left", "child_born", "child_left",
  "started_work", "stopped_work", "savings_changed", "health_condition_changed", "started_caring", "stopped_caring",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
/** New Style JSA and ESA pay nothing for a home, a partner, children, savings or caring (the API refuses
 * them); a health condition is ESA's (limited capability for work), never JSA's. */
export const NEW_STYLE_KINDS: readonly ChangeKind[] = ["started_work", "stopped_work"];
export const ESA_KINDS: readonly ChangeKind[] = [...NEW_STYLE_KINDS, "health_condition_changed"];
export { TENURES };

/** The kinds a claim of this benefit can take. */
export const kindsFor = (claimType: string): readonly ChangeKind[] =>
  claimType === "universal_credit" ? CHANGE_KINDS : claimType === "new_style_esa" ? ESA_KINDS : NEW_STYLE_KINDS;

export type ChangeDraft = {
  kind: ChangeKind | "";
  happened: DateValue;
  tenure: string; rent: string; bedrooms: string;
  partnerDob: DateValue;
  sex: "" | "F" | "M";
  childDob: DateValue;
  employer: string; hours: string; pay: string;
  savings: string;
  /** health_condition_changed: does it affect the work you can do; UC: can you work at all; ESA: the
   * new fit note's last day (optional: a note may give none). */
  affectsWork: "" | "yes" | "no"; canWork: "" | "yes" | "some" | "no"; fitNoteUntil: DateValue;
  /** started_caring: hours a week, and whether the person cared for gets a qualifying benefit. */
  caringHours: string; caredForBenefit: "" | "yes" | "no";
};
export const emptyChange: ChangeDraft = {
  kind: "", happened: emptyDate, tenure: "", rent: "", bedrooms: "", partnerDob: emptyDate, sex: "",
  childDob: emptyDate, employer: "", hours: "", pay: "", savings: "",
  affectsWork: "", canWork: "", fitNoteUntil: emptyDate, caringHours: "", caredForBenefit: "",
};

/** The pages of the journey for a kind, after the first ("what has changed?"): its details (none for
 * a partner leaving or caring stopping), the date it happened, then "check your answers". */
export function changeSteps(kind: ChangeKind | ""): string[] {
  if (!kind) return ["kind"];
  return ["kind", ...(kind === "partner_left" || kind === "stopped_caring" ? [] : ["details"]), "date", "check"];
}

/** The fields the details page of a kind shows, in order (each a field id of the page). A health
 * condition that affects work asks UC whether they can work at all, New Style ESA the fit note's end. */
export function detailFields(kind: ChangeKind | "", d: ChangeDraft, claimType = "universal_credit"): string[] {
  switch (kind) {
    case "moving_home": return ["tenure", ...(RENTING.has(d.tenure) ? ["rent"] : []), "bedrooms"];
    case "rent_changed": return ["rent"];
    case "partner_joined": return ["partnerDob"];
    case "child_born": return ["sex"];
    case "child_left": return ["childDob"];
    case "started_work": return ["employer", "hours", "pay"];
    case "stopped_work": return ["employer"];
    case "savings_changed": return ["savings"];
    case "health_condition_changed":
      return ["affectsWork", ...(d.affectsWork === "yes" ? [claimType === "new_style_esa" ? "fitNoteUntil" : "canWork"] : [])];
    case "started_caring": return ["caringHours", "caredForBenefit"];
    default: return [];
  }
}

const DATE_PARTS = ["day", "month", "year"] as const;

/** The GOV.UK date input's errors for the day a change happened: nothing entered, a part missing, not a
 * real date, in the future, before the claim began (the claims API refuses the last two as well). */
export function checkHappened(d: DateValue, today: Date, claimDate: string | null, what: string): Problem | null {
  const missing = DATE_PARTS.filter((p) => !d[p].trim());
  if (missing.length === 3) return { key: "change.errors.dateMissing", values: named(what) };
  if (missing.length) return { key: `change.errors.datePart.${missing.join("-")}`, values: named(what) };
  const date = parseDate(d);
  if (!date) return { key: "change.errors.dateReal", values: named(what) };
  if (date.getTime() > today.getTime()) return { key: "change.errors.dateFuture", values: named(what) };
  if (claimDate && date.toISOString().slice(0, 10) < claimDate) return { key: "change.errors.dateEarly", values: { ...named(what), date: claimDate } };
  return null;
}

/** A date of birth on the details page: entered, real, not after the change (checked once both are known). */
function checkDob(d: DateValue, today: Date, what: string): Problem | null {
  const missing = DATE_PARTS.filter((p) => !d[p].trim());
  if (missing.length === 3) return { key: "change.errors.dateMissing", values: named(what) };
  if (missing.length) return { key: `change.errors.datePart.${missing.join("-")}`, values: named(what) };
  const date = parseDate(d);
  if (!date) return { key: "change.errors.dateReal", values: named(what) };
  if (date.getTime() > today.getTime()) return { key: "change.errors.dobFuture", values: named(what) };
  return null;
}

/** The problems with one page's answers, by field id, before anything is sent. `what` names a date in
 * the page's language (for the messages' {{what}}). */
export function checkChange(
  step: string, d: ChangeDraft, today: Date, claimDate: string | null, what: (key: string) => string,
  claimType = "universal_credit",
): Record<string, Problem> {
  const found: Record<string, Problem | null> = {};
  if (step === "kind") found.kind = d.kind ? null : { key: "change.errors.kind" };
  if (step === "details") {
    for (const field of detailFields(d.kind, d, claimType)) {
      if (field === "tenure") found.tenure = d.tenure ? null : { key: "claim.errors.tenure" };
      if (field === "rent") found.rent = checkMoney(d.rent, 100000);
      if (field === "bedrooms") found.bedrooms = checkCount(d.bedrooms, 0, 20);
      if (field === "partnerDob") found.partnerDob = checkDob(d.partnerDob, today, what("change.what.partnerDob"));
      if (field === "childDob") found.childDob = checkDob(d.childDob, today, what("change.what.childDob"));
      if (field === "sex") found.sex = d.sex ? null : { key: "errors.childSex" };
      if (field === "employer") {
        const name = d.employer.trim();
        found.employer = !name ? { key: "claim.errors.employer" } : name.length > 120 ? { key: "change.errors.employerLong" } : null;
      }
      if (field === "hours") found.hours = checkCount(d.hours, 1, 168);
      if (field === "pay") found.pay = checkMoney(d.pay, 100000);
      if (field === "savings") found.savings = checkMoney(d.savings, 1000000);
      if (field === "affectsWork") found.affectsWork = d.affectsWork ? null : { key: "change.errors.affectsWork" };
      if (field === "canWork") found.canWork = d.canWork ? null : { key: "change.errors.canWork" };
      if (field === "fitNoteUntil") found.fitNoteUntil = checkFitNote(d.fitNoteUntil, what("change.what.fitNoteUntil"));
      if (field === "caringHours") found.caringHours = checkCount(d.caringHours, 1, 168);
      if (field === "caredForBenefit") found.caredForBenefit = d.caredForBenefit ? null : { key: "change.errors.caredForBenefit" };
    }
  }
  if (step === "date") {
    const whatKey = d.kind === "child_born" ? "change.what.born" : "change.what.happened";
    found.happened = checkHappened(d.happened, today, claimDate, what(whatKey));
    // A partner's or a child's date of birth comes before the day they joined or left (the API's `order`).
    const dob = d.kind === "partner_joined" ? d.partnerDob : d.kind === "child_left" ? d.childDob : null;
    if (!found.happened && dob && isoDate(dob) && isoDate(dob) > isoDate(d.happened)) found.happened = { key: "change.errors.beforeBirth" };
    // A new fit note ends on or after the day the change happened (the API's `order`).
    const note = d.kind === "health_condition_changed" && d.affectsWork === "yes" ? isoDate(d.fitNoteUntil) : "";
    if (!found.happened && note && note < isoDate(d.happened)) found.happened = { key: "change.errors.afterFitNote" };
  }
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, Problem] => e[1] !== null));
}

/** A fit note's last day: optional (a note may say "for an unstated period"), but when any of it is
 * entered, a whole and real date. */
function checkFitNote(d: DateValue, what: string): Problem | null {
  const missing = DATE_PARTS.filter((p) => !d[p].trim());
  if (missing.length === 3) return null;
  if (missing.length) return { key: `change.errors.datePart.${missing.join("-")}`, values: named(what) };
  return parseDate(d) ? null : { key: "change.errors.dateReal", values: named(what) };
}

const monthly = (v: string) => ({ pence: toPence(v) ?? 0, frequency: "monthly" });

/** The body of `POST /v1/claims/{id}/changes` (`ChangeBody`): the kind, the day, and the facts it needs. */
export function changeBody(d: ChangeDraft): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: d.kind, happened_on: isoDate(d.happened) };
  switch (d.kind) {
    case "moving_home":
      // The API asks every move for the rent now: a home that is not rented has none.
      return { ...body, tenure: d.tenure, bedrooms: Number(d.bedrooms), rent: RENTING.has(d.tenure) ? monthly(d.rent) : monthly("0") };
    case "rent_changed": return { ...body, rent: monthly(d.rent) };
    case "partner_joined": return { ...body, date_of_birth: isoDate(d.partnerDob) };
    case "child_born": return { ...body, date_of_birth: isoDate(d.happened), sex: d.sex };
    case "child_left": return { ...body, date_of_birth: isoDate(d.childDob) };
    case "started_work": return { ...body, employer: d.employer.trim(), hours_per_week: Number(d.hours), pay: monthly(d.pay) };
    case "stopped_work": return { ...body, employer: d.employer.trim() };
    case "savings_changed": return { ...body, savings_pence: toPence(d.savings) ?? 0 };
    case "health_condition_changed": {
      const affects = d.affectsWork === "yes";
      const note = affects && DATE_PARTS.every((p) => d.fitNoteUntil[p].trim()) ? isoDate(d.fitNoteUntil) : "";
      return {
        ...body, condition_affects_work: affects,
        ...(affects && d.canWork ? { can_work: d.canWork } : {}), ...(note ? { fit_note_until: note } : {}),
      };
    }
    case "started_caring":
      return { ...body, caring_hours_per_week: Number(d.caringHours), cared_for_gets_qualifying_benefit: d.caredForBenefit === "yes" };
    default: return body;
  }
}

/** Where a problem of the claims API lands: the page and field of the answer its pointer names
 * (`#/happened_on` the date, `#/pay/pence` the pay), with a message in the page's language for that
 * field and the API's `code` (never the API's English `detail`). */
export function changeLanding(
  kind: ChangeKind | "", error: FieldProblem, what: (key: string) => string,
): { step: string; field: string; problem: Problem } {
  const head = error.pointer.replace(/^.*#\//, "").split("/")[0];
  const code = error.code ?? "";
  const table: Record<string, [string, string]> = {
    happened_on: ["date", "happened"], kind: ["kind", "kind"], tenure: ["details", "tenure"], rent: ["details", "rent"],
    bedrooms: ["details", "bedrooms"], sex: ["details", "sex"], employer: ["details", "employer"],
    hours_per_week: ["details", "hours"], pay: ["details", "pay"], savings_pence: ["details", "savings"],
    date_of_birth: kind === "partner_joined" ? ["details", "partnerDob"] : kind === "child_left" ? ["details", "childDob"] : ["date", "happened"],
    condition_affects_work: ["details", "affectsWork"], can_work: ["details", "canWork"], fit_note_until: ["details", "fitNoteUntil"],
    caring_hours_per_week: ["details", "caringHours"], cared_for_gets_qualifying_benefit: ["details", "caredForBenefit"],
  };
  const [step, field] = table[head] ?? ["check", "submit"];
  const byCode: Record<string, string> = {
    "happened_on:future": "change.errors.dateFuture", "happened_on:early": "change.errors.dateEarlyClaim",
    "kind:kind": kind === "stopped_caring" ? "change.errors.noCaring" : "change.errors.kindNotPaid",
    "date_of_birth:order": "change.errors.beforeBirth", "fit_note_until:order": "change.errors.fitNoteOrder",
  };
  const byField: Record<string, string> = {
    employer: kind === "stopped_work" ? "change.errors.noSuchJob" : "change.errors.employerRefused",
    date_of_birth: kind === "child_left" ? "change.errors.noSuchChild" : "change.errors.server",
    happened_on: "change.errors.dateReal",
  };
  const key = byCode[`${head}:${code}`] ?? byField[head] ?? (table[head] ? "change.errors.server" : "change.errors.refused");
  const whatKey: Record<string, string> = {
    happened: kind === "child_born" ? "change.what.born" : "change.what.happened",
    partnerDob: "change.what.partnerDob", childDob: "change.what.childDob", fitNoteUntil: "change.what.fitNoteUntil",
  };
  return { step, field, problem: { key, values: whatKey[field] ? named(what(whatKey[field])) : undefined } };
}

// --- the change as the API answers it ----------------------------------------------------------

export type RevisionView = { period_start: string; period_end: string; was_pence: number; now_pence: number; paid: boolean };
export type ChangeView = {
  id: string; claim_id: string; kind: ChangeKind; happened_on: string; reported_on: string; effective_from: string;
  rule: string; status: "revised" | "no_change_to_paid_periods" | "no_change_to_amount" | "waiting_for_caseworker" | string;
  overpayment_pence: number; overpayment_cause: "claimant" | "official_error" | null; arrears_pence: number;
  revisions: RevisionView[]; explanation: string[]; created_at?: string | null;
  /** A change a decision maker looks at first (a health condition): their work item, and the to-do the
   * citizen is asked to do for it (book an assessment, send a fit note), if any. */
  work_item_id?: string | null; todo_id?: string | null;
};

/** What happens next, by the change's status: its translation key. */
export const nextKey = (status: string) =>
  ["revised", "no_change_to_paid_periods", "no_change_to_amount", "waiting_for_caseworker"].includes(status)
    ? `change.done.next.${status}` : "change.done.next.other";
