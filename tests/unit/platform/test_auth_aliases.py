"""The `Annotated` auth aliases: who each lets through, and the problem everyone else gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Request
from joserfc.jwk import ECKey, KeySet
from typer.testing import CliRunner

from dwp.platform.app_factory import create_app
from dwp.platform.auth import (
    Actor,
    Authenticated,
    Caseworker,
    CitizenPrincipal,
    KeySource,
    Principal,
    ServiceCaller,
    StaffOrService,
    TokenVerifier,
    allow_callers,
    mint_token,
    public_key_set,
    require_confidence,
)
from dwp.platform.settings import Settings

ISSUER = "http://identity.test"


def _router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    def answer(principal: Principal) -> dict[str, Any]:
        return {"subject": principal.subject, "roles": sorted(principal.roles)}

    @router.get("/anyone")
    async def anyone(principal: Authenticated) -> dict[str, Any]:
        return answer(principal)

    @router.get("/citizen")
    async def citizen(principal: CitizenPrincipal) -> dict[str, Any]:
        return answer(principal)

    @router.get("/proven")
    async def proven(principal: Annotated[Principal, require_confidence("P2")]) -> dict[str, Any]:
        return answer(principal)

    @router.get("/staff")
    async def staff(principal: Caseworker) -> dict[str, Any]:
        return answer(principal)

    @router.get("/service")
    async def service(principal: ServiceCaller) -> dict[str, Any]:
        return answer(principal)

    @router.get("/identity-only")
    async def identity_only(principal: Annotated[Principal, allow_callers("identity")]) -> dict[str, Any]:
        return answer(principal)

    @router.get("/staff-or-service")
    async def staff_or_service(principal: StaffOrService) -> dict[str, Any]:
        return answer(principal)

    @router.get("/actor")
    async def actor(principal: Authenticated, request: Request) -> dict[str, Any]:
        who = Actor.of(principal, request)
        return {"subject": who.subject, "kind": who.kind, "request_id": who.request_id}

    return router


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)


@pytest.fixture
async def client(tmp_path: Path, key: ECKey) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=ISSUER, redis_url=None)
    app = create_app(service="aliases", routers=[_router()], settings=settings)
    async with app.router.lifespan_context(app):
        keys = KeySource(key_set=KeySet.import_key_set(public_key_set([key])))
        app.state.token_verifier = TokenVerifier(keys, issuer=ISSUER)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aliases.test") as http:
            yield http


def _token(key: ECKey, kind: str, **claims: Any) -> dict[str, str]:
    if kind == "citizen":
        claims.setdefault("citizen_id", "c-1")
    token = mint_token(key, issuer=ISSUER, subject=claims.pop("subject", f"{kind}-1"), kind=kind, **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str], status: int) -> dict[str, Any]:
    response = await client.get(path, headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    return dict(response.json())


async def test_no_token_is_401_everywhere(client: httpx.AsyncClient) -> None:
    for path in ("/v1/anyone", "/v1/citizen", "/v1/proven", "/v1/staff", "/v1/service", "/v1/identity-only"):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == 'Bearer realm="dwp"'
        assert response.json()["type"].endswith("/unauthenticated")
    assert (await client.get("/v1/anyone", headers={"Authorization": "Basic eDp5"})).status_code == 401


async def test_citizen_principal(client: httpx.AsyncClient, key: ECKey) -> None:
    await _get(client, "/v1/citizen", _token(key, "citizen"), 200)
    for kind in ("caseworker", "service"):
        body = await _get(client, "/v1/citizen", _token(key, kind, roles=["caseworker"]), 403)
        assert body["type"].endswith("/forbidden")


async def test_caseworker_needs_a_staff_role_on_a_caseworker_token(
    client: httpx.AsyncClient, key: ECKey
) -> None:
    assert (await _get(client, "/v1/staff", _token(key, "caseworker", roles=["caseworker"]), 200))[
        "roles"
    ] == ["caseworker"]
    await _get(client, "/v1/staff", _token(key, "caseworker", roles=["team-leader"]), 200)
    await _get(client, "/v1/staff", _token(key, "caseworker"), 403)
    await _get(client, "/v1/staff", _token(key, "caseworker", roles=["auditor"]), 403)


@pytest.mark.parametrize("kind", ["citizen", "service"])
async def test_roles_count_only_on_caseworker_tokens(
    client: httpx.AsyncClient, key: ECKey, kind: str
) -> None:
    posing = _token(key, kind, roles=["caseworker", "team-leader"])
    await _get(client, "/v1/staff", posing, 403)
    assert (await _get(client, "/v1/anyone", posing, 200))["roles"] == []
    if kind == "citizen":
        await _get(client, "/v1/staff-or-service", posing, 403)


async def test_staff_or_service(client: httpx.AsyncClient, key: ECKey) -> None:
    await _get(client, "/v1/staff-or-service", _token(key, "caseworker", roles=["caseworker"]), 200)
    await _get(client, "/v1/staff-or-service", _token(key, "service", subject="claims"), 200)
    await _get(client, "/v1/staff-or-service", _token(key, "caseworker"), 403)
    await _get(client, "/v1/staff-or-service", _token(key, "citizen"), 403)


async def test_service_callers_are_named(client: httpx.AsyncClient, key: ECKey) -> None:
    assert (await _get(client, "/v1/service", _token(key, "service", subject="claims"), 200))[
        "subject"
    ] == "claims"
    await _get(client, "/v1/service", _token(key, "citizen"), 403)
    await _get(client, "/v1/identity-only", _token(key, "service", subject="identity"), 200)
    refused = await _get(client, "/v1/identity-only", _token(key, "service", subject="claims"), 403)
    assert refused["type"].endswith("/caller-not-allowed")
    assert "identity" in refused["detail"]
    assert "claims" in refused["detail"]
    await _get(client, "/v1/identity-only", _token(key, "caseworker", roles=["caseworker"]), 403)


@pytest.mark.parametrize("level", ["P2", "P3"])
async def test_a_proven_identity_passes(client: httpx.AsyncClient, key: ECKey, level: str) -> None:
    await _get(client, "/v1/proven", _token(key, "citizen", level_of_confidence=level), 200)


@pytest.mark.parametrize("level", ["P0", "P1", None, "P9"])
async def test_an_unproven_identity_is_told_what_is_missing(
    client: httpx.AsyncClient, key: ECKey, level: str | None
) -> None:
    body = await _get(client, "/v1/proven", _token(key, "citizen", level_of_confidence=level), 403)
    assert body["type"].endswith("/identity-not-proven")
    assert body["required_level_of_confidence"] == "P2"
    assert body["level_of_confidence"] == level
    assert "P2" in body["detail"]
    assert "One Login" in body["detail"]


async def test_confidence_is_for_citizens(client: httpx.AsyncClient, key: ECKey) -> None:
    body = await _get(client, "/v1/proven", _token(key, "caseworker", roles=["caseworker"]), 403)
    assert body["type"].endswith("/forbidden")


def test_an_unknown_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="level of confidence"):
        require_confidence("high")


async def test_actor_is_who_the_audit_records(client: httpx.AsyncClient, key: ECKey) -> None:
    headers = {
        **_token(key, "caseworker", roles=["caseworker"], subject="staff-7"),
        "X-Request-ID": "req-12345678",
    }
    assert await _get(client, "/v1/actor", headers, 200) == {
        "subject": "staff-7",
        "kind": "caseworker",
        "request_id": "req-12345678",
    }


async def test_openapi_names_the_bearer_scheme_on_routes_that_need_a_token(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["paths"]["/v1/staff"]["get"]["security"] == [{"HTTPBearer": []}]
    assert document["paths"]["/v1/proven"]["get"]["security"] == [{"HTTPBearer": ["level-of-confidence:P2"]}]
    assert document["paths"]["/v1/identity-only"]["get"]["security"] == [{"HTTPBearer": ["caller:identity"]}]
    proven = document["paths"]["/v1/proven"]["get"]["responses"]["403"]["description"]
    assert "identity-not-proven" in proven
    assert "caller-not-allowed" not in proven
    assert (
        "caller-not-allowed"
        in document["paths"]["/v1/identity-only"]["get"]["responses"]["403"]["description"]
    )
    assert (
        "identity-not-proven" not in document["paths"]["/v1/staff"]["get"]["responses"]["403"]["description"]
    )
    assert "security" not in document["paths"]["/health/live"]["get"]


@pytest.mark.parametrize("kind", ["citizen", "service"])
def test_dwp_token_refuses_roles_on_other_kinds(kind: str) -> None:
    from dwp.cli import app

    result = CliRunner().invoke(app, ["token", kind, "--role", "caseworker"])
    assert result.exit_code != 0
    assert "--role is for caseworker tokens" in result.output
