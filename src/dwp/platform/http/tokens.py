"""This service's own bearer token (OAuth client credentials), from the identity service.

The identity service mints a short-lived ES256 token naming the calling service at `/v1/auth/token`
(`grant_type=client_credentials`, the client id and secret as form fields). One is fetched per process
when first needed, kept until shortly before it expires, and fetched again early when an upstream
refuses it (the client calls `invalidate` on a 401). Concurrent callers share one fetch.

The secret is a fixed value (`DWP_SERVICE_CLIENT_SECRET`: ECS injects it from Secrets Manager at task
start) or the secret's ARN (`DWP_SERVICE_CLIENT_SECRET_ARN`: a Lambda function, which has no such
injection, reads it through `dwp.platform.secrets.RotatingSecret` when first needed). When the identity
service refuses a secret read that way (401, rotated), it is read again and the request tried once more.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform.http.client import ResilientClient
from dwp.platform.http.deadline import Clock
from dwp.platform.http.errors import UpstreamBadResponse, UpstreamRejected
from dwp.platform.secrets import RotatingSecret
from dwp.platform.settings import Settings

TOKEN_PATH = "/v1/auth/token"  # noqa: S105 - a path, not a secret
REFRESH_MARGIN_SECONDS = 30.0


class _Grant(BaseModel):
    model_config = ConfigDict(extra="ignore")
    access_token: str = Field(min_length=1)
    token_type: str
    expires_in: int = Field(gt=0)


class ServiceCredentials(BaseSettings):
    """This process's client id and secret at the identity service (`DWP_SERVICE_CLIENT_ID`/`_SECRET`).

    Locally each catalogued process has the secret `local-<name>-secret`, which the identity service
    also accepts locally (`identity.clients`); elsewhere the secret or its secret's ARN
    (`DWP_SERVICE_CLIENT_SECRET_ARN`, read from Secrets Manager) must be set.
    """

    model_config = SettingsConfigDict(env_prefix="DWP_SERVICE_", extra="ignore")
    client_id: str | None = None
    client_secret: str | None = None
    client_secret_arn: str | None = None

    def resolved(self, service: str, settings: Settings) -> tuple[str, str | RotatingSecret]:
        client_id = self.client_id or service
        if self.client_secret:
            return client_id, self.client_secret
        if self.client_secret_arn:
            return client_id, RotatingSecret(settings, self.client_secret_arn)
        if not settings.is_local:
            raise ValueError(
                "DWP_SERVICE_CLIENT_SECRET or DWP_SERVICE_CLIENT_SECRET_ARN must be set outside local"
            )
        return client_id, f"local-{client_id}-secret"


class ServiceTokens:
    """Tokens naming this service, for its calls to other services of the platform."""

    def __init__(
        self,
        identity: ResilientClient,
        *,
        client_id: str,
        client_secret: str | RotatingSecret,
        clock: Clock = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._identity = identity
        self._client_id = client_id
        self._secret = client_secret
        self._clock = clock
        self._margin = refresh_margin
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0
        """How many tokens were fetched (for tests and metrics)."""

    @classmethod
    def for_service(cls, service: str, settings: Settings, **kwargs: Any) -> ServiceTokens:
        """Tokens for `service` from the identity service the settings name, over its own client."""
        client_id, secret = ServiceCredentials().resolved(service, settings)
        identity = ResilientClient.for_service("identity", settings, **kwargs)
        return cls(identity, client_id=client_id, client_secret=secret)

    async def _request(self) -> Any:
        secret = self._secret if isinstance(self._secret, str) else await self._secret.value()
        form = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": secret}
        # Minting a token changes nothing, so the request may be retried like a GET.
        return await self._identity.request("POST", TOKEN_PATH, data=form, idempotent=True)

    def _fresh(self) -> str | None:
        return self._token if self._token is not None and self._clock() < self._refresh_at else None

    async def token(self) -> str:
        if (token := self._fresh()) is not None:
            return token
        async with self._lock:
            if (token := self._fresh()) is not None:  # another caller fetched it while we waited
                return token
            try:
                response = await self._request()
            except UpstreamRejected as exc:
                # A secret read from Secrets Manager that identity refuses may have been rotated: read it
                # again, and try once more only if it changed (the same one would be refused again).
                if exc.status != 401 or not isinstance(self._secret, RotatingSecret):
                    raise
                if not await self._secret.refresh():
                    raise
                response = await self._request()
            try:
                grant = _Grant.model_validate_json(response.content)
            except ValidationError:
                raise UpstreamBadResponse(
                    "the token answer is not an OAuth token",
                    upstream=self._identity.upstream,
                    path=TOKEN_PATH,
                ) from None
            self.fetched += 1
            self._token = grant.access_token
            # Refresh a little early so no call starts with a token about to expire on the way.
            self._refresh_at = self._clock() + grant.expires_in - min(self._margin, grant.expires_in / 2)
            return grant.access_token

    def invalidate(self, token: str) -> None:
        """Forget `token` (an upstream refused it); the next call fetches a new one."""
        if token == self._token:
            self._token = None
