import { describe, expect, it } from "vitest";
import { ageError, answerRows, fieldProblems, filtersFrom, NO_FILTERS, pageParams, queueQuery, reasonLines } from "./model";

describe("the queue's filters", () => {
  it("become the casework API's query, only with values it takes", () => {
    const f = { benefit: "new_style_esa", status: "submitted", age: " 14 ", assigned: "no", overdue: true, escalated: false };
    const q = new URL(queueQuery(f, "abc", 10), "http://x").searchParams;
    expect(Object.fromEntries(q)).toEqual({
      limit: "10", benefit: "new_style_esa", status: "submitted", older_than_days: "14", assigned: "false", overdue: "true", cursor: "abc",
    });
    expect(new URL(queueQuery({ ...NO_FILTERS, assigned: "mine" }), "http://x").searchParams.get("mine")).toBe("true");
  });

  it("read from the address refuse what the page never offers", () => {
    const f = filtersFrom(new URLSearchParams("benefit=pip&status=<b>&assigned=yes&overdue=1&age=9999"));
    expect(f).toEqual({ benefit: "", status: "", age: "9999", assigned: "yes", overdue: true, escalated: false });
    expect(ageError(f.age)).toBe(true);
    expect(new URL(queueQuery(f), "http://x").searchParams.has("older_than_days")).toBe(false);
    expect(pageParams(f).toString()).toBe("age=9999&assigned=yes&overdue=1");
  });

  it("take whole days from 0 to 3650 only (other scripts' digits too are refused)", () => {
    for (const ok of ["", "0", "3650", " 7 "]) expect(ageError(ok)).toBe(false);
    for (const bad of ["-1", "3651", "1.5", "١٤", "7\u0000", "twelve"]) expect(ageError(bad)).toBe(true);
  });
});

describe("a problem document's pointers", () => {
  it("name the form's fields, the first problem of each kept", () => {
    const found = fieldProblems({
      type: "x", title: "Unprocessable", status: 422,
      errors: [
        { pointer: "#/reasons/0", detail: "too long" },
        { pointer: "#/reasons/3", detail: "also" },
        { pointer: "query#/purpose", detail: "short" },
        { pointer: "", field: "outcome", detail: "missing" },
      ],
    });
    expect(Object.keys(found)).toEqual(["reasons", "purpose", "outcome"]);
    expect(found.reasons.detail).toBe("too long");
  });
});

describe("reasons and answers", () => {
  it("a reason a line, blank lines dropped", () => {
    expect(reasonLines(" Capital over the limit \r\n\n  Savings of £20,000\n ")).toEqual(["Capital over the limit", "Savings of £20,000"]);
  });

  it("answers flatten into rows a summary list shows", () => {
    const rows = answerRows({ household: { partner: false, children: [{ date_of_birth: "2019-06-03" }] }, capital: { savings_pence: 120000 } });
    expect(rows).toEqual([
      { section: "Household", rows: [{ key: "Partner", value: "No" }, { key: "Children 1: Date of birth", value: "2019-06-03" }] },
      { section: "Capital", rows: [{ key: "Savings pence", value: "120000" }] },
    ]);
  });
});
