"""Fetching and caching a provider's published documents (discovery, JWKS, DID) the way One Login asks.

"You should cache the returned JWKS document ... The Cache-Control HTTP header field ... contains a
suggested caching period ... If there's a temporary outage ... continue to trust the cached version."
(One Login, "Authenticate your user" and "Prove your user's identity".)
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from joserfc import jwk

DEFAULT_MAX_AGE = 300
REFRESH_FLOOR_SECONDS = 5.0
"""An unknown kid triggers a refetch, but not more often than this: a flood of forged tokens with
random key ids must not turn into a flood of requests to the provider."""


class ProviderUnavailable(Exception):
    """The provider could not be reached and nothing usable is cached."""


class CachedDocument:
    """A JSON document fetched over HTTP, kept for the provider's `Cache-Control: max-age`."""

    def __init__(
        self, url: str, http: httpx.AsyncClient, *, refresh_floor: float = REFRESH_FLOOR_SECONDS
    ) -> None:
        self.url = url
        self._refresh_floor = refresh_floor
        self._http = http
        self._value: dict[str, Any] | None = None
        self._fresh_until = 0.0
        self._fetched_at = 0.0

    async def get(self, *, force: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        stale = self._value is None or now >= self._fresh_until
        recently = now - self._fetched_at < self._refresh_floor
        if stale or (force and not recently):
            await self._refresh(now)
        if self._value is None:
            raise ProviderUnavailable(self.url)
        return self._value

    async def _refresh(self, now: float) -> None:
        try:
            response = await self._http.get(self.url, timeout=5.0)
            response.raise_for_status()
            value = response.json()
        except (httpx.HTTPError, ValueError):
            # Keep trusting what we had; try again soon rather than on every request.
            self._fresh_until = now + self._refresh_floor
            self._fetched_at = now
            return
        self._value = value
        self._fetched_at = now
        self._fresh_until = now + _max_age(response.headers.get("cache-control", ""))


def _max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    return int(match.group(1)) if match else DEFAULT_MAX_AGE


class KeyCache:
    """A provider's signing keys, refetched when a token names a key id we have not seen (rotation)."""

    def __init__(self, document: CachedDocument, *, did: bool = False) -> None:
        self._document = document
        self._did = did

    async def key_set(self, kid: str | None) -> jwk.KeySet:
        keys = self._keys(await self._document.get())
        if kid is not None and not any(k.kid == kid for k in keys.keys):
            keys = self._keys(await self._document.get(force=True))
        return keys

    def _keys(self, doc: dict[str, Any]) -> jwk.KeySet:
        if not self._did:
            return jwk.KeySet.import_key_set(doc)  # type: ignore[arg-type]
        # A DID document lists keys as assertion methods; the method id is the JWT's kid.
        methods = doc.get("assertionMethod") or []
        return jwk.KeySet(
            [
                jwk.ECKey.import_key(m["publicKeyJwk"] | {"kid": m["id"]})
                for m in methods
                if "publicKeyJwk" in m
            ]
        )

    async def did_id(self) -> str | None:
        return (await self._document.get()).get("id")
