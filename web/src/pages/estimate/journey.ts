// The "check what you could get" journey as data: its answers, the order of its pages (which depends on
// the answers), the checks on each answer, the request to the benefits API, and where each of the API's
// problem pointers lands.
import type { AreaChoice, FieldProblem } from "../../api";
import type { DateValue } from "../../components/govuk";

export type Child = { dob: DateValue; sex: "" | "F" | "M" };
export type Answers = {
  dob: DateValue;
  partner: "" | "yes" | "no";
  partnerDob: DateValue;
  children: string;
  childList: Child[];
  housing: "" | "none" | "social" | "private" | "owner";
  rent: string;
  /** An owner's monthly service charges: Universal Credit meets eligible ones (UC Regs 2013 Sch 5). */
  serviceCharges: string;
  bedrooms: string;
  /** A private rent's postcode: the benefits API finds the Local Housing Allowance area from it. */
  postcode: string;
  /** The Broad Rental Market Area chosen, when the API said the postcode's district lies in several. */
  area: string;
  areaChoices: AreaChoice[];
  /** Lives in Greater London: the benefit cap is higher there (UC Regs 2013 reg 80A(2)). Asked unless
   * the postcode already says so; the API also finds it from an inner London area. */
  london: "" | "yes" | "no";
  earnings: string;
  partnerEarnings: string;
  savings: string;
};

const noDate: DateValue = { day: "", month: "", year: "" };
export const emptyAnswers: Answers = {
  dob: noDate,
  partner: "",
  partnerDob: noDate,
  children: "",
  childList: [],
  housing: "",
  rent: "",
  serviceCharges: "",
  bedrooms: "",
  postcode: "",
  area: "",
  areaChoices: [],
  london: "",
  earnings: "",
  partnerEarnings: "",
  savings: "",
};

export const BASE = "/check-what-you-could-get";
export const MAX_CHILDREN = 10;

/** The pages in order for these answers (a partner's pages only with a partner, and so on). */
export function steps(a: Answers): string[] {
  const list = ["date-of-birth", "partner"];
  if (a.partner === "yes") list.push("partner-date-of-birth");
  list.push("children");
  const count = Number.parseInt(a.children, 10);
  for (let n = 1; n <= (Number.isFinite(count) ? Math.min(count, MAX_CHILDREN) : 0); n++) list.push(`child-${n}`);
  list.push("housing");
  if (a.housing === "social" || a.housing === "private") list.push("rent", "bedrooms");
  if (a.housing === "owner") list.push("service-charges");
  if (a.housing === "private") list.push("postcode");
  if (a.housing === "private" && a.areaChoices.length > 0) list.push("area");
  if (!(a.housing === "private" && inLondonPostalDistrict(a.postcode))) list.push("london");
  list.push("earnings");
  if (a.partner === "yes") list.push("partner-earnings");
  list.push("savings");
  return list;
}

/** The London postal district (postcode areas E, EC, N, NW, SE, SW, W and WC) lies wholly within Greater
 * London, so a private renter's postcode there answers the London question (the API's
 * rates/lha/greater-london.toml says the same). */
export function inLondonPostalDistrict(postcode: string): boolean {
  const area = /^([A-Z]{1,2})[0-9]/.exec(postcode.replace(/\s+/g, "").toUpperCase())?.[1] ?? "";
  return ["E", "EC", "N", "NW", "SE", "SW", "W", "WC"].includes(area);
}

// --- checks: each returns the translation key of the problem and its values, or null --------

export type Problem = { key: string; values?: Record<string, string | number> };

export function parseDate(d: DateValue): Date | null {
  const [day, month, year] = [d.day, d.month, d.year].map((v) => v.trim());
  if (![day, month].every((v) => /^\d{1,2}$/.test(v)) || !/^\d{4}$/.test(year)) return null;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCDate() === Number(day) && date.getUTCMonth() === Number(month) - 1 ? date : null;
}

export function isoDate(d: DateValue): string {
  const date = parseDate(d);
  return date ? date.toISOString().slice(0, 10) : "";
}

/** A date's name for the messages: `what` inside a sentence, `What` to begin one ("{{What}} must be a
 * real date": i18next has no capitalising format, and leaves a name it is not given as "{{What}}"). */
export const named = (what: string) => ({ what, What: what.charAt(0).toUpperCase() + what.slice(1) });

export function checkDate(d: DateValue, what: string, today: Date): Problem | null {
  if (!d.day.trim() && !d.month.trim() && !d.year.trim()) return { key: "errors.dateMissing", values: named(what) };
  const date = parseDate(d);
  if (!date) return { key: "errors.dateInvalid", values: named(what) };
  if (date.getTime() > today.getTime()) return { key: "errors.dateFuture", values: named(what) };
  return null;
}

/** Pounds as typed ("1,200.50", "£600") to pence, or null when it is not an amount. */
export function toPence(value: string): number | null {
  const cleaned = value.trim().replace(/^£/, "").replace(/,/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const [pounds, pence = ""] = cleaned.split(".");
  return Number(pounds) * 100 + Number(pence.padEnd(2, "0"));
}

export function checkMoney(value: string, maxPounds: number): Problem | null {
  const pence = toPence(value);
  if (pence === null) return { key: "errors.money" };
  if (pence > maxPounds * 100) return { key: "errors.moneyRange", values: { max: maxPounds.toLocaleString("en-GB") } };
  return null;
}

/** A UK postcode's shape (Royal Mail's formats; the API checks the rest). Northern Ireland (BT) is refused
 * with where to go: Universal Credit there is the Department for Communities'. */
export function checkPostcode(value: string): Problem | null {
  const folded = value.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(folded)) return { key: "errors.postcode" };
  if (folded.startsWith("BT")) return { key: "errors.postcodeNi" };
  return null;
}

export function checkCount(value: string, min: number, max: number): Problem | null {
  if (!/^\d+$/.test(value.trim())) return { key: "errors.number" };
  const n = Number(value.trim());
  return n < min || n > max ? { key: "errors.numberRange", values: { min, max } } : null;
}

// --- the request, and where the API's answers about it land -----------------------------------

export function estimateRequest(a: Answers, periodStart: string) {
  const adult = (dob: DateValue, earnings: string) => ({
    date_of_birth: isoDate(dob),
    earnings: { gross: toPence(earnings) ?? 0 },
  });
  const adults = [adult(a.dob, a.earnings)];
  if (a.partner === "yes") adults.push(adult(a.partnerDob, a.partnerEarnings));
  const renting = a.housing === "social" || a.housing === "private";
  return {
    universal_credit: {
      assessment_period_start: periodStart,
      couple: a.partner === "yes",
      adults,
      children: a.childList.slice(0, Number(a.children) || 0).map((c) => ({ date_of_birth: isoDate(c.dob), sex: c.sex })),
      housing: renting
        ? {
            tenure: a.housing,
            monthly_rent: toPence(a.rent) ?? 0,
            bedrooms: Number(a.bedrooms) || 0,
            ...(a.housing === "private" ? { postcode: a.postcode.trim() } : {}),
            ...(a.housing === "private" && a.area ? { brma: a.area } : {}),
          }
        : a.housing === "owner" && (toPence(a.serviceCharges) ?? 0) > 0
          ? { tenure: "owner", service_charges: toPence(a.serviceCharges) ?? 0, bedrooms: 0 }
          : { tenure: "none" },
      capital: toPence(a.savings) ?? 0,
      london: a.london === "yes",
      // Earnings are asked before tax: the engine works out tax and National Insurance itself.
      gross_estimate: true,
    },
  };
}

export type Landing = { step: string; field: string; problem: Problem };

/** The page and field an API problem pointer names (`#/universal_credit/children/0/date_of_birth` is
 * the first child's date of birth), with the words to show there. */
export function landing(error: FieldProblem): Landing | null {
  const parts = error.pointer.replace(/^#\//, "").split("/");
  if (parts[0] !== "universal_credit") return null;
  const [, section, index, field] = parts;
  const detail = error.detail ?? "";
  const tooOld = /State Pension age/.test(detail);
  if (section === "adults" && index === "0") {
    if (field === "earnings") return { step: "earnings", field: "earnings", problem: { key: "errors.money" } };
    return { step: "date-of-birth", field: "dob", problem: { key: tooOld ? "errors.adultAge" : "errors.server" } };
  }
  if (section === "adults" && index === "1") {
    if (field === "earnings") return { step: "partner-earnings", field: "partnerEarnings", problem: { key: "errors.money" } };
    return { step: "partner-date-of-birth", field: "partnerDob", problem: { key: tooOld ? "errors.partnerAge" : "errors.server" } };
  }
  if (section === "adults" || section === "couple") return { step: "partner", field: "partner", problem: { key: "errors.server" } };
  if (section === "children" && index !== undefined) {
    const step = `child-${Number(index) + 1}`;
    if (field === "sex") return { step, field: "childSex", problem: { key: "errors.childSex" } };
    const key = /after the assessment period/.test(detail) ? "errors.childFuture" : /under 20/.test(detail) ? "errors.childAge" : "errors.server";
    return { step, field: "childDob", problem: { key } };
  }
  if (section === "housing") {
    if (index === "bedrooms") return { step: "bedrooms", field: "bedrooms", problem: { key: "errors.server" } };
    if (index === "monthly_rent") return { step: "rent", field: "rent", problem: { key: "errors.server" } };
    if (index === "service_charges") return { step: "service-charges", field: "serviceCharges", problem: { key: "errors.server" } };
    if (index === "brma") return { step: "area", field: "area", problem: { key: "errors.area" } };
    if (index === "postcode" || index === "lha_rates") {
      const key = /Northern Ireland|Department for Communities/.test(detail)
        ? "errors.postcodeNi"
        : error.code === "claim_elsewhere" ? "errors.postcodeElsewhere" : "errors.postcode";
      return { step: "postcode", field: "postcode", problem: { key } };
    }
    return { step: "housing", field: "housing", problem: { key: "errors.server" } };
  }
  if (section === "london") return { step: "london", field: "london", problem: { key: "errors.server" } };
  if (section === "capital") return { step: "savings", field: "savings", problem: { key: "errors.server" } };
  return null;
}
