"""Internal tokens in use: through the gateway to the citizen service, after a key rotation, for
services (client credentials), and the local development key no longer trusted."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from joserfc import jwt
from sqlalchemy import select, update

from dwp.identity import service
from dwp.identity.repository import signing_keys
from dwp.identity.tokens import ACTIVATION_DELAY_SECONDS
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.http import holds_no_cookies
from tests.integration.identity.flows import callback_path, follow_to_provider
from tests.integration.identity.harness import GATEWAY, IDENTITY, Platform

pytestmark = pytest.mark.integration


def _problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@asynccontextmanager
async def _gateway_sign_in(
    platform: Platform, user: str = "sarah-p2"
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The whole journey through the gateway, the one address a browser uses; gives the browser and
    an internal token for the session."""
    async with platform.browser(GATEWAY) as browser:
        start = await browser.get("/v1/auth/one-login/start")
        back = await follow_to_provider(browser, start, user)
        assert back.headers["location"].startswith(f"{GATEWAY}/v1/auth/one-login/callback?")
        done = await browser.get(callback_path(back))
        assert done.status_code == 303, done.text
        page = await browser.get(done.headers["location"])
        assert page.status_code == 200
        token = (await browser.post("/v1/sessions/token")).json()["access_token"]
        yield browser, token


async def test_citizen_reaches_their_own_record_through_the_gateway(platform: Platform) -> None:
    async with _gateway_sign_in(platform) as (browser, token):
        registered = await browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
        assert registered.status_code == 303
        citizen_id = (await browser.get("/v1/sessions/current")).json()["subject_id"]
        token = (await browser.post("/v1/sessions/token")).json()["access_token"]
        own = await browser.get(f"/v1/citizens/{citizen_id}", headers={"Authorization": f"Bearer {token}"})
        assert own.status_code == 200
        assert own.json()["family_name"] == "Jones"


async def test_an_anonymous_caller_never_gets_the_last_persons_session(platform: Platform) -> None:
    """The gateway's one client once kept every Set-Cookie and sent it on for callers without one."""
    async with _gateway_sign_in(platform) as (browser, _token):
        assert (await browser.get("/v1/sessions/current")).status_code == 200
        async with platform.browser(GATEWAY) as anonymous:
            assert (await anonymous.get("/v1/sessions/current")).status_code == 401
            assert (await anonymous.post("/v1/sessions/token")).status_code == 401
            assert (await anonymous.get("/v1/auth/me")).status_code == 401
    for client in (platform.gateway.state.http, platform.identity.state.identity.http, platform.http):
        assert holds_no_cookies(client)


async def test_citizen_token_on_a_caseworker_route_is_forbidden(platform: Platform) -> None:
    async with _gateway_sign_in(platform) as (browser, token):
        response = await browser.post(
            "/v1/citizens/search",
            json={"national_insurance_number": "JG103759A"},
            headers={"Authorization": f"Bearer {token}"},
        )
    _problem(response, 403)


async def test_a_token_from_the_local_development_key_is_no_longer_trusted(platform: Platform) -> None:
    dev_token = mint_token(
        load_or_create_dev_key(platform.settings),
        issuer=IDENTITY,
        subject="x",
        kind="citizen",
        citizen_id="x",
    )
    async with platform.browser(GATEWAY) as client:
        _problem(await client.get("/v1/citizens/x", headers={"Authorization": f"Bearer {dev_token}"}), 401)


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    platform: Platform,
) -> None:
    ctx = platform.identity.state.identity
    async with _gateway_sign_in(platform) as (browser, old_token):
        # A rotation publishes first: let its activation delay pass by moving the keys' times back in
        # the store (the identity service's clock cannot move ahead: tokens would be issued in the future).
        rotated = await service.rotate_signing_keys(database=ctx.database, cipher=ctx.cipher, clock=ctx.clock)
        earlier = timedelta(seconds=ACTIVATION_DELAY_SECONDS + 1)
        async with ctx.database.transaction() as tx:
            for row in (await tx.execute(select(signing_keys))).all():
                moved = {"created_at": row.created_at - earlier}
                if row.retired_at is not None:
                    moved["retired_at"] = row.retired_at - earlier
                await tx.execute(update(signing_keys).where(signing_keys.c.kid == row.kid).values(**moved))
        new_kid = rotated.kid
        await service.key_ring(ctx, fresh=True)
        new_token = (await browser.post("/v1/sessions/token")).json()["access_token"]
        citizen_id = (await browser.get("/v1/sessions/current")).json()["subject_id"]
        keys = await platform.keys()
        assert jwt.decode(new_token, keys).header["kid"] == new_kid
        assert jwt.decode(old_token, keys).header["kid"] != new_kid
        for token in (old_token, new_token):
            response = await browser.get(
                f"/v1/citizens/{citizen_id}", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 404  # authenticated; not yet registered


async def test_a_rotation_publishes_the_new_key_before_it_signs(platform: Platform) -> None:
    ctx = platform.identity.state.identity
    async with _gateway_sign_in(platform) as (browser, _):
        before = jwt.decode(
            (await browser.post("/v1/sessions/token")).json()["access_token"], await platform.keys()
        )
        rotated = await service.rotate_signing_keys(database=ctx.database, cipher=ctx.cipher, clock=ctx.clock)
        await service.key_ring(ctx, fresh=True)
        published = {
            key["kid"] for key in (await platform.http.get(f"{GATEWAY}/.well-known/jwks.json")).json()["keys"]
        }
        assert {rotated.kid, before.header["kid"]} <= published
        # Verifiers that fetched the keys a moment ago know only the old key: it keeps signing for now.
        after = (await browser.post("/v1/sessions/token")).json()["access_token"]
        assert jwt.decode(after, await platform.keys()).header["kid"] == before.header["kid"]


async def test_service_token_by_client_credentials(platform: Platform) -> None:
    form = {"grant_type": "client_credentials", "client_id": "claims", "client_secret": "local-claims-secret"}
    response = await platform.http.post(f"{GATEWAY}/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], await platform.keys()).claims
    assert (claims["kind"], claims["sub"], claims["aud"]) == ("service", "claims", "dwp-platform")
    wrong = await platform.http.post(f"{GATEWAY}/v1/auth/token", data=form | {"client_secret": "guess"})
    _problem(wrong, 401)
    assert hashlib.sha256(b"guess").hexdigest() not in wrong.text
