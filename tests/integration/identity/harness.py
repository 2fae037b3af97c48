"""The in-process platform the identity integration tests run against."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from joserfc.jwk import KeySet

from dwp.platform import catalog
from dwp.platform.settings import Settings

IDENTITY = catalog.process("identity").local_url
CITIZEN = catalog.process("citizen").local_url
ONE_LOGIN = catalog.process("one-login").local_url
STAFF = catalog.process("staff-sign-in").local_url
GATEWAY = catalog.process("gateway").local_url


class Network(httpx.AsyncBaseTransport):
    """Routes each request to the in-process app listening at its host and port."""

    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}

    def add(self, url: str, app: FastAPI) -> None:
        self.apps[urlsplit(url).netloc] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.netloc.decode())
        if transport is None:
            raise httpx.ConnectError(f"nothing listens at {request.url.netloc.decode()}", request=request)
        return await transport.handle_async_request(request)


@dataclass
class Platform:
    settings: Settings
    network: Network
    identity: FastAPI
    one_login: FastAPI
    http: httpx.AsyncClient
    gateway: FastAPI

    async def keys(self) -> KeySet:
        return KeySet.import_key_set((await self.http.get(f"{IDENTITY}/.well-known/jwks.json")).json())

    def browser(self, base_url: str = IDENTITY) -> httpx.AsyncClient:
        """A browser: keeps cookies, does not follow redirects (tests follow them step by step)."""
        return httpx.AsyncClient(transport=self.network, base_url=base_url)
