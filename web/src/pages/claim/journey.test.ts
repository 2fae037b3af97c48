import { describe, expect, it } from "vitest";
import { check, emptyDraft, fromAnswers, landing, sectionBody, steps } from "./journey";

const today = new Date(Date.UTC(2026, 11, 1));
const what = (k: string) => k;

describe("applying for Universal Credit", () => {
  it("asks one thing a page, skipping the pages a 'no' makes moot", () => {
    expect(steps("household", { ...emptyDraft, partner: "no", children: "2" })).toEqual(["partner", "children", "child-1", "child-2"]);
    expect(steps("household", { ...emptyDraft, partner: "yes", children: "0" })).toEqual(["partner", "partner-date-of-birth", "children"]);
    expect(steps("housing", { ...emptyDraft, tenure: "own_outright" })).toEqual(["tenure", "bedrooms"]);
    expect(steps("housing", { ...emptyDraft, tenure: "private_rent" })).toEqual(["tenure", "rent", "landlord", "bedrooms"]);
    expect(steps("household", { ...emptyDraft, children: "99" })).toHaveLength(2 + 10); // at most ten children
  });

  it("checks a page before anything is sent, hostile input included", () => {
    expect(check("partner", emptyDraft, today, what)).toEqual({ partner: { key: "claim.errors.partner" } });
    expect(Object.keys(check("rent", { ...emptyDraft, rent: "٤٥٠" }, today, what))).toEqual(["rent"]); // Arabic-Indic digits
    expect(Object.keys(check("bedrooms", { ...emptyDraft, bedrooms: "2\u0000" }, today, what))).toEqual(["bedrooms"]);
    const future = { ...emptyDraft, childList: [{ dob: { day: "1", month: "1", year: "9999" }, sex: "F" as const }] };
    expect(check("child-1", future, today, what)).toEqual({ childDob: { key: "errors.dateFuture", values: { what: "errors.whatChildDob", What: "Errors.whatChildDob" } } });
  });

  it("sends each section as the claims API takes it, and reads it back the same", () => {
    const d = { ...emptyDraft, partner: "no" as const, children: "1", childList: [{ dob: { day: "3", month: "6", year: "2019" }, sex: "F" as const }],
      tenure: "social_rent", rent: "450.50", landlord: "council", bedrooms: "2" };
    const household = sectionBody("household", d);
    expect(household).toEqual({ lives_with_partner: false, partner: null, children: [{ date_of_birth: "2019-06-03", sex: "F" }] });
    const housing = sectionBody("housing", d);
    expect(housing).toEqual({ tenure: "social_rent", bedrooms: 2, rent: { pence: 45050, frequency: "monthly" }, landlord: { kind: "council" } });
    expect(fromAnswers({ household, housing })).toMatchObject({ children: "1", rent: "450.50", tenure: "social_rent", landlord: "council" });
  });

  it("lands the API's problems on the page and field of the answer", () => {
    expect(landing("household", { pointer: "#/children/1/date_of_birth", detail: "x" })).toEqual({ step: "child-2", field: "childDob" });
    expect(landing("housing", { pointer: "#/rent", detail: "x" })).toEqual({ step: "rent", field: "rent" });
    expect(landing("income", { pointer: "#/employments/0/started_on", detail: "x" })).toEqual({ step: "job-details", field: "started" });
  });
});
