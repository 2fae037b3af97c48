// Applying for New Style JSA and New Style ESA, as plain data (no page code): each benefit's sections as
// the claims service names them, the question pages of each ("one thing per page"), the checks on a
// page's answers, each section's body for `PUT /v1/claims/{id}/sections/{section}`, saved answers back
// into the draft, and where a problem pointer from the API lands.
import type { FieldProblem } from "../../api";
import { type DateValue, emptyDate } from "../../components/govuk";
import { checkCount, checkDate, checkMoney, isoDate, named, parseDate, type Problem, toPence } from "../estimate/journey";
import { dateOf, poundsOf } from "./journey";

export type Benefit = "new_style_jsa" | "new_style_esa";
export const BENEFIT_SECTIONS: Record<Benefit, string[]> = {
  new_style_jsa: ["work_history", "availability", "jobseeking", "income"],
  new_style_esa: ["condition", "fit_note", "treatment", "income"],
};
export const LEAVING = ["still_employed", "redundancy", "end_of_contract", "dismissed", "resigned", "ill_health", "retired"] as const;
export const TREATMENTS = ["chemotherapy", "radiotherapy", "dialysis", "plasmapheresis", "parenteral_nutrition"] as const;
export const LONGEST_TEXT = 2000;

type YesNo = "" | "yes" | "no";
export type NsDraft = {
  hadJob: YesNo; employer: string; jobStarted: DateValue; jobEnded: DateValue; jobHours: string; leaving: string; leavingDetail: string;
  availableNow: YesNo; availableHours: string; restrictions: string;
  seeking: YesNo; kindsOfWork: string;
  workHours: string; earnings: string;
  condition: string; conditionStarted: DateValue;
  hasFitNote: YesNo; fitStarts: DateValue; fitEnds: DateValue;
  inHospital: YesNo; treatments: string[];
};
export const emptyNsDraft: NsDraft = {
  hadJob: "", employer: "", jobStarted: emptyDate, jobEnded: emptyDate, jobHours: "", leaving: "", leavingDetail: "",
  availableNow: "", availableHours: "", restrictions: "",
  seeking: "", kindsOfWork: "",
  workHours: "", earnings: "",
  condition: "", conditionStarted: emptyDate,
  hasFitNote: "", fitStarts: emptyDate, fitEnds: emptyDate,
  inHospital: "", treatments: [],
};

/** The pages of a section, in order, for the answers so far. */
export function nsSteps(section: string, d: NsDraft): string[] {
  const pages: Record<string, (string | false)[]> = {
    work_history: ["had-job", d.hadJob === "yes" && "job", d.hadJob === "yes" && "leaving"],
    availability: ["available-now", "available-hours"],
    jobseeking: ["seeking", d.seeking === "yes" && "kinds-of-work"],
    income: ["work-now"],
    condition: ["condition"],
    fit_note: ["has-fit-note", d.hasFitNote === "yes" && "fit-note-dates"],
    treatment: ["in-hospital", "treatments"],
  };
  return (pages[section] ?? []).filter((s): s is string => Boolean(s));
}

const blank = (d: DateValue) => !d.day.trim() && !d.month.trim() && !d.year.trim();
const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

function checkText(value: string, key: string): Problem | null {
  if (!value.trim()) return { key };
  return value.length > LONGEST_TEXT ? { key: "ns.errors.tooLong", values: { max: LONGEST_TEXT } } : null;
}

/** The problems with one page's answers, by field id, before anything is sent. */
export function nsCheck(step: string, d: NsDraft, today: Date, what: (key: string) => string): Record<string, Problem> {
  const found: Record<string, Problem | null> = {};
  const chosen = (field: keyof NsDraft, key: string) => { found[field] = d[field] ? null : { key }; };
  if (step === "had-job") chosen("hadJob", "ns.errors.hadJob");
  if (step === "job") {
    found.employer = checkText(d.employer, "ns.errors.employer");
    found.jobStarted = checkDate(d.jobStarted, what("ns.errors.whatJobStarted"), today);
    found.jobHours = checkCount(d.jobHours, 1, 168);
  }
  if (step === "leaving") {
    chosen("leaving", "ns.errors.leaving");
    if (d.leaving && d.leaving !== "still_employed") {
      found.jobEnded = checkDate(d.jobEnded, what("ns.errors.whatJobEnded"), today);
      const [start, end] = [parseDate(d.jobStarted), parseDate(d.jobEnded)];
      if (!found.jobEnded && start && end && end < start) found.jobEnded = { key: "ns.errors.endBeforeStart" };
    }
    if (d.leavingDetail.length > LONGEST_TEXT) found.leavingDetail = { key: "ns.errors.tooLong", values: { max: LONGEST_TEXT } };
  }
  if (step === "available-now") chosen("availableNow", "ns.errors.availableNow");
  if (step === "available-hours") {
    found.availableHours = checkCount(d.availableHours, 0, 168);
    if (d.restrictions.length > LONGEST_TEXT) found.restrictions = { key: "ns.errors.tooLong", values: { max: LONGEST_TEXT } };
  }
  if (step === "seeking") chosen("seeking", "ns.errors.seeking");
  if (step === "kinds-of-work") found.kindsOfWork = checkText(d.kindsOfWork, "ns.errors.kindsOfWork");
  if (step === "work-now") {
    found.workHours = checkCount(d.workHours, 0, 168);
    found.earnings = d.earnings.trim() ? checkMoney(d.earnings, 100000) : null;
  }
  if (step === "condition") {
    found.condition = checkText(d.condition, "ns.errors.condition");
    found.conditionStarted = checkDate(d.conditionStarted, what("ns.errors.whatConditionStarted"), today);
  }
  if (step === "has-fit-note") chosen("hasFitNote", "ns.errors.hasFitNote");
  if (step === "fit-note-dates") {
    found.fitStarts = checkDate(d.fitStarts, what("ns.errors.whatFitStarts"), today);
    if (!blank(d.fitEnds)) {
      const [start, end] = [parseDate(d.fitStarts), parseDate(d.fitEnds)];
      found.fitEnds = end ? (start && end < start ? { key: "ns.errors.endBeforeStart" } : null)
        : { key: "errors.dateInvalid", values: named(what("ns.errors.whatFitEnds")) };
    }
  }
  if (step === "in-hospital") chosen("inHospital", "ns.errors.inHospital");
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, Problem] => e[1] !== null));
}

/** A section's answers as the claims API takes them. */
export function nsBody(section: string, d: NsDraft): Record<string, unknown> {
  switch (section) {
    case "work_history":
      return {
        jobs: d.hadJob === "yes" ? [{
          employer: d.employer.trim(), started_on: isoDate(d.jobStarted),
          ended_on: d.leaving === "still_employed" ? null : isoDate(d.jobEnded),
          hours_per_week: Number(d.jobHours), reason_for_leaving: d.leaving, reason_detail: d.leavingDetail.trim(),
        }] : [],
      };
    case "availability":
      return { available_now: d.availableNow === "yes", hours_per_week: Number(d.availableHours), restrictions: d.restrictions.trim() };
    case "jobseeking":
      return { actively_seeking: d.seeking === "yes", kinds_of_work: d.seeking === "yes" ? lines(d.kindsOfWork) : [], steps_taken: [] };
    case "income": {
      const pence = toPence(d.earnings) ?? 0;
      return { hours_per_week: Number(d.workHours), earnings: pence > 0 ? { pence, frequency: "weekly" } : null };
    }
    case "condition":
      return { description: d.condition.trim(), started_on: isoDate(d.conditionStarted), affects_work: true };
    case "fit_note":
      return d.hasFitNote === "yes"
        ? { has_fit_note: true, fit_note: { starts_on: isoDate(d.fitStarts), ends_on: blank(d.fitEnds) ? null : isoDate(d.fitEnds), issued_by: "gp" } }
        : { has_fit_note: false, fit_note: null };
    case "treatment":
      return { in_hospital: d.inHospital === "yes", treatments: d.treatments, waiting_for_treatment: false, terminally_ill: false };
    default:
      return {};
  }
}

/** Where a problem from the claims API lands: the page and field of the answer its pointer names
 * (`#/jobs/0/ended_on`, or with the section first, `#/work_history/jobs/0/ended_on`). */
export function nsLanding(section: string, error: FieldProblem): { step: string; field: string } {
  const parts = error.pointer.replace(/^.*#\//, "").split("/").filter((p) => p !== section);
  const leaf = parts[parts.length - 1];
  const table: Record<string, [string, string]> = {
    employer: ["job", "employer"], started_on: ["job", "jobStarted"], hours_per_week: ["job", "jobHours"],
    ended_on: ["leaving", "jobEnded"], reason_for_leaving: ["leaving", "leaving"], reason_detail: ["leaving", "leavingDetail"],
    available_now: ["available-now", "availableNow"], restrictions: ["available-hours", "restrictions"],
    actively_seeking: ["seeking", "seeking"], kinds_of_work: ["kinds-of-work", "kindsOfWork"],
    earnings: ["work-now", "earnings"], description: ["condition", "condition"],
    has_fit_note: ["has-fit-note", "hasFitNote"], fit_note: ["fit-note-dates", "fitStarts"], starts_on: ["fit-note-dates", "fitStarts"],
    ends_on: ["fit-note-dates", "fitEnds"], in_hospital: ["in-hospital", "inHospital"], treatments: ["treatments", "treatments"],
  };
  if (section === "availability" && leaf === "hours_per_week") return { step: "available-hours", field: "availableHours" };
  if (section === "income" && leaf === "hours_per_week") return { step: "work-now", field: "workHours" };
  if (section === "condition" && leaf === "started_on") return { step: "condition", field: "conditionStarted" };
  if (parts.includes("kinds_of_work")) return { step: "kinds-of-work", field: "kindsOfWork" };
  const hit = table[leaf];
  const first = nsSteps(section, emptyNsDraft)[0];
  return hit ? { step: hit[0], field: hit[1] } : { step: first, field: first };
}

/** Saved sections (as the API gives them back) in the draft, so "change" starts from them. */
export function nsFromAnswers(answers: Record<string, unknown>): Partial<NsDraft> {
  const d: Partial<NsDraft> = {};
  const [date, pounds] = [dateOf, poundsOf];
  const a = answers as Record<string, Record<string, any> | undefined>;
  if (a.work_history) {
    const job = (a.work_history.jobs ?? [])[0];
    d.hadJob = job ? "yes" : "no";
    if (job) Object.assign(d, { employer: job.employer, jobStarted: date(job.started_on), jobEnded: date(job.ended_on),
      jobHours: String(job.hours_per_week), leaving: job.reason_for_leaving, leavingDetail: job.reason_detail ?? "" });
  }
  if (a.availability) {
    d.availableNow = a.availability.available_now ? "yes" : "no";
    d.availableHours = String(a.availability.hours_per_week); d.restrictions = a.availability.restrictions ?? "";
  }
  if (a.jobseeking) { d.seeking = a.jobseeking.actively_seeking ? "yes" : "no"; d.kindsOfWork = (a.jobseeking.kinds_of_work ?? []).join("\n"); }
  if (a.income) { d.workHours = String(a.income.hours_per_week ?? 0); d.earnings = pounds(a.income.earnings?.pence); }
  if (a.condition) { d.condition = a.condition.description; d.conditionStarted = date(a.condition.started_on); }
  if (a.fit_note) {
    d.hasFitNote = a.fit_note.has_fit_note ? "yes" : "no";
    d.fitStarts = date(a.fit_note.fit_note?.starts_on); d.fitEnds = date(a.fit_note.fit_note?.ends_on);
  }
  if (a.treatment) { d.inHospital = a.treatment.in_hospital ? "yes" : "no"; d.treatments = a.treatment.treatments ?? []; }
  return d;
}
