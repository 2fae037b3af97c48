"""The integrations service's ASGI app: the platform app factory, the provider clients and the audit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from dwp.integrations import domain, hmrc, nhs, tokens
from dwp.integrations.api import router
from dwp.integrations.config import IntegrationsSettings
from dwp.integrations.hmrc import Hmrc
from dwp.integrations.nhs import Nhs
from dwp.integrations.service import IntegrationsContext
from dwp.platform.app_factory import create_app
from dwp.platform.database import Database
from dwp.platform.http import ResilientClient, RetryPolicy, shared_client
from dwp.platform.problems import ErrorMapping, ErrorTable
from dwp.platform.settings import Settings, get_settings

SERVICE = "integrations"
log = structlog.get_logger(SERVICE)

ERRORS: ErrorTable = {
    domain.InvalidIdentifier: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.InvalidPeriod: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.NotMatched: ErrorMapping(404, "no-match", "No match at HMRC"),
    domain.NoRecord: ErrorMapping(404, "no-record", "No record at the NHS"),
    # Our request or our credentials are wrong: nothing the caller can fix by trying again soon.
    domain.ProviderRefused: ErrorMapping(502, "provider-refused", "The provider refused the request"),
    # `retry_after` (the provider's Retry-After or the open breaker's wait) becomes the Retry-After header.
    domain.ProviderUnavailable: ErrorMapping(
        503, "provider-unavailable", "The provider is not answering", log_as="provider_unavailable"
    ),
}
"""The integrations service's one error table."""


def _nhs_key(config: IntegrationsSettings, settings: Settings) -> RSAKey:
    """Our private key at the NHS: from its file, else (locally) one made once and kept in the data dir."""
    path = config.nhs_private_key_file
    if path is None:
        if not settings.is_local:
            raise ValueError("DWP_NHS_PRIVATE_KEY_FILE must be set outside local")
        path = settings.keys_dir / "nhs-client.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = RSAKey.generate_key(4096)  # the NHS asks for 4096-bit keys
            path.write_bytes(key.as_pem(private=True))
            path.chmod(0o600)
    return RSAKey.import_key(Path(path).read_bytes())


def build_app(settings: Settings | None = None, *, http: httpx.AsyncClient | None = None) -> FastAPI:
    """`http` is the transport to the providers (tests pass one that reaches the simulators in process)."""
    settings = settings or get_settings()
    config = IntegrationsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = http or shared_client()
        policy = RetryPolicy(
            total_seconds=config.provider_timeout_seconds,
            attempt_seconds=config.provider_timeout_seconds,
            connect_seconds=min(2.0, config.provider_timeout_seconds),
        )
        hmrc_base, nhs_base = config.hmrc_base(settings), config.nhs_base(settings)
        # The credentials as last read: each token request sends these, and a refusal (401
        # `invalid_client`, the credential rotated) reads the secret again and asks once more.
        hmrc_credential = config.hmrc_credentials(settings)
        nhs_credential = config.nhs_credentials(settings)
        hmrc_client: dict[str, str] = {}
        nhs_client: dict[str, str] = {}

        async def load_hmrc() -> None:
            if not hmrc_client:
                hmrc_client.update(await hmrc_credential.current())

        async def hmrc_refused() -> bool:
            if not await hmrc_credential.refresh():
                return False
            hmrc_client.clear()
            await load_hmrc()
            log.info("provider_credentials_reread", provider="hmrc", secret=hmrc_credential.secret.secret_id)
            return True

        hmrc_tokens = tokens.ClientCredentialsTokens(
            ResilientClient("hmrc-auth", hmrc_base, http=client, policy=policy),
            hmrc.TOKEN_PATH,
            tokens.hmrc_form(lambda: (hmrc_client["client_id"], hmrc_client["client_secret"]), hmrc.SCOPES),
            before_fetch=load_hmrc,
            on_unknown_client=hmrc_refused,
        )
        key = await asyncio.to_thread(_nhs_key, config, settings)
        nhs_auth = ResilientClient("nhs-auth", nhs_base, http=client, policy=policy)
        registered = False

        local_registration = settings.is_local and not nhs_credential.fixed

        async def load_nhs() -> None:
            if not nhs_client:
                nhs_client.update(await nhs_credential.current())

        async def register() -> None:
            # Locally the NHS simulator starts knowing no application: tell it ours, once per process.
            nonlocal registered
            await load_nhs()
            if registered or not local_registration:
                return
            await nhs_auth.request(
                "POST",
                "/_simulator/clients",
                json={"api_key": nhs_client["api_key"], "jwks": nhs.public_jwks(key, config.nhs_key_id)},
                idempotent=True,
            )
            registered = True

        async def nhs_refused() -> bool:
            nonlocal registered
            changed = await nhs_credential.refresh()
            if changed:
                nhs_client.clear()
                log.info(
                    "provider_credentials_reread", provider="nhs", secret=nhs_credential.secret.secret_id
                )
            if not (changed or local_registration):
                return False
            registered = False  # a simulator that restarted knows no application: register again
            await register()
            return True

        nhs_tokens = tokens.ClientCredentialsTokens(
            nhs_auth,
            nhs.TOKEN_PATH,
            tokens.nhs_form(
                key,
                config.nhs_key_id,
                lambda: nhs_client["api_key"],
                f"{nhs_base.rstrip('/')}{nhs.TOKEN_PATH}",
            ),
            before_fetch=register,
            on_unknown_client=nhs_refused,
        )
        app.state.integrations_tokens = {"hmrc": hmrc_tokens, "nhs": nhs_tokens}
        app.state.integrations_credentials = {"hmrc": hmrc_credential, "nhs": nhs_credential}
        database = Database(settings, SERVICE)
        app.state.readiness["database"] = database.ping
        app.state.integrations_context = IntegrationsContext(
            database=database,
            hmrc=Hmrc(ResilientClient("hmrc", hmrc_base, http=client, tokens=hmrc_tokens, policy=policy)),
            nhs=Nhs(ResilientClient("nhs", nhs_base, http=client, tokens=nhs_tokens, policy=policy)),
            bulk_concurrency=config.hmrc_bulk_concurrency,
        )
        try:
            yield
        finally:
            await database.dispose()
            if http is None:
                await client.aclose()

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="The one way to HMRC and the NHS: earnings and fit notes, every access audited.",
    )
