// The address finder's rules that need no page: an address typed in the GOV.UK pattern's lines as the
// address service's parts (PAF's, as One Login's address claim names them), and the service's problems
// back on the line they came from, in the page's language.
import type { FieldProblem } from "../../api";

export type Address = {
  uprn?: string | null;
  building_number?: string | null;
  building_name?: string | null;
  sub_building_name?: string | null;
  organisation_name?: string | null;
  street_name?: string | null;
  dependent_address_locality?: string | null;
  address_locality?: string | null;
  postal_code: string;
  lines: string[];
};
export type AddressList = { postcode: string; claimable: boolean; not_claimable_reason?: string | null; addresses: Address[] };
export type AddressCheck = { address: Address; claimable: boolean; not_claimable_reason?: string | null };

export type Typed = { line1: string; line2: string; town: string; postcode: string };
export const emptyTyped: Typed = { line1: "", line2: "", town: "", postcode: "" };
export type TypedField = keyof Typed;
/** A problem as the page shows it: a locale key and its values. */
export type Problem = { key: string; values?: Record<string, string> };

const NUMBERED = /^(\d{1,4}[A-Za-z]?)[,\s]+(.+)$/;

/** The lines a person typed, as the parts `POST /v1/addresses/validate` takes. "10 Downing Street"
 * is a building number and a street; "Ivy Cottage" on line 1 is a building name, its street on line 2. */
export function typedParts(typed: Typed): { parts: Record<string, string>; from: Record<string, TypedField> } {
  const parts: Record<string, string> = {};
  const from: Record<string, TypedField> = {};
  const put = (part: string, value: string, field: TypedField) => {
    if (!value.trim()) return;
    parts[part] = value.trim();
    from[part] = field;
  };
  const line1 = typed.line1.trim();
  const numbered = NUMBERED.exec(line1);
  if (numbered) {
    put("building_number", numbered[1], "line1");
    put("street_name", numbered[2], "line1");
    put("dependent_address_locality", typed.line2, "line2");
  } else {
    put("building_name", line1, "line1");
    put("street_name", typed.line2, "line2");
  }
  put("address_locality", typed.town, "town");
  parts.postal_code = typed.postcode.trim();
  from.postal_code = "postcode";
  return { parts, from };
}

/** What must be there before the address service is asked. */
export function checkTyped(typed: Typed): Partial<Record<TypedField, Problem>> {
  const found: Partial<Record<TypedField, Problem>> = {};
  if (!typed.line1.trim()) found.line1 = { key: "address.errors.line1Missing" };
  if (!typed.town.trim()) found.town = { key: "address.errors.townMissing" };
  if (!typed.postcode.trim()) found.postcode = { key: "address.errors.postcodeMissing" };
  return found;
}

/** The address service's field problems (`errors[].pointer` like `#/street_name`) on the line they
 * came from, with our own words for them (its `detail` is English only). */
export function landProblems(errors: FieldProblem[], from: Record<string, TypedField>): Partial<Record<TypedField, Problem>> {
  const found: Partial<Record<TypedField, Problem>> = {};
  for (const error of errors) {
    const part = error.pointer.split("/").pop() ?? "";
    const field = from[part] ?? (part === "street_name" ? "line2" : part === "building_name" ? "line1" : undefined);
    if (!field || found[field]) continue;
    found[field] = { key: problemKey(part, error.detail) };
  }
  return found;
}

function problemKey(part: string, detail: string): string {
  if (part === "postal_code") return "address.errors.postcodeInvalid";
  if (/characters or fewer/.test(detail)) return "address.errors.tooLong";
  if (/must not contain/.test(detail)) return "address.errors.characters";
  if (part === "street_name") return "address.errors.streetMissing";
  if (part === "building_number") return "address.errors.number";
  return "address.errors.line1Missing";
}

/** The addresses of a postcode that match what the person said of their building, or all of them. */
export function narrow(addresses: Address[], building: string): Address[] {
  const wanted = building.trim().toUpperCase();
  if (!wanted) return addresses;
  const matching = addresses.filter((a) =>
    [a.building_number, a.building_name, a.sub_building_name, a.organisation_name, a.lines[0]].some((v) =>
      (v ?? "").toUpperCase().includes(wanted),
    ),
  );
  return matching.length ? matching : addresses;
}

/** An address on one line, postcode left off (the list under a postcode the person already gave). */
export function oneLine(address: Address): string {
  return address.lines.filter((l) => l !== address.postal_code).join(", ");
}
