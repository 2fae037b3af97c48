import { expect } from "vitest";

/** Every text of a nested translation table, by its dotted key. */
function leaves(value: unknown, prefix = ""): [string, string][] {
  if (typeof value === "string") return [[prefix, value]];
  return Object.entries(value as object).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** A Welsh table has every English text, none empty, none left in English, and the same {{names}}
 * (interpolations survive translation). Shared by the chunks' locale tests (casework, report a change). */
export function expectWelshMatchesEnglish(english: object, welsh: object): void {
  const en = new Map(leaves(english));
  const cy = new Map(leaves(welsh));
  expect([...cy.keys()].sort()).toEqual([...en.keys()].sort());
  const untranslated = [...en].filter(([k, v]) => v.length > 3 && cy.get(k) === v).map(([k]) => k);
  expect(untranslated).toEqual([]);
  expect([...cy.values()].filter((v) => !v.trim())).toEqual([]);
  const names = (s: string) => (s.match(/{{\w+}}/g) ?? []).sort().join();
  expect([...en].filter(([k, v]) => names(v) !== names(cy.get(k) ?? "")).map(([k]) => k)).toEqual([]);
}
