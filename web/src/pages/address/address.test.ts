import { describe, expect, it } from "vitest";
import { checkTyped, emptyTyped, landProblems, narrow, oneLine, typedParts } from "./address";

describe("an address typed by hand", () => {
  it("is a building number and street, or a building name with the street on line 2", () => {
    expect(typedParts({ line1: "12 Queen Street", line2: "", town: "Cardiff", postcode: "cf10 1ep" }).parts).toEqual({
      building_number: "12", street_name: "Queen Street", address_locality: "Cardiff", postal_code: "cf10 1ep",
    });
    const { parts, from } = typedParts({ line1: "Ivy Cottage", line2: "School Gardens", town: "Cardiff", postcode: "CF24 7SF" });
    expect(parts).toMatchObject({ building_name: "Ivy Cottage", street_name: "School Gardens" });
    expect(from.street_name).toBe("line2");
  });

  it("needs line 1, a town and a postcode before the service is asked", () => {
    expect(Object.keys(checkTyped(emptyTyped)).sort()).toEqual(["line1", "postcode", "town"]);
    expect(checkTyped({ line1: "1 A St", line2: "", town: "X", postcode: "Y" })).toEqual({});
  });

  it("lands the service's problems on the line they came from, in our words", () => {
    const { from } = typedParts({ line1: "Ivy Cottage", line2: "School\u202eGardens", town: "Cardiff", postcode: "CF24 7SF" });
    const landed = landProblems(
      [
        { pointer: "#/street_name", detail: "must not contain an invisible formatting character (U+202E)" },
        { pointer: "#/postal_code", detail: "Enter a real postcode, like SW1A 1AA" },
      ],
      from,
    );
    expect(landed).toEqual({ line2: { key: "address.errors.characters" }, postcode: { key: "address.errors.postcodeInvalid" } });
  });
});

describe("a postcode's list", () => {
  const list = [
    { uprn: "1", building_name: "IVY COTTAGE", postal_code: "CF24 7SF", lines: ["IVY COTTAGE", "SCHOOL GARDENS", "CF24 7SF"] },
    { uprn: "2", building_number: "15", postal_code: "CF24 7SF", lines: ["15 SCHOOL GARDENS", "CF24 7SF"] },
  ];
  it("narrows to the building named, or keeps every address when none matches", () => {
    expect(narrow(list, "ivy").map((a) => a.uprn)).toEqual(["1"]);
    expect(narrow(list, "15").map((a) => a.uprn)).toEqual(["2"]);
    expect(narrow(list, "Rose Villa")).toHaveLength(2);
    expect(oneLine(list[0])).toBe("IVY COTTAGE, SCHOOL GARDENS");
  });
});
