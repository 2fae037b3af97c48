"""Access tokens at the providers: OAuth 2.0 client credentials, cached until shortly before expiry.

HMRC takes the client id and secret as form fields; the NHS takes a `client_assertion`, a JWT signed
RS512 with our private key. Either way one token is fetched when first needed, shared by concurrent
callers, kept until `REFRESH_MARGIN_SECONDS` before it expires, and dropped when a provider refuses it
(the `ResilientClient` calls `invalidate` on a 401 and fetches again once). A token request refused
with 401 (`invalid_client`: the client credential rotated) asks the caller (`on_unknown_client`), which
reads the credential again, and is sent once more only when the credential changed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dwp.platform.http import ResilientClient, UpstreamBadResponse, UpstreamRejected
from dwp.platform.http.deadline import Clock

REFRESH_MARGIN_SECONDS = 60.0
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 240  # the NHS refuses an assertion that expires more than five minutes ahead


class _Grant(BaseModel):
    model_config = ConfigDict(extra="ignore")
    access_token: str = Field(min_length=1)
    expires_in: int = Field(gt=0)  # the NHS sends it as a string ("599"): pydantic reads either


FormMaker = Callable[[], dict[str, str]]


class ClientCredentialsTokens:
    """A `TokenSource` for one provider's token endpoint."""

    def __init__(
        self,
        auth: ResilientClient,
        path: str,
        form: FormMaker,
        *,
        before_fetch: Callable[[], Awaitable[None]] | None = None,
        on_unknown_client: Callable[[], Awaitable[bool]] | None = None,
        clock: Clock = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._auth = auth
        self._path = path
        self._form = form
        self._before_fetch = before_fetch
        self._on_unknown_client = on_unknown_client
        self._clock = clock
        self._margin = refresh_margin
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0
        """How many tokens were fetched (for tests and metrics)."""

    def _fresh(self) -> str | None:
        return self._token if self._token is not None and self._clock() < self._refresh_at else None

    async def token(self) -> str:
        if (token := self._fresh()) is not None:
            return token
        async with self._lock:
            if (token := self._fresh()) is not None:
                return token
            if self._before_fetch is not None:
                await self._before_fetch()
            # Asking for a token changes nothing at the provider: safe to retry like a GET. The NHS
            # form carries a fresh assertion (a new jti) on every call of `form`, so a retry resends
            # the same one only within this request, which the provider never saw succeed.
            try:
                response = await self._auth.request("POST", self._path, data=self._form(), idempotent=True)
            except UpstreamRejected as exc:
                # The provider does not know us: our credential rotated (read it again) or a local
                # simulator restarted (register again); ask once more when the caller says it is worth it.
                if (
                    exc.status != 401
                    or self._on_unknown_client is None
                    or not await self._on_unknown_client()
                ):
                    raise
                response = await self._auth.request("POST", self._path, data=self._form(), idempotent=True)
            try:
                grant = _Grant.model_validate_json(response.content)
            except ValidationError:
                raise UpstreamBadResponse(
                    "the token answer is not an OAuth token", upstream=self._auth.upstream, path=self._path
                ) from None
            self.fetched += 1
            self._token = grant.access_token
            self._refresh_at = self._clock() + grant.expires_in - min(self._margin, grant.expires_in / 2)
            return grant.access_token

    def invalidate(self, token: str) -> None:
        if token == self._token:
            self._token = None


def hmrc_form(credentials: Callable[[], tuple[str, str]], scopes: tuple[str, ...]) -> FormMaker:
    """`credentials`: the client id and secret as last read (they rotate)."""

    def form() -> dict[str, str]:
        client_id, client_secret = credentials()
        return {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": " ".join(scopes),
        }

    return form


def nhs_form(key: RSAKey, key_id: str, api_key: Callable[[], str], token_url: str) -> FormMaker:
    """A new signed assertion per token request, as the NHS signed-JWT guide asks; `api_key` as last
    read (it rotates)."""

    def form() -> dict[str, str]:
        now = int(time.time())
        application = api_key()
        claims = {
            "iss": application,
            "sub": application,
            "aud": token_url,
            "jti": str(uuid.uuid4()),
            "exp": now + ASSERTION_SECONDS,
        }
        assertion = jwt.encode(
            {"alg": "RS512", "kid": key_id, "typ": "JWT"}, claims, key, algorithms=["RS512"]
        )
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion,
        }

    return form
