"""Request bodies at the edge: strict, so that what a client sent is what the service reads.

Every request body a service accepts is an `EdgeModel` (`ConfigDict(strict=True, extra="forbid")`):
`"1"` is not an integer, `1` and `"true"` are not booleans, `1.0` is not an integer, `"100"` is not
pence, and a member the model does not name is refused. Each refusal is pydantic's error, which the
platform's handler turns into a 422 problem whose `errors[]` names the field with a JSON pointer.

JSON has no date type. Pydantic's strict mode lets ISO date strings through only when it parses JSON
itself (`model_validate_json`), but FastAPI parses the body first and validates the Python objects, and
in Python mode strict refuses every string for a `date`. So dates and date-times at the edge are
`IsoDate` and `IsoDateTime`: a string in exactly the ISO 8601 form (ASCII digits, `YYYY-MM-DD`;
date-times with their UTC offset) or a `date` object (a caller that builds the model in Python),
nothing else (an integer is not "seconds since 1970" here). A bare `date`, `datetime`, `UUID`,
`Decimal` or `Enum` in an `EdgeModel` would refuse every request (strict Python mode wants the Python
object), so defining one is a `TypeError` at import, naming the field; so is a nested model that is
not itself an `EdgeModel` (it would coerce again).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

__all__ = ["EdgeModel", "IsoDate", "IsoDateTime", "UtcDateTime", "first_duplicate_key", "parse_body"]

# `[0-9]`, not `\d`: Python's `\d` matches other scripts' digits, and `date.fromisoformat` accepts
# forms a client should not rely on (`20240131`, week dates).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _date_from_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a date passes; strict validation refuses anything else (a number, a bool)
    if not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_from_json", "Input should be a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "date_from_json", "Input should be a real date: {reason}", {"reason": str(exc)}
        ) from exc


def _datetime_from_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if not _ISO_DATETIME.fullmatch(value):
        raise PydanticCustomError(
            "datetime_from_json",
            "Input should be a date and time in ISO 8601 form with its UTC offset, such as"
            " 2026-04-06T09:30:00Z",
        )
    try:
        return datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError as exc:
        raise PydanticCustomError(
            "datetime_from_json", "Input should be a real date and time: {reason}", {"reason": str(exc)}
        ) from exc


IsoDate = Annotated[date, BeforeValidator(_date_from_json)]
"""A date in a JSON body: `"2026-04-06"` (or a `date` built in Python)."""
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_from_json)]
"""A moment in a JSON body, with its offset: `"2026-04-06T09:30:00Z"` (or an aware `datetime`)."""


def _as_utc(value: datetime) -> datetime:
    # SQLite keeps no offset: a stored timestamp read back is naive, and the platform writes only UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
"""A timestamp a service answers with: always with its offset (`...Z`), as OpenAPI's `date-time`
(RFC 3339) requires, even when the database gave it back without one. For response models."""

_PARSERS = (_date_from_json, _datetime_from_json)
# Core-schema types that strict Python-mode validation accepts only as Python objects.
_OBJECT_ONLY = {"date", "datetime", "time", "timedelta", "uuid", "decimal", "enum", "url", "multi-host-url"}


class EdgeModel(BaseModel):
    """The base of every request body (and of every `dwp calc` input file): strict, no unknown members.

    Use `IsoDate`/`IsoDateTime` for dates; add a service's own options in the subclass's
    `model_config` (pydantic merges it with this one)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__pydantic_complete__:
            check_edge_model(cls)


def check_edge_model(model: type[BaseModel]) -> None:
    """Refuse a field strict mode would make unusable (a bare `date`...) or a lax nested model."""
    problems = list(_lax_fields(model.__pydantic_core_schema__, model.__name__, {id(model)}))
    if problems:
        raise TypeError(
            f"{model.__name__} is an EdgeModel but "
            + "; ".join(problems)
            + ": use dwp.platform.models.IsoDate/IsoDateTime (or a str with a pattern), and EdgeModel"
            " for nested models"
        )


def _lax_fields(node: Any, where: str, seen: set[int], parsed: bool = False) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _lax_fields(item, where, seen)
        return
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    kind = node.get("type")
    if kind in _OBJECT_ONLY and not parsed and node.get("strict") is not False:
        yield f"{where} is a bare {kind}"
        return
    if kind == "model":
        cls = node.get("cls")
        if isinstance(cls, type) and id(cls) not in seen:
            if not issubclass(cls, EdgeModel):
                yield f"{where} is {cls.__name__}, which is not an EdgeModel"
            return  # an EdgeModel checks itself when it is defined
    if kind == "model-fields":
        for name, field_schema in node.get("fields", {}).items():
            yield from _lax_fields(field_schema, f"{node.get('model_name', where)}.{name}", seen)
        return
    function = node.get("function")
    ours = isinstance(function, dict) and function.get("function") in _PARSERS
    before_ours = kind == "function-before" and ours
    for key, child in node.items():
        if key in {"metadata", "cls", "function", "serialization", "ref", "config"}:
            continue
        if isinstance(child, dict | list):
            yield from _lax_fields(child, where, seen, parsed=before_ours and key == "schema")


# --- bodies a route reads itself ---------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


class _Members(list[tuple[str, Any]]):
    """A JSON object as the parser met it: its members in order, duplicates kept."""


def first_duplicate_key(body: bytes) -> list[str] | None:
    """The path to the first member a JSON object gives twice (`{"gross": -5, "gross": 100}`), if any.

    Python's parser keeps the last of two equal keys, so a body could say one thing to a validator
    that reads the first and another to us: such a body is refused rather than guessed at.
    """
    try:
        tree = json.loads(body, object_pairs_hook=_Members)
    except ValueError:
        return None  # not JSON at all: the route's own parsing answers that (400 malformed JSON)

    def search(node: Any, path: list[str]) -> list[str] | None:
        if isinstance(node, _Members):
            seen: set[str] = set()
            for key, _ in node:
                if key in seen:
                    return [*path, key]
                seen.add(key)
            children: list[tuple[str, Any]] = list(node)
        elif isinstance(node, list):
            children = [(str(index), value) for index, value in enumerate(node)]
        else:
            return None
        for key, value in children:
            found = search(value, [*path, key])
            if found is not None:
                return found
        return None

    return search(tree, [])


def duplicate_key_error(path: list[str]) -> tuple[str, str, str]:
    """(JSON pointer, field, detail) of a member given twice."""
    pointer = "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)
    return pointer, ".".join(path), "This member appears more than once in its object; send it once."


def parse_body(model: type[M], body: bytes) -> M:
    """A JSON body that a route reads itself (after a check that must come first, such as CSRF), held
    to the same rules as a declared body: a duplicate member or a field the model refuses is the
    platform's 422 problem naming the field, and a body that is not JSON its 400."""
    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    duplicate = first_duplicate_key(body)
    if duplicate is not None:
        detail = duplicate_key_error(duplicate)[2]
        raise RequestValidationError(
            [{"loc": ("body", *duplicate), "msg": detail, "type": "duplicate_key", "input": None}]
        )
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from exc
