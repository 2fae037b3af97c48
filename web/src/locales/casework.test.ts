import { describe, it } from "vitest";
import { caseworkCy } from "./casework.cy";
import { caseworkEn } from "./casework.en";
import { expectWelshMatchesEnglish } from "./parity";

describe("caseworker translations", () => {
  it("Welsh has every English text, none empty, none left in English, the same {{names}} in both", () => {
    expectWelshMatchesEnglish(caseworkEn, caseworkCy);
  });
});
