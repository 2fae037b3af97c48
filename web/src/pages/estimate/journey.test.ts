import { describe, expect, it } from "vitest";
import { longDate } from "../../dates";
import {
  checkDate, checkMoney, checkPostcode, emptyAnswers, estimateRequest, inLondonPostalDistrict, landing, steps, toPence,
} from "./journey";

const today = new Date(Date.UTC(2026, 0, 15));

describe("the journey's pages", () => {
  it("asks about a partner and children only when there are some", () => {
    expect(steps(emptyAnswers)).toEqual(["date-of-birth", "partner", "children", "housing", "london", "earnings", "savings"]);
    const renting = { ...emptyAnswers, partner: "yes" as const, children: "2", housing: "social" as const };
    expect(steps(renting)).toEqual([
      "date-of-birth", "partner", "partner-date-of-birth", "children", "child-1", "child-2",
      "housing", "rent", "bedrooms", "london", "earnings", "partner-earnings", "savings",
    ]);
  });
});

describe("a private rent's area (issue 13: nobody knows their Local Housing Allowance)", () => {
  const renter = { ...emptyAnswers, partner: "no" as const, children: "0", housing: "private" as const };

  it("asks for the postcode after the rent, and for the area only when the API says it lies in several", () => {
    expect(steps(renter)).toEqual(["date-of-birth", "partner", "children", "housing", "rent", "bedrooms", "postcode", "london", "earnings", "savings"]);
    const choices = [{ brma: "inner-south-west-london", name: "Inner South West London" }, { brma: "inner-south-east-london", name: "Inner South East London" }];
    expect(steps({ ...renter, areaChoices: choices })).toContain("area");
    expect(steps({ ...renter, housing: "social" })).not.toContain("postcode");
  });

  it("sends the postcode (and the chosen area) instead of LHA figures", () => {
    const body = estimateRequest({ ...renter, rent: "900", bedrooms: "1", postcode: " sw9 8ab ", area: "inner-south-east-london" }, "2026-01-15");
    expect(body.universal_credit.housing).toEqual({
      tenure: "private", monthly_rent: 90000, bedrooms: 1, postcode: "sw9 8ab", brma: "inner-south-east-london",
    });
    expect(estimateRequest({ ...renter, rent: "900", bedrooms: "1", postcode: "LS6 1AA" }, "2026-01-15").universal_credit.housing)
      .not.toHaveProperty("brma");
  });

  it("asks whether the home is in London unless the postcode is in the London postal district", () => {
    // The benefit cap is higher in Greater London (UC Regs 2013 reg 80A(2)); the London postal district
    // (E, EC, N, NW, SE, SW, W, WC) lies wholly within it, an outer post town (CR, BR, ...) need not.
    expect(steps({ ...renter, postcode: "sw9 8ab" })).not.toContain("london");
    expect(steps({ ...renter, postcode: "EC1A 1BB" })).not.toContain("london");
    expect(steps({ ...renter, postcode: "CR0 1AA" })).toContain("london");
    expect(steps({ ...renter, postcode: "NE1 4ST" })).toContain("london");
    expect(inLondonPostalDistrict("W1A 1AA")).toBe(true);
    expect(inLondonPostalDistrict("WA1 1AA")).toBe(false);
    expect(estimateRequest({ ...renter, london: "yes" }, "2026-01-15").universal_credit.london).toBe(true);
    expect(estimateRequest({ ...renter, london: "no" }, "2026-01-15").universal_credit.london).toBe(false);
    expect(landing({ pointer: "#/universal_credit/london", detail: "x" })?.step).toBe("london");
  });

  it("checks the postcode's shape and sends Northern Ireland to the Department for Communities", () => {
    expect(checkPostcode("ls6 1aa")).toBeNull();
    expect(checkPostcode("LS6")?.key).toBe("errors.postcode");
    expect(checkPostcode("not a postcode")?.key).toBe("errors.postcode");
    expect(checkPostcode("BT1 1AA")?.key).toBe("errors.postcodeNi");
  });

  it("lands the API's area problems on the postcode and area pages", () => {
    expect(landing({ pointer: "#/universal_credit/housing/brma", detail: "SW9 lies in more than one", code: "choose_area" }))
      .toEqual({ step: "area", field: "area", problem: { key: "errors.area" } });
    expect(landing({ pointer: "#/universal_credit/housing/postcode", detail: "Benefits in Northern Ireland are run by its Department for Communities", code: "claim_elsewhere" })?.problem.key)
      .toBe("errors.postcodeNi");
    expect(landing({ pointer: "#/universal_credit/housing/postcode", detail: "The Channel Islands and the Isle of Man run their own social security", code: "claim_elsewhere" })?.problem.key)
      .toBe("errors.postcodeElsewhere");
    expect(landing({ pointer: "#/universal_credit/housing/postcode", detail: "not a postcode", code: "invalid_circumstances" }))
      .toEqual({ step: "postcode", field: "postcode", problem: { key: "errors.postcode" } });
  });
});

describe("checks", () => {
  it("refuses missing, impossible and future dates", () => {
    expect(checkDate({ day: "", month: "", year: "" }, "your date of birth", today)?.key).toBe("errors.dateMissing");
    expect(checkDate({ day: "31", month: "2", year: "1990" }, "x", today)?.key).toBe("errors.dateInvalid");
    expect(checkDate({ day: "1", month: "1", year: "90" }, "x", today)?.key).toBe("errors.dateInvalid");
    expect(checkDate({ day: "16", month: "1", year: "2026" }, "x", today)?.key).toBe("errors.dateFuture");
    expect(checkDate({ day: "29", month: "2", year: "2024" }, "x", today)).toBeNull();
  });

  it("reads pounds as people type them, into integer pence", () => {
    expect(toPence("600")).toBe(60000);
    expect(toPence("£1,200.5")).toBe(120050);
    expect(toPence("12.345")).toBeNull();
    expect(toPence("-5")).toBeNull();
    expect(checkMoney("20000", 10000)?.key).toBe("errors.moneyRange");
  });
});

describe("the request and the API's answers", () => {
  it("builds the benefits API's request from the answers", () => {
    const body = estimateRequest(
      {
        ...emptyAnswers,
        dob: { day: "14", month: "2", year: "1990" },
        partner: "no",
        children: "1",
        childList: [{ dob: { day: "3", month: "6", year: "2019" }, sex: "F" }],
        housing: "social",
        rent: "600",
        bedrooms: "2",
        earnings: "900.50",
        savings: "0",
      },
      "2026-01-15",
    );
    expect(body.universal_credit).toMatchObject({
      assessment_period_start: "2026-01-15",
      couple: false,
      adults: [{ date_of_birth: "1990-02-14", earnings: { gross: 90050 } }],
      children: [{ date_of_birth: "2019-06-03", sex: "F" }],
      housing: { tenure: "social", monthly_rent: 60000, bedrooms: 2 },
      capital: 0,
      gross_estimate: true,
    });
  });

  it("asks an owner for service charges, and sends them as the owner tenure", () => {
    // UC Regs 2013 Sch 5: an owner-occupier's eligible service charges are met (no rent, no LHA).
    const owner = { ...emptyAnswers, dob: { day: "14", month: "2", year: "1990" }, partner: "no" as const, children: "0", housing: "owner" as const };
    expect(steps(owner)).toContain("service-charges");
    expect(steps(owner)).not.toContain("rent");
    const body = estimateRequest({ ...owner, serviceCharges: "85.50", earnings: "0", savings: "0" }, "2026-01-15");
    expect(body.universal_credit.housing).toEqual({ tenure: "owner", service_charges: 8550, bedrooms: 0 });
    // No service charges: nothing UC meets, so no housing costs.
    expect(estimateRequest({ ...owner, serviceCharges: "0", earnings: "0", savings: "0" }, "2026-01-15").universal_credit.housing)
      .toEqual({ tenure: "none" });
    expect(landing({ pointer: "#/universal_credit/housing/service_charges", detail: "x" })?.step).toBe("service-charges");
  });

  it("lands each problem pointer on its page and field", () => {
    expect(landing({ pointer: "#/universal_credit/children/0/date_of_birth", detail: "a child or young person is under 20" }))
      .toEqual({ step: "child-1", field: "childDob", problem: { key: "errors.childAge" } });
    expect(landing({ pointer: "#/universal_credit/adults/1/date_of_birth", detail: "age must be 16 to State Pension age" }))
      .toEqual({ step: "partner-date-of-birth", field: "partnerDob", problem: { key: "errors.partnerAge" } });
    expect(landing({ pointer: "#/universal_credit/capital", detail: "x" })?.step).toBe("savings");
    expect(landing({ pointer: "#/tax_year", detail: "x" })).toBeNull();
  });
});

describe("dates in words", () => {
  it("writes dates as GOV.UK does, in both languages", () => {
    expect(longDate("1990-02-14", "en")).toBe("14 February 1990");
    expect(longDate("1992-08-03", "cy")).toBe("3 Awst 1992");
    expect(longDate("not a date", "en")).toBe("not a date");
  });
});

describe("a date's messages in words", () => {
  it("names the date at the start of a sentence too (\"{{What}} must be a real date\")", async () => {
    const { i18next, setupI18n } = await import("../../i18n");
    await setupI18n("en");
    const today = new Date(Date.UTC(2026, 11, 3));
    const p = checkDate({ day: "31", month: "2", year: "1990" }, "your date of birth", today)!;
    expect(i18next.t(p.key, p.values)).toBe("Your date of birth must be a real date");
    const future = checkDate({ day: "1", month: "1", year: "2027" }, "your date of birth", today)!;
    expect(i18next.t(future.key, future.values)).toBe("Your date of birth must be in the past");
  });
});
