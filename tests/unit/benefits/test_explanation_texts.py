"""An explanation's texts are memoised (issue 14: a page of 500 awards rendered the same lines in two
languages hundreds of times): what `as_dicts` gives is what each line renders, and no caller can change
what the next one gets."""

from __future__ import annotations

from dwp.benefits.domain.explanation import LANGUAGES, Line, as_dicts


def test_memoised_texts_are_each_line_s_own_rendering_and_a_copy() -> None:
    lines = [
        Line("uc.standard_allowance.single_25", "element", "UC Regs 2013 reg 36", 42490),
        Line("uc.housing.social", "element", "Sch 4", 40000, {"rent_pence": 40000, "bedrooms": 1}),
        Line("uc.housing.social", "element", "Sch 4", 41500, {"rent_pence": 41500, "bedrooms": 1}),
    ]
    first = as_dicts(lines)
    for line, out in zip(lines, first, strict=True):
        assert out["text"] == {language: line.text(language) for language in LANGUAGES}
    assert first[1]["text"] != first[2]["text"]  # the figures are part of what is remembered
    first[0]["text"]["en"] = "changed by a caller"  # type: ignore[index]
    assert as_dicts(lines[:1])[0]["text"] == {language: lines[0].text(language) for language in LANGUAGES}
