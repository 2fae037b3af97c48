"""The integrations service's own settings: where the providers are and its credentials at each.

The credentials (HMRC's OAuth client id and secret, the NHS API key) are Secrets Manager secrets
(`catalog.HMRC_CLIENT_SECRET`, `catalog.NHS_API_KEY_SECRET`), read when first needed and read again when
the provider refuses them (`dwp.platform.secrets.RotatingSecret`), so a rotation needs no restart.
`DWP_HMRC_CLIENT_ID` with `DWP_HMRC_CLIENT_SECRET`, or `DWP_NHS_API_KEY`, fix them instead (they never
rotate). Locally with no AWS endpoint they are the simulators' defaults; `dwp bootstrap` puts those
same defaults in the secrets on the embedded endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform import catalog
from dwp.platform.secrets import RotatingSecret
from dwp.platform.settings import Settings


class IntegrationsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DWP_", extra="ignore")

    hmrc_url: str | None = None
    hmrc_client_id: str | None = None
    hmrc_client_secret: str | None = None
    nhs_url: str | None = None
    nhs_api_key: str | None = None
    nhs_private_key_file: Path | None = Field(
        None, description="PEM of the RSA key the NHS knows our public key for; made locally when unset."
    )
    nhs_key_id: str = "dwp-integrations-1"
    provider_timeout_seconds: float = Field(
        5.0, gt=0, le=30, description="Longest a provider call may take, retries included."
    )
    hmrc_bulk_concurrency: int = Field(
        8, ge=1, le=64, description="People of one bulk earnings look-up asked of HMRC at once."
    )

    def hmrc_base(self, settings: Settings) -> str:
        return self.hmrc_url or settings.service_url("hmrc")

    def nhs_base(self, settings: Settings) -> str:
        return self.nhs_url or settings.service_url("nhs")

    def hmrc_credentials(self, settings: Settings) -> ProviderCredential:
        """HMRC's client: `{"client_id": ..., "client_secret": ...}`."""
        fixed = (
            {"client_id": self.hmrc_client_id, "client_secret": self.hmrc_client_secret}
            if self.hmrc_client_id and self.hmrc_client_secret
            else None
        )
        if (self.hmrc_client_id is None) != (self.hmrc_client_secret is None):
            raise ValueError("set both DWP_HMRC_CLIENT_ID and DWP_HMRC_CLIENT_SECRET, or neither")
        return ProviderCredential(settings, catalog.HMRC_CLIENT_SECRET, fixed)

    def nhs_credentials(self, settings: Settings) -> ProviderCredential:
        """Our application at the NHS: `{"api_key": ...}`."""
        fixed = {"api_key": self.nhs_api_key} if self.nhs_api_key else None
        return ProviderCredential(settings, catalog.NHS_API_KEY_SECRET, fixed)


class ProviderCredential:
    """One provider credential: fixed by settings, else its rotating secret, else (locally, with no AWS
    endpoint to hold the secret) the simulator's local default."""

    def __init__(self, settings: Settings, secret_id: str, fixed: dict[str, str] | None) -> None:
        self.fixed = fixed is not None
        self.secret = RotatingSecret(settings, secret_id)
        self._fixed = fixed
        self._local: dict[str, Any] | None = None
        if fixed is None and settings.is_local and not settings.aws_endpoint_url:
            self._local = json.loads(catalog.LOCAL_SECRET_VALUES[secret_id])

    async def current(self) -> dict[str, Any]:
        if self._fixed is not None:
            return dict(self._fixed)
        if self._local is not None:
            return dict(self._local)
        return await self.secret.document()

    async def refresh(self) -> bool:
        """After the provider refused it: read it again; whether it changed (then try once more)."""
        if self._fixed is not None or self._local is not None:
            return False
        return await self.secret.refresh()
