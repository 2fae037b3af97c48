from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from joserfc import jwk

from dwp.simulators.one_login.app import create_app
from dwp.simulators.one_login.registry import Client
from tests.unit.identity.one_login_helpers import (
    BACK_CHANNEL_URI,
    BASE,
    CLIENT_ID,
    LOGOUT_URI,
    REDIRECT_URI,
    RelyingParty,
)


class BackChannelRecorder:
    """Stands in for the relying party's back-channel logout endpoint."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200)


@pytest.fixture
def rp_key() -> jwk.ECKey:
    return jwk.ECKey.generate_key("P-256", parameters={"kid": "rp-key-1"}, private=True)


@pytest.fixture
def back_channel() -> BackChannelRecorder:
    return BackChannelRecorder()


def _client(client_id: str, key: jwk.ECKey, *, return_codes: bool) -> Client:
    return Client(
        client_id=client_id,
        sector_identifier="rp.example",
        redirect_uris=(REDIRECT_URI,),
        post_logout_redirect_uris=(LOGOUT_URI,),
        back_channel_logout_uri=BACK_CHANNEL_URI,
        jwks={"keys": [key.as_dict(private=False)]},
        return_codes_enabled=return_codes,
    )


@pytest.fixture
async def simulator(rp_key: jwk.ECKey, back_channel: BackChannelRecorder) -> AsyncIterator[httpx.AsyncClient]:
    outbound = httpx.AsyncClient(transport=httpx.MockTransport(back_channel.handler))
    clients = {
        CLIENT_ID: _client(CLIENT_ID, rp_key, return_codes=True),
        "plain-rp": _client("plain-rp", rp_key, return_codes=False),
    }
    app = create_app(base_url=BASE, clients=clients, http=outbound)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http
    await outbound.aclose()


@pytest.fixture
def rp(simulator: httpx.AsyncClient, rp_key: jwk.ECKey) -> RelyingParty:
    return RelyingParty(http=simulator, key=rp_key)
