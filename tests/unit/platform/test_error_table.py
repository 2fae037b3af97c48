"""The error table: domain errors (which carry no HTTP) become problem documents in one place, lower-level
errors that mean "unavailable" become 503s, and the OpenAPI document lists what each route can answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asyncpg import exceptions as pg
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dwp.platform.app_factory import create_app
from dwp.platform.auth import Authenticated
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.http import UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from dwp.platform.problems import ErrorMapping, ErrorTable, field_pointer, means_unavailable
from dwp.platform.settings import Settings


class ShopError(Exception):
    """A made-up domain's base error: no status, no title, nothing of HTTP."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BasketNotFound(ShopError):
    pass


class OutOfStock(ShopError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"{sku} is out of stock")
        self.sku = sku


class PriceChanged(ShopError):
    pass


class Nested(ShopError):
    pass


class SupplierDown(Exception):
    retry_after = 42.4


def _nested_pointer(exc: Nested, request: Request) -> str:
    return field_pointer(f"order.{exc.field}")


ERRORS: ErrorTable = {
    BasketNotFound: ErrorMapping(404, "not-found", "Not found"),
    OutOfStock: ErrorMapping(
        409,
        "out-of-stock",
        "Out of stock",
        extensions=lambda exc: {"sku": exc.sku},
        headers={"X-Stock": "0"},
        log_as="shop_refused",
    ),
    Nested: ErrorMapping(422, "validation", "Invalid", pointer=_nested_pointer, code="bad_line"),
    SupplierDown: ErrorMapping(503, "supplier-down", "Supplier unavailable"),
    # A service's entry wins over the platform's default.
    BrokenPipeError: ErrorMapping(502, "shop-pipe", "Bad gateway"),
    ShopError: ErrorMapping(422, "invalid-order", "Your order has invalid fields"),
}

RAISED: dict[str, Exception] = {
    "basket": BasketNotFound("No basket with that id"),
    "stock": OutOfStock("SKU-1"),
    "field": ShopError("must be at least 1", field="lines[2].quantity"),
    "subclass": PriceChanged("the price changed"),
    "nested": Nested("too many", field="lines[0].quantity"),
    "supplier": SupplierDown("the supplier does not answer"),
    "dependency": DependencyUnavailable("the ledger is down", retry_after=12),
    "operational": OperationalError("select 1", {}, Exception("connection refused")),
    "starting-up": pg.CannotConnectNowError("the database system is starting up"),
    "too-many": pg.TooManyConnectionsError("sorry, too many clients already"),
    "wrapped-refusal": DBAPIError("select 1", {}, pg.ObjectNotInPrerequisiteStateError("not ready")),
    "transport": httpx.ConnectError("connection refused"),
    "pool-timeout": PoolTimeout("QueuePool limit of size 20 overflow 0 reached, connection timed out"),
    "upstream-down": UpstreamUnavailable("breaker open", upstream="ledger", retry_after=7.2),
    "upstream-slow": UpstreamTimeout("no answer", upstream="ledger"),
    "upstream-refused": UpstreamRejected("no", status=400, upstream="ledger", path="/v1/secret?x=1"),
    "remapped": BrokenPipeError("the shop maps its own"),
    "wrapped-bug": DBAPIError("select 1", {}, pg.UndefinedTableError('relation "x" does not exist')),
    "bug": RuntimeError("a plain bug"),
}


class Line(BaseModel):
    quantity: int


def _router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/raise/{what}")
    async def raise_(what: str) -> None:
        raise RAISED[what]

    @router.post("/lines")
    async def add_line(body: Line, principal: Authenticated) -> dict[str, Any]:
        return {"quantity": body.quantity}

    @router.post("/quotes")
    async def quote(body: Line) -> dict[str, Any]:
        return {"quantity": body.quantity}

    return router


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", redis_url=None, database_url=None)
    app = create_app(service="shop", routers=[_router()], settings=settings, errors=ERRORS)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # The 500 handler answers and then re-raises (Starlette's ServerErrorMiddleware): keep the answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as http:
        yield http


async def _problem(client: httpx.AsyncClient, what: str, status: int) -> tuple[dict[str, Any], httpx.Headers]:
    response = await client.get(f"/v1/raise/{what}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body, response.headers


async def test_a_domain_error_becomes_its_problem(client: httpx.AsyncClient) -> None:
    body, _ = await _problem(client, "basket", 404)
    assert body == {
        "type": "https://dwp.example.gov.uk/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No basket with that id",
        "instance": "/v1/raise/basket",
    }


async def test_extensions_headers_and_the_log(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    body, headers = await _problem(client, "stock", 409)
    assert body["sku"] == "SKU-1"
    assert body["type"].endswith("/out-of-stock")
    assert headers["x-stock"] == "0"
    assert "shop_refused" in capsys.readouterr().out


async def test_an_error_that_names_its_field_fills_errors(client: httpx.AsyncClient) -> None:
    body, _ = await _problem(client, "field", 422)
    assert body["errors"] == [
        {
            "pointer": "#/lines/2/quantity",
            "field": "lines.2.quantity",
            "detail": "must be at least 1",
            "code": "invalid-order",
        }
    ]
    assert body["detail"] == "lines.2.quantity: must be at least 1"


async def test_a_mapping_can_say_where_a_domain_field_sits_in_the_body(client: httpx.AsyncClient) -> None:
    body, _ = await _problem(client, "nested", 422)
    assert body["errors"][0]["pointer"] == "#/order/lines/0/quantity"
    assert body["errors"][0]["code"] == "bad_line"


async def test_a_subclass_maps_as_its_nearest_listed_base(client: httpx.AsyncClient) -> None:
    body, _ = await _problem(client, "subclass", 422)
    assert body["type"].endswith("/invalid-order")
    assert "errors" not in body


@pytest.mark.parametrize(
    ("what", "retry_after"),
    [
        ("supplier", "43"),
        ("upstream-down", "8"),
        ("upstream-slow", "5"),
        ("dependency", "12"),
        ("operational", "5"),
        ("starting-up", "5"),
        ("too-many", "5"),
        ("wrapped-refusal", "5"),
        ("transport", "5"),
        ("pool-timeout", "5"),
    ],
)
async def test_unavailable_is_503_with_retry_after(
    client: httpx.AsyncClient, what: str, retry_after: str
) -> None:
    body, headers = await _problem(client, what, 503)
    assert headers["retry-after"] == retry_after
    assert "Traceback" not in str(body)


async def test_an_upstream_refusal_no_use_case_handled_is_a_502_that_names_nothing(
    client: httpx.AsyncClient,
) -> None:
    body, _ = await _problem(client, "upstream-refused", 502)
    assert body["type"].endswith("/upstream-rejected")
    assert "secret" not in str(body)


async def test_a_service_entry_overrides_the_platform_default(client: httpx.AsyncClient) -> None:
    # BrokenPipeError is a ConnectionError, a 503 by default.
    body, _ = await _problem(client, "remapped", 502)
    assert body["type"].endswith("/shop-pipe")


@pytest.mark.parametrize("what", ["wrapped-bug", "bug"])
async def test_anything_else_is_a_500_that_says_nothing_inside(client: httpx.AsyncClient, what: str) -> None:
    body, headers = await _problem(client, what, 500)
    assert "retry-after" not in headers
    assert "relation" not in str(body)
    assert "plain bug" not in str(body)


def test_asyncpg_refusals_wrapped_by_sqlalchemy_mean_unavailable() -> None:
    # SQLAlchemy's asyncpg dialect raises its own error "from" asyncpg's, with the SQLSTATE copied over.
    class Adapted(Exception):
        sqlstate = "57P03"

    wrapped = DBAPIError("select 1", {}, Adapted("starting up"))
    wrapped.__cause__ = pg.CannotConnectNowError("the database system is starting up")
    assert means_unavailable(wrapped)
    assert means_unavailable(DBAPIError("select 1", {}, Adapted("by its SQLSTATE alone")))
    assert not means_unavailable(DBAPIError("select 1", {}, pg.UniqueViolationError("duplicate key")))


async def test_validation_is_a_problem_with_field_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/quotes", json={"quantity": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation")
    assert [e["pointer"] for e in body["errors"]] == ["#/quantity"]


async def test_openapi_lists_the_problems_each_route_can_answer(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in str(document)
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    raising = document["paths"]["/v1/raise/{what}"]["get"]["responses"]
    # The service's table and the platform's answers, each as a problem document.
    for status in ("404", "409", "422", "500", "503"):
        assert raising[status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }, status
    assert "out-of-stock" in raising["409"]["description"]
    assert "401" not in raising  # no token needed
    adding = document["paths"]["/v1/lines"]["post"]["responses"]
    for status in ("400", "401", "403", "413", "415", "422"):
        assert "application/problem+json" in adding[status]["content"], status
    assert "forbidden" in adding["403"]["description"]
    # Only a route that needs a level of confidence says it can refuse for one.
    assert "identity-not-proven" not in adding["403"]["description"]
    # The platform's health routes do not answer with the service's domain errors.
    live = document["paths"]["/health/live"]["get"]["responses"]
    assert "404" not in live
    assert "503" in live
