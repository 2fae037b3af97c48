import { describe, expect, it } from "vitest";
import {
  changeBody, changeLanding, changeSteps, checkChange, checkHappened, detailFields, emptyChange, kindsFor, nextKey,
  type ChangeDraft,
} from "./change";

const today = new Date(Date.UTC(2026, 11, 3));
const CLAIMED = "2026-06-10";
const what = (k: string) => ({ "change.what.happened": "the date the change happened" })[k] ?? k;
const day = (d: string, m: string, y: string) => ({ day: d, month: m, year: y });
const draft = (over: Partial<ChangeDraft>): ChangeDraft => ({ ...emptyChange, ...over });

describe("the pages of a change", () => {
  it("asks the kind, its details (none for a partner leaving), the date, then check your answers", () => {
    expect(changeSteps("")).toEqual(["kind"]);
    expect(changeSteps("savings_changed")).toEqual(["kind", "details", "date", "check"]);
    expect(changeSteps("partner_left")).toEqual(["kind", "date", "check"]);
  });

  it("asks each kind for the facts the claims API needs", () => {
    expect(detailFields("moving_home", draft({ tenure: "social_rent" }))).toEqual(["tenure", "rent", "bedrooms"]);
    expect(detailFields("moving_home", draft({ tenure: "own_outright" }))).toEqual(["tenure", "bedrooms"]);
    expect(detailFields("started_work", emptyChange)).toEqual(["employer", "hours", "pay"]);
    expect(detailFields("child_born", emptyChange)).toEqual(["sex"]);
  });

  it("offers New Style JSA and ESA only work (and ESA a health condition): they pay nothing for a home, a partner, children, savings or caring", () => {
    expect(kindsFor("new_style_jsa")).toEqual(["started_work", "stopped_work"]);
    expect(kindsFor("new_style_esa")).toEqual(["started_work", "stopped_work", "health_condition_changed"]);
    expect(kindsFor("universal_credit")).toHaveLength(12);
    expect(kindsFor("universal_credit")).toEqual(expect.arrayContaining(["health_condition_changed", "started_caring", "stopped_caring"]));
  });

  it("asks a health condition whether it affects work, then UC whether they can work at all and ESA the fit note's end", () => {
    expect(detailFields("health_condition_changed", emptyChange)).toEqual(["affectsWork"]);
    expect(detailFields("health_condition_changed", draft({ affectsWork: "no" }))).toEqual(["affectsWork"]);
    expect(detailFields("health_condition_changed", draft({ affectsWork: "yes" }))).toEqual(["affectsWork", "canWork"]);
    expect(detailFields("health_condition_changed", draft({ affectsWork: "yes" }), "new_style_esa")).toEqual(["affectsWork", "fitNoteUntil"]);
    expect(detailFields("started_caring", emptyChange)).toEqual(["caringHours", "caredForBenefit"]);
    expect(changeSteps("stopped_caring")).toEqual(["kind", "date", "check"]);
  });
});

describe("the date it happened (the GOV.UK date input's errors)", () => {
  const check = (d: ReturnType<typeof day>) => checkHappened(d, today, CLAIMED, "the date the change happened");
  it("says what is missing", () => {
    expect(check(day("", "", ""))?.key).toBe("change.errors.dateMissing");
    expect(check(day("3", "", "2026"))?.key).toBe("change.errors.datePart.month");
    expect(check(day("", "", "2026"))?.key).toBe("change.errors.datePart.day-month");
    expect(check(day("3", "12", ""))?.values).toEqual({ what: "the date the change happened", What: "The date the change happened" });
  });
  it("refuses a date that is not real, in the future, or before the claim began", () => {
    expect(check(day("31", "2", "2026"))?.key).toBe("change.errors.dateReal");
    expect(check(day("1", "13", "2026"))?.key).toBe("change.errors.dateReal");
    expect(check(day("3", "12", "26"))?.key).toBe("change.errors.dateReal");
    expect(check(day("4", "12", "2026"))?.key).toBe("change.errors.dateFuture");
    expect(check(day("9", "6", "2026"))).toMatchObject({ key: "change.errors.dateEarly", values: { date: CLAIMED } });
  });
  it("takes today and the day the claim began", () => {
    expect(check(day("3", "12", "2026"))).toBeNull();
    expect(check(day("10", "6", "2026"))).toBeNull();
  });
  it("checks a date of birth comes before the day the partner joined", () => {
    const d = draft({ kind: "partner_joined", partnerDob: day("1", "1", "2027"), happened: day("1", "12", "2026") });
    expect(checkChange("details", d, today, CLAIMED, what).partnerDob?.key).toBe("change.errors.dobFuture");
    const later = draft({ kind: "partner_joined", partnerDob: day("2", "12", "2026"), happened: day("1", "12", "2026") });
    expect(checkChange("date", later, today, CLAIMED, what).happened?.key).toBe("change.errors.beforeBirth");
  });
});

describe("each page's checks", () => {
  it("asks for the kind", () => {
    expect(checkChange("kind", emptyChange, today, CLAIMED, what)).toEqual({ kind: { key: "change.errors.kind" } });
  });
  it("checks the details of the kind chosen only", () => {
    const d = draft({ kind: "started_work", employer: " ", hours: "200", pay: "abc", savings: "x" });
    expect(Object.keys(checkChange("details", d, today, CLAIMED, what)).sort()).toEqual(["employer", "hours", "pay"]);
    expect(checkChange("details", draft({ kind: "stopped_work", employer: "x".repeat(121) }), today, CLAIMED, what).employer?.key)
      .toBe("change.errors.employerLong");
    expect(checkChange("details", draft({ kind: "partner_left" }), today, CLAIMED, what)).toEqual({});
  });
  it("checks a health condition's and caring's answers", () => {
    const health = draft({ kind: "health_condition_changed" });
    expect(checkChange("details", health, today, CLAIMED, what)).toEqual({ affectsWork: { key: "change.errors.affectsWork" } });
    expect(checkChange("details", { ...health, affectsWork: "yes" }, today, CLAIMED, what)).toEqual({ canWork: { key: "change.errors.canWork" } });
    expect(checkChange("details", { ...health, affectsWork: "yes", canWork: "some" }, today, CLAIMED, what)).toEqual({});
    // ESA: a fit note's end is optional, but a part of it is not a date.
    const esa = { ...health, affectsWork: "yes" as const };
    expect(checkChange("details", esa, today, CLAIMED, what, "new_style_esa")).toEqual({});
    expect(checkChange("details", { ...esa, fitNoteUntil: day("1", "", "2027") }, today, CLAIMED, what, "new_style_esa").fitNoteUntil?.key)
      .toBe("change.errors.datePart.month");
    expect(checkChange("details", { ...esa, fitNoteUntil: day("31", "2", "2027") }, today, CLAIMED, what, "new_style_esa").fitNoteUntil?.key)
      .toBe("change.errors.dateReal");
    // A fit note that ends before the change happened is refused on the date page.
    const noted = { ...esa, fitNoteUntil: day("1", "9", "2026"), happened: day("1", "10", "2026") };
    expect(checkChange("date", noted, today, CLAIMED, what).happened?.key).toBe("change.errors.afterFitNote");
    const caring = draft({ kind: "started_caring", caringHours: "0" });
    expect(checkChange("details", caring, today, CLAIMED, what)).toEqual({
      caringHours: expect.objectContaining({ key: expect.any(String) }), caredForBenefit: { key: "change.errors.caredForBenefit" },
    });
    expect(checkChange("details", { ...caring, caringHours: "35", caredForBenefit: "no" }, today, CLAIMED, what)).toEqual({});
  });
});

describe("the body the claims API takes", () => {
  const happened = day("1", "11", "2026");
  it("sends each kind's facts as ChangeBody names them", () => {
    expect(changeBody(draft({ kind: "savings_changed", happened, savings: "1,200.50" })))
      .toEqual({ kind: "savings_changed", happened_on: "2026-11-01", savings_pence: 120050 });
    expect(changeBody(draft({ kind: "moving_home", happened, tenure: "private_rent", rent: "650", bedrooms: "2" })))
      .toEqual({ kind: "moving_home", happened_on: "2026-11-01", tenure: "private_rent", bedrooms: 2, rent: { pence: 65000, frequency: "monthly" } });
    expect(changeBody(draft({ kind: "moving_home", happened, tenure: "own_outright", rent: "650", bedrooms: "3" })).rent)
      .toEqual({ pence: 0, frequency: "monthly" });
    expect(changeBody(draft({ kind: "started_work", happened, employer: " Corner Shop Ltd ", hours: "16", pay: "900" })))
      .toEqual({ kind: "started_work", happened_on: "2026-11-01", employer: "Corner Shop Ltd", hours_per_week: 16, pay: { pence: 90000, frequency: "monthly" } });
    expect(changeBody(draft({ kind: "partner_left", happened, employer: "left over" }))).toEqual({ kind: "partner_left", happened_on: "2026-11-01" });
  });
  it("sends a health condition's and caring's facts as ChangeBody names them", () => {
    expect(changeBody(draft({ kind: "health_condition_changed", happened, affectsWork: "yes", canWork: "no" })))
      .toEqual({ kind: "health_condition_changed", happened_on: "2026-11-01", condition_affects_work: true, can_work: "no" });
    expect(changeBody(draft({ kind: "health_condition_changed", happened, affectsWork: "no", canWork: "no" })))
      .toEqual({ kind: "health_condition_changed", happened_on: "2026-11-01", condition_affects_work: false });
    expect(changeBody(draft({ kind: "health_condition_changed", happened, affectsWork: "yes", fitNoteUntil: day("31", "1", "2027") })))
      .toEqual({ kind: "health_condition_changed", happened_on: "2026-11-01", condition_affects_work: true, fit_note_until: "2027-01-31" });
    expect(changeBody(draft({ kind: "started_caring", happened, caringHours: "35", caredForBenefit: "yes" })))
      .toEqual({ kind: "started_caring", happened_on: "2026-11-01", caring_hours_per_week: 35, cared_for_gets_qualifying_benefit: true });
    expect(changeBody(draft({ kind: "stopped_caring", happened, caringHours: "35" }))).toEqual({ kind: "stopped_caring", happened_on: "2026-11-01" });
  });
  it("sends a baby's date of birth as the day it happened (the API requires them equal)", () => {
    expect(changeBody(draft({ kind: "child_born", happened, sex: "F" })))
      .toEqual({ kind: "child_born", happened_on: "2026-11-01", date_of_birth: "2026-11-01", sex: "F" });
  });
});

describe("where the API's problems land", () => {
  it("puts each pointer on its page and field, with a message of ours for its code", () => {
    expect(changeLanding("savings_changed", { pointer: "#/happened_on", detail: "x", code: "future" }, what))
      .toMatchObject({ step: "date", field: "happened", problem: { key: "change.errors.dateFuture", values: { What: "The date the change happened" } } });
    expect(changeLanding("savings_changed", { pointer: "#/happened_on", detail: "x", code: "early" }, what).problem.key).toBe("change.errors.dateEarlyClaim");
    expect(changeLanding("started_work", { pointer: "#/pay/pence", detail: "x", code: "less_than_equal" }, what))
      .toMatchObject({ step: "details", field: "pay", problem: { key: "change.errors.server" } });
    expect(changeLanding("stopped_work", { pointer: "#/employer", detail: "No job on your claim is with this employer" }, what))
      .toMatchObject({ step: "details", field: "employer", problem: { key: "change.errors.noSuchJob" } });
    expect(changeLanding("child_left", { pointer: "#/date_of_birth", detail: "x" }, what))
      .toMatchObject({ step: "details", field: "childDob", problem: { key: "change.errors.noSuchChild" } });
    expect(changeLanding("child_born", { pointer: "#/date_of_birth", detail: "x", code: "order" }, what)).toMatchObject({ step: "date", field: "happened" });
  });
  it("puts a health condition's and caring's problems on their fields", () => {
    expect(changeLanding("health_condition_changed", { pointer: "#/can_work", detail: "x", code: "missing" }, what))
      .toMatchObject({ step: "details", field: "canWork" });
    expect(changeLanding("health_condition_changed", { pointer: "#/fit_note_until", detail: "x", code: "order" }, what))
      .toMatchObject({ step: "details", field: "fitNoteUntil", problem: { key: "change.errors.fitNoteOrder" } });
    expect(changeLanding("started_caring", { pointer: "#/caring_hours_per_week", detail: "x" }, what))
      .toMatchObject({ step: "details", field: "caringHours" });
    expect(changeLanding("stopped_caring", { pointer: "#/kind", detail: "x", code: "kind" }, what))
      .toMatchObject({ step: "kind", problem: { key: "change.errors.noCaring" } });
    expect(changeLanding("started_caring", { pointer: "#/whose", detail: "x" }, what)).toMatchObject({ step: "check" });
  });
  it("keeps a problem about nothing it asked on check your answers", () => {
    expect(changeLanding("savings_changed", { pointer: "#/surprise", detail: "x" }, what))
      .toMatchObject({ step: "check", problem: { key: "change.errors.refused" } });
  });
  it("says what happens next for each status the API answers", () => {
    expect(nextKey("waiting_for_caseworker")).toBe("change.done.next.waiting_for_caseworker");
    expect(nextKey("something new")).toBe("change.done.next.other");
  });
});
