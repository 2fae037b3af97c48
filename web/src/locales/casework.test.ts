import { describe, expect, it } from "vitest";
import { caseworkCy } from "./casework.cy";
import { caseworkEn } from "./casework.en";

function leaves(value: unknown, prefix = ""): [string, string][] {
  if (typeof value === "string") return [[prefix, value]];
  return Object.entries(value as object).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe("caseworker translations", () => {
  it("Welsh has every English text, none empty, none left in English", () => {
    const en = new Map(leaves(caseworkEn));
    const cy = new Map(leaves(caseworkCy));
    expect([...cy.keys()].sort()).toEqual([...en.keys()].sort());
    const untranslated = [...en].filter(([k, v]) => v.length > 3 && cy.get(k) === v).map(([k]) => k);
    expect(untranslated).toEqual([]);
    expect([...cy.values()].filter((v) => !v.trim())).toEqual([]);
    // Interpolations survive translation: the same {{names}} in both.
    const names = (s: string) => (s.match(/{{\w+}}/g) ?? []).sort().join();
    expect([...en].filter(([k, v]) => names(v) !== names(cy.get(k) ?? "")).map(([k]) => k)).toEqual([]);
  });
});
