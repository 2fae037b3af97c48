"""The IDOR matrix (security issue, attack suite), generated from every service's OpenAPI document.

Every route with an id in its path is called twice: first by the resource's owner (citizen B, or a
caseworker for a staff-only resource) on B's real resource, which must succeed, then by citizen A on the
same resource, which must answer 404 (another citizen's record does not exist for A) or, on a staff-only
route, 403. A route is covered the day it is added: one whose path parameter has no resource factory
below, or that has no request builder, fails the matrix until someone adds them.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.conftest import random_nino
from tests.integration.conftest import bearer, citizen_service, on_behalf_of, serve

pytestmark = pytest.mark.integration

PARAMETER = re.compile(r"\{([^}]+)\}")

PUBLIC = {("GET", "/v1/rates/{tax_year}"): "published benefit rates: nobody owns a tax year"}
"""Routes with a path parameter that names no one's resource, each with the reason."""


@dataclass
class Resource:
    id: str
    owner: str
    """The token that may use it: the citizen who owns it, or a caseworker for a staff-only resource."""
    staff_only: bool
    etag: str | None = None


@dataclass
class Services:
    apps: dict[str, httpx.AsyncClient]
    tokens: Callable[..., str]


async def _citizen_record(services: Services) -> Resource:
    owner_id = str(uuid.uuid4())
    owner = services.tokens("citizen", citizen_id=owner_id)
    body = {
        "given_name": "Bea", "family_name": "Owner", "date_of_birth": "1990-01-01",
        "national_insurance_number": random_nino(), "email": "bea@example.com",
    }  # fmt: skip
    citizen = services.apps["citizen"]
    created = await citizen.post("/v1/internal/citizens", json=body, headers=on_behalf_of(citizen, owner))
    assert created.status_code == 201, created.text
    return Resource(created.json()["id"], owner, staff_only=False, etag=created.headers.get("etag"))


async def _assessment(services: Services) -> Resource:
    body = {
        "claim_id": f"claim-{uuid.uuid4().hex[:8]}",
        "circumstances": {
            "assessment_period_start": "2025-06-01",
            "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
        },
    }
    service = services.tokens("service")
    created = await services.apps["benefits"].post("/v1/assessments", json=body, headers=bearer(service))
    assert created.status_code == 201, created.text
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    return Resource(created.json()["id"], caseworker, staff_only=True)


FACTORIES: dict[str, Callable[[Services], Awaitable[Resource]]] = {
    "citizen_id": _citizen_record,
    "assessment_id": _assessment,
}
"""How to make a real resource for each kind of id a path can carry."""

STAFF_ONLY_ROUTES = {("GET", "/v1/citizens/{citizen_id}/audit")}
"""Routes on a citizen's resource that only staff may use: the owner's call is made as a caseworker."""
SERVICE_ONLY_ROUTES = {
    ("GET", "/v1/internal/citizens/{citizen_id}/contact-details"): "claims",
    ("GET", "/v1/citizens/{citizen_id}/contact"): "workers",
}
"""Internal routes on a citizen's resource: the owner's call is made as a service the route allows."""


def _request(method: str, path: str, resource: Resource) -> dict[str, Any]:
    """The body and headers a route needs to succeed for its owner."""
    headers = {"If-Match": resource.etag} if resource.etag else {}
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/v1/citizens/{citizen_id}"): {"preferred_language": "cy"},
        ("PUT", "/v1/citizens/{citizen_id}/contact-preferences"): {
            "channels": ["email"],
            "welsh_letters": False,
        },
    }
    if method in ("GET", "HEAD", "DELETE"):
        return {"headers": headers}
    if (method, path) not in bodies:
        pytest.fail(f"{method} {path}: the IDOR matrix has no request body for this route; add one")
    return {"headers": headers, "json": bodies[(method, path)]}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if PARAMETER.search(path) and (method.upper(), path) not in PUBLIC:
                found.append((method.upper(), path))
    return sorted(found)


def _apps(settings: Settings) -> dict[str, FastAPI]:
    from dwp.benefits.app import build_app as build_benefits
    from dwp.citizen.app import build_app as build_citizen

    return {"citizen": build_citizen(settings), "benefits": build_benefits(settings)}


@pytest.fixture
async def services(bootstrapped: Settings, tokens: Callable[..., str]) -> AsyncIterator[Services]:
    await asyncio.to_thread(upgrade, "benefits", bootstrapped)
    citizen = await citizen_service(bootstrapped)
    apps = _apps(bootstrapped) | {"citizen": citizen}
    async with serve(apps["citizen"]) as c, serve(apps["benefits"]) as b:
        yield Services({"citizen": c, "benefits": b}, tokens)


def test_the_matrix_covers_every_route_with_an_id(tmp_path: Any) -> None:
    """The generated list itself: every id-carrying route has a factory, and there are routes to test."""
    settings = Settings(dwp_env="test", dwp_data_dir=tmp_path)
    generated = {name: routes(app) for name, app in _apps(settings).items()}
    for name, found in generated.items():
        for method, path in found:
            for parameter in PARAMETER.findall(path):
                assert parameter in FACTORIES, f"{name}: {method} {path}: no way to make a real {parameter}"
    assert sum(len(v) for v in generated.values()) >= 6, generated


async def test_no_citizen_reaches_another_citizens_resources(services: Services) -> None:
    attacker = services.tokens("citizen", citizen_id=str(uuid.uuid4()))
    checked = []
    for name, client in services.apps.items():
        app: FastAPI = client._transport.app  # type: ignore[attr-defined]
        for method, path in routes(app):
            (parameter,) = PARAMETER.findall(path)
            resource = await FACTORIES[parameter](services)
            owner = resource.owner
            service = SERVICE_ONLY_ROUTES.get((method, path))
            staff_only = resource.staff_only or (method, path) in STAFF_ONLY_ROUTES or service is not None
            if service is not None:
                owner = services.tokens("service", subject=service)
            elif staff_only and not resource.staff_only:
                owner = services.tokens("caseworker", roles=["caseworker"])
            url = path.replace(f"{{{parameter}}}", resource.id)
            request = _request(method, path, resource)
            own = await client.request(
                method, url, **request | {"headers": bearer(owner, **request["headers"])}
            )
            assert 200 <= own.status_code < 300, f"{name}: {method} {path} for its owner: {own.text}"
            if own.headers.get("etag"):
                resource.etag = own.headers["etag"]  # the attacker gets the current version, not a 412
            request = _request(method, path, resource)
            theirs = await client.request(
                method, url, **request | {"headers": bearer(attacker, **request["headers"])}
            )
            expected = 403 if staff_only else 404
            assert theirs.status_code == expected, (
                f"{name}: {method} {path} for another citizen: {theirs.text}"
            )
            assert theirs.headers["content-type"].startswith("application/problem+json")
            checked.append(f"{method} {path}")
    assert len(checked) >= 6, checked
