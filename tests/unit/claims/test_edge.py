"""The claims API's edge models, derived from the domain's dataclasses: every section of every benefit
reads back as the domain's own value, and what does not fit is refused field by field."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from dwp.claims.domain.answers import SECTIONS, ClaimType
from dwp.claims.domain.errors import InvalidAnswers, UnknownSection
from dwp.claims.edge import edge_model, parse_section, section_components
from tests.unit.claims.conftest import ANSWERS, esa_answers


@pytest.mark.parametrize("claim_type", list(ClaimType))
def test_every_section_reads_back_as_the_domains_value(claim_type: ClaimType) -> None:
    for name, section in ANSWERS[claim_type]().items():
        body = TypeAdapter(SECTIONS[claim_type][name]).dump_json(section)
        assert parse_section(claim_type, name, body) == section


def test_every_section_shape_has_a_strict_model() -> None:
    for sections in SECTIONS.values():
        for shape in sections.values():
            schema = edge_model(shape).model_json_schema()
            assert schema["additionalProperties"] is False


def _problems(claim_type: ClaimType, name: str, body: object) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as refused:
        parse_section(claim_type, name, json.dumps(body).encode())
    return {p.field: p.code for p in refused.value.problems}


def test_unknown_fields_are_refused_at_every_depth() -> None:
    found = _problems(
        ClaimType.UNIVERSAL_CREDIT,
        "housing",
        {
            "tenure": "social_rent",
            "bedrooms": 2,
            "landlord": {"kind": "council", "name": "Leeds", "x": 1},
            "y": 2,
        },
    )
    assert found == {"landlord.x": "extra_forbidden", "y": "extra_forbidden"}


def test_types_are_strict() -> None:
    found = _problems(
        ClaimType.NEW_STYLE_ESA,
        "condition",
        {"description": 7, "started_on": "01/05/2026", "affects_work": "yes"},
    )
    assert set(found) == {"description", "started_on", "affects_work"}
    assert _problems(ClaimType.UNIVERSAL_CREDIT, "capital", {"savings_pence": 1.5}) == {
        "savings_pence": "int_type"
    }


def test_a_body_that_is_not_json_or_not_an_object_is_refused() -> None:
    for body in (b"", b"[]", b"null", b'{"savings_pence": 1', "\ufeff{}".encode()):
        with pytest.raises(InvalidAnswers):
            parse_section(ClaimType.UNIVERSAL_CREDIT, "capital", body)


def test_a_section_of_another_benefit_is_unknown() -> None:
    body = TypeAdapter(SECTIONS[ClaimType.NEW_STYLE_ESA]["condition"]).dump_json(esa_answers()["condition"])
    with pytest.raises(UnknownSection):
        parse_section(ClaimType.UNIVERSAL_CREDIT, "condition", body)


def test_the_openapi_components_hold_every_section_and_what_it_refers_to() -> None:
    body, components = section_components()
    names = {shape.__name__ for sections in SECTIONS.values() for shape in sections.values()}
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]} == names
    referenced = set()
    for schema in components.values():
        text = json.dumps(schema)
        referenced |= {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}
    assert referenced <= set(components)


def test_a_new_homes_postcode_is_spelt_as_royal_mail_does_and_must_be_in_great_britain() -> None:
    from dwp.claims.domain.errors import InvalidAnswers
    from dwp.claims.edge import home_postcode

    assert home_postcode("eh11yz") == "EH1 1YZ"
    for bad, code in (("BT1 1AA", "not_gb"), ("nowhere", "postcode")):
        with pytest.raises(InvalidAnswers) as refused:
            home_postcode(bad)
        [problem] = refused.value.problems
        assert (problem.field, problem.code) == ("postcode", code)
