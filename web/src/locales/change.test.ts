import { describe, expect, it } from "vitest";
import { changeCy } from "./change.cy";
import { changeEn } from "./change.en";

function leaves(value: unknown, prefix = ""): [string, string][] {
  if (typeof value === "string") return [[prefix, value]];
  return Object.entries(value as object).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe("report a change translations", () => {
  it("Welsh has every English text, none empty, none left in English, the same {{names}} in both", () => {
    const en = new Map(leaves(changeEn));
    const cy = new Map(leaves(changeCy));
    expect([...cy.keys()].sort()).toEqual([...en.keys()].sort());
    const untranslated = [...en].filter(([k, v]) => v.length > 3 && cy.get(k) === v).map(([k]) => k);
    expect(untranslated).toEqual([]);
    expect([...cy.values()].filter((v) => !v.trim())).toEqual([]);
    const names = (s: string) => (s.match(/{{\w+}}/g) ?? []).sort().join();
    expect([...en].filter(([k, v]) => names(v) !== names(cy.get(k) ?? "")).map(([k]) => k)).toEqual([]);
  });
});
