"""The claims API's edge: strict pydantic models of what a citizen sends, and their translation into
the domain's dataclasses, in this one place.

The answers' shapes are the domain's frozen dataclasses (`domain.answers.SECTIONS`). Rather than write
each of them twice, a strict model (`extra="forbid"`, strict types: a number is a JSON number, a date an
ISO date, no coercion) is derived from each dataclass here, field by field and recursively. pydantic
checks shape only; the rules (a child born in the future, rent on a mortgage) run once, in the domain,
with the service's clock. A body that does not fit is `InvalidAnswers` with a problem per field, so it
leaves as the same 422 (each field with its JSON pointer) as the domain's own refusals.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model
from pydantic.json_schema import models_json_schema

from dwp.claims.domain.answers import SECTIONS, ClaimType, HousingAnswers, Section
from dwp.claims.domain.errors import FieldProblem, InvalidAnswers, UnknownSection
from dwp.contracts.postcodes import InvalidPostcode, parse_postcode

if TYPE_CHECKING:
    from pydantic._internal._dataclasses import PydanticDataclass

STRICT = ConfigDict(extra="forbid", strict=True, str_max_length=5000)
"""Every string is bounded; the domain's text rules (control and bidi characters, lengths) run after."""


def _edge_type(annotation: Any) -> Any:
    """The edge's version of a dataclass field's type: nested dataclasses become strict models."""
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return edge_model(annotation)
    origin = get_origin(annotation)
    if origin is None or origin is Literal:
        return annotation
    args = tuple(_edge_type(a) if a is not Ellipsis else a for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        return Union[args]  # noqa: UP007 - built from a tuple of types
    if origin in (frozenset, set):
        # A JSON array of distinct values; strict mode takes no set from JSON, so a list is read.
        return list[args[0]]  # type: ignore[valid-type]
    if origin is tuple:
        return list[args[0]] if len(args) == 2 and args[1] is Ellipsis else annotation  # type: ignore[valid-type]
    return origin[args]


@cache
def edge_model(shape: type) -> type[BaseModel]:
    """A strict pydantic model with the fields of a domain dataclass."""
    hints = typing.get_type_hints(shape)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(shape):
        if f.default is not dataclasses.MISSING:
            # An empty tuple or set default is an empty list at the edge (JSON has only arrays).
            default: Any = list(f.default) if isinstance(f.default, tuple | frozenset) else f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ...
        fields[f.name] = (_edge_type(hints[f.name]), default)
    model: type[BaseModel] = create_model(shape.__name__, __config__=STRICT, **fields)
    model.__doc__ = shape.__doc__
    return model


@cache
def _domain_adapter(shape: type) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def problems_of(error: ValidationError) -> list[FieldProblem]:
    """pydantic's errors as the domain's field problems: the field as a dotted path into the body."""
    return [
        FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"], e["type"])
        for e in error.errors()
    ]


def parse_section(claim_type: ClaimType, name: str, body: bytes) -> Section:
    """A section's answers from the JSON a citizen sent, as the domain's dataclass."""
    shape = SECTIONS[claim_type].get(name)
    if shape is None:
        raise UnknownSection(f"{claim_type.value} has no section {name!r}")
    try:
        checked = edge_model(shape).model_validate_json(body)
    except ValidationError as error:
        raise InvalidAnswers(problems_of(error)) from error
    answers: Section = _domain_adapter(shape).validate_python(checked.model_dump())
    if isinstance(answers, HousingAnswers) and answers.postcode is not None:
        _check_home_postcode(answers.postcode)
    return answers


def home_postcode(raw: str) -> str:
    """A home's postcode as Royal Mail writes it, refused (naming `postcode`) unless it is a home in
    Great Britain: a change of circumstances' new home (`moving_home`), as a housing answer's."""
    _check_home_postcode(raw)
    return parse_postcode(raw).value


def _check_home_postcode(raw: str) -> None:
    """A housing answer's postcode finds the Local Housing Allowance area (issue 13): it must be a home
    in Great Britain (Northern Ireland's UC is the Department for Communities')."""
    try:
        home = parse_postcode(raw)
    except InvalidPostcode as exc:
        raise InvalidAnswers([FieldProblem("postcode", str(exc), "postcode")]) from None
    if not home.claimable:
        reason = home.not_claimable_reason or "This postcode is not in Great Britain"
        raise InvalidAnswers([FieldProblem("postcode", reason, "not_gb")])


REF = "#/components/schemas/{model}"


def section_components() -> tuple[dict[str, Any], dict[str, Any]]:
    """The section bodies for the OpenAPI document: the request body's schema (one of the sections'
    models, which the claim's type and the path's section choose between) and the component schemas."""
    shapes = sorted(
        {shape for sections in SECTIONS.values() for shape in sections.values()}, key=lambda s: s.__name__
    )
    mode: Literal["validation"] = "validation"
    keyed: list[tuple[type[BaseModel] | type[PydanticDataclass], Literal["validation", "serialization"]]] = [
        (edge_model(shape), mode) for shape in shapes
    ]
    refs, document = models_json_schema(keyed, ref_template=REF)
    components = dict(document.get("$defs", {}))
    one_of = [refs[key] for key in keyed]
    listing = "; ".join(
        f"{claim_type.value}: " + ", ".join(f"{name} ({shape.__name__})" for name, shape in sections.items())
        for claim_type, sections in SECTIONS.items()
    )
    body = {"oneOf": one_of, "description": f"The section's answers, by claim type and section: {listing}."}
    return body, components
