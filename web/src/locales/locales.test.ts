import { describe, expect, it } from "vitest";
import { cy } from "./cy";
import { en } from "./en";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("translations", () => {
  it("Welsh has every English text, and no text is left empty or untranslated", () => {
    expect(keys(cy).sort()).toEqual(keys(en).sort());
    const same = keys(en).filter((k) => {
      const get = (o: unknown) => k.split(".").reduce<unknown>((v, p) => (v as Record<string, unknown>)[p], o);
      const [e, c] = [get(en), get(cy)];
      return typeof e === "string" && e === c && !/^(£|GOV\.UK|Beta|Error:)$/.test(e) && e.length > 3;
    });
    expect(same).toEqual([]);
  });
});
