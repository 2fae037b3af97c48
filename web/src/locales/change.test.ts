import { describe, it } from "vitest";
import { changeCy } from "./change.cy";
import { changeEn } from "./change.en";
import { expectWelshMatchesEnglish } from "./parity";

describe("report a change translations", () => {
  it("Welsh has every English text, none empty, none left in English, the same {{names}} in both", () => {
    expectWelshMatchesEnglish(changeEn, changeCy);
  });
});
