"""Strict edge models (issue 10; found by issue 11): a request body is read as sent, never coerced.

`"1"` for an integer, `1` or `"true"` for a boolean, `100.0` for pence, an integer for a date and a member
the model does not name were all accepted. Each is now a 422 problem naming the field with a JSON
pointer, for every service's real request models, and every body any router declares is an EdgeModel.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ValidationError

import dwp
from dwp.address.api import TypedAddress
from dwp.benefits.schemas import AssessmentRequest, EstimateRequest
from dwp.citizen.api import InPersonRegistration, ProfileChanges, RegistrationRequest
from dwp.contracts.integrations import EarningsRequest, FitNotesRequest
from dwp.frontend.api import RegisterBody
from dwp.platform.app_factory import create_app
from dwp.platform.models import EdgeModel, IsoDate, IsoDateTime, UtcDateTime, check_edge_model, parse_body
from dwp.platform.settings import Settings

UC = {
    "assessment_period_start": "2025-06-01",
    "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
    "housing": {"tenure": "social", "monthly_rent": 50000, "bedrooms": 2},
}
VALID: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "citizen": (
        RegistrationRequest,
        {
            "given_name": "Sarah",
            "family_name": "Philips",
            "date_of_birth": "1985-01-01",
            "national_insurance_number": "QQ 12 34 56 C",
            "contact_preferences": {"channels": ["email"], "welsh_letters": False},
        },
    ),
    "benefits": (EstimateRequest, {"universal_credit": UC}),
    "address": (TypedAddress, {"building_number": "10", "postal_code": "SW1A 2AA"}),
    "integrations": (
        EarningsRequest,
        {
            "claim_id": "c-1",
            "purpose": "new-claim-assessment",
            "national_insurance_number": "QQ123456C",
            "given_name": "Sarah",
            "family_name": "Philips",
            "date_of_birth": "1985-01-01",
            "period_from": "2025-06-01",
            "period_to": "2025-06-30",
        },
    ),
    "frontend": (RegisterBody, {"national_insurance_number": "QQ123456C"}),
}

# (service, path to the member, the hostile value, the pointer the problem names)
HOSTILE = [
    ("citizen", ["date_of_birth"], 473385600, "#/date_of_birth"),
    ("citizen", ["date_of_birth"], "19850101", "#/date_of_birth"),
    ("citizen", ["date_of_birth"], "1985-01-01T00:00:00", "#/date_of_birth"),
    ("citizen", ["date_of_birth"], "\u0661\u0669\u0668\u0665-01-01", "#/date_of_birth"),
    ("citizen", ["contact_preferences", "welsh_letters"], 1, "#/contact_preferences/welsh_letters"),
    ("citizen", ["contact_preferences", "welsh_letters"], "true", "#/contact_preferences/welsh_letters"),
    ("citizen", ["given_name"], 5, "#/given_name"),
    ("citizen", ["is_admin"], True, "#/is_admin"),
    ("citizen", ["contact_preferences", "fax"], True, "#/contact_preferences/fax"),
    ("benefits", ["universal_credit", "adults", 0, "earnings", "gross"], "100", None),
    ("benefits", ["universal_credit", "adults", 0, "earnings", "gross"], True, None),
    ("benefits", ["universal_credit", "adults", 0, "earnings", "gross"], 100.0, None),
    ("benefits", ["universal_credit", "adults", 0, "earnings", "gross"], 100.5, None),
    ("benefits", ["universal_credit", "couple"], "true", "#/universal_credit/couple"),
    ("benefits", ["universal_credit", "couple"], 0, "#/universal_credit/couple"),
    ("benefits", ["universal_credit", "housing", "bedrooms"], "2", "#/universal_credit/housing/bedrooms"),
    ("benefits", ["universal_credit", "adults", 0, "date_of_birth"], 473385600, None),
    ("benefits", ["universal_credit", "adults", 0, "shoe_size"], 9, None),
    ("benefits", ["universal_credit", "assessment_period_start"], 20250601, None),
    ("address", ["building_number"], 10, "#/building_number"),
    ("address", ["postal_code"], ["SW1A 2AA"], "#/postal_code"),
    ("address", ["country"], "GB", "#/country"),
    ("integrations", ["period_from"], 20250601, "#/period_from"),
    ("integrations", ["claim_id"], 123, "#/claim_id"),
    ("integrations", ["subject_consent"], True, "#/subject_consent"),
    ("frontend", ["national_insurance_number"], 123456, "#/national_insurance_number"),
    ("frontend", ["given_name"], "Sarah", "#/given_name"),
]


def _with(body: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    import copy

    changed = copy.deepcopy(body)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def _pointer(path: list[Any]) -> str:
    return "#/" + "/".join(str(p) for p in path)


router = APIRouter()


def _echo(model: type[BaseModel]) -> Any:
    async def echo(body: BaseModel) -> dict[str, Any]:
        return body.model_dump(mode="json")

    echo.__annotations__ = {"body": model, "return": dict[str, Any]}  # the annotation is the model itself
    return echo


for _service, (_model, _) in VALID.items():
    router.add_api_route(f"/v1/{_service}", _echo(_model), methods=["POST"])


@router.post("/v1/by-hand")
async def by_hand(request: Request) -> dict[str, str]:
    return parse_body(RegisterBody, await request.body()).model_dump()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        service="edge", routers=[router], settings=Settings(dwp_env="test", dwp_data_dir=tmp_path)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge.test") as http,
    ):
        yield http


@pytest.mark.parametrize("service", list(VALID))
async def test_a_valid_body_is_read_as_sent(client: httpx.AsyncClient, service: str) -> None:
    body = VALID[service][1]
    response = await client.post(f"/v1/{service}", json=body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("service", "path", "value", "pointer"), HOSTILE)
async def test_a_coerced_or_unknown_member_is_a_422_naming_it(
    client: httpx.AsyncClient, service: str, path: list[Any], value: Any, pointer: str | None
) -> None:
    body = _with(VALID[service][1], path, value)
    response = await client.post(f"/v1/{service}", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/validation")
    assert [e["pointer"] for e in problem["errors"]] == [pointer or _pointer(path)], problem


@pytest.mark.parametrize(
    ("content", "status", "pointer"),
    [
        (b'{"national_insurance_number": 123}', 422, "#/national_insurance_number"),
        (b'{"national_insurance_number": "QQ123456C", "x": 1}', 422, "#/x"),
        (b'{"national_insurance_number": "AB", "national_insurance_number": "QQ"}', 422, None),
        (b"not json", 400, None),
    ],
)
async def test_a_body_a_route_reads_itself_keeps_the_same_rules(
    client: httpx.AsyncClient, content: bytes, status: int, pointer: str | None
) -> None:
    response = await client.post("/v1/by-hand", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    if pointer:
        assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
    ok = await client.post("/v1/by-hand", json={"national_insurance_number": "QQ123456C"})
    assert ok.json() == {"national_insurance_number": "QQ123456C"}


def test_dates_are_iso_text_or_date_objects_only() -> None:
    class When(EdgeModel):
        on: IsoDate
        at: IsoDateTime | None = None

    assert When.model_validate({"on": "2026-04-06"}).on == date(2026, 4, 6)
    assert When.model_validate({"on": date(2026, 4, 6)}).on == date(2026, 4, 6)
    at = When.model_validate({"on": "2026-04-06", "at": "2026-04-06T09:30:00Z"}).at
    assert at == datetime(2026, 4, 6, 9, 30, tzinfo=UTC)
    for bad in (
        {"on": 1775433600},
        {"on": "2026-02-30"},
        {"on": True},
        {"on": "2026-04-06", "at": "2026-04-06T09:30"},
    ):
        with pytest.raises(ValidationError):
            When.model_validate(bad)
    assert When.model_json_schema()["properties"]["on"] == {"format": "date", "title": "On", "type": "string"}


def test_a_field_strict_mode_would_make_unusable_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match=r"Bad\.on is a bare date"):

        class Bad(EdgeModel):
            on: date

    class Lax(BaseModel):
        count: int

    with pytest.raises(TypeError, match="Lax, which is not an EdgeModel"):

        class Nests(EdgeModel):
            inner: list[Lax] = []


def _routers() -> list[tuple[str, APIRouter]]:
    found = []
    for module in pkgutil.walk_packages(dwp.__path__, "dwp."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".simulators" in module.name or not leaf.startswith("api"):
            continue
        loaded = importlib.import_module(module.name)
        found += [(f"{module.name}.{n}", r) for n, r in vars(loaded).items() if isinstance(r, APIRouter)]
    return found


def test_every_body_any_service_declares_is_an_edge_model() -> None:
    """Claims and payments included, the day their routers land: a body is an EdgeModel."""
    routers = _routers()
    assert {name.split(".")[1] for name, _ in routers} >= {"citizen", "benefits", "address", "integrations"}
    bodies = []
    for name, router_ in routers:
        for route in router_.routes:
            field = getattr(route, "body_field", None)
            if field is None:
                continue
            model = field.field_info.annotation
            bodies.append(model)
            where = f"{name} {getattr(route, 'path', '')}"
            assert isinstance(model, type), where
            assert issubclass(model, EdgeModel), f"{where}: {model} is not a dwp.platform.models.EdgeModel"
            check_edge_model(model)
    assert {
        RegistrationRequest,
        InPersonRegistration,
        ProfileChanges,
        AssessmentRequest,
        FitNotesRequest,
    } <= set(bodies)


def test_an_edge_app_documents_the_strict_shapes(tmp_path: Path) -> None:
    app: FastAPI = create_app(
        service="edge", routers=[router], settings=Settings(dwp_env="test", dwp_data_dir=tmp_path)
    )
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["RegistrationRequest"]["additionalProperties"] is False
    assert schemas["RegistrationRequest"]["properties"]["date_of_birth"]["format"] == "date"


def test_a_timestamp_answered_always_carries_its_offset() -> None:
    """Schemathesis found `"at": "2026-12-01T23:12:55.053469"` (SQLite keeps no offset), which is not
    an RFC 3339 date-time as the OpenAPI promises."""

    class Row(BaseModel):
        at: UtcDateTime

    naive = Row(at=datetime(2026, 12, 1, 23, 12, 55)).model_dump(mode="json")
    assert naive == {"at": "2026-12-01T23:12:55Z"}
    assert Row.model_validate({"at": "2026-12-01T23:12:55+01:00"}).at == datetime(
        2026, 12, 1, 22, 12, 55, tzinfo=UTC
    )
