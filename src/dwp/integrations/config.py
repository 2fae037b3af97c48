"""The integrations service's own settings: where the providers are and its credentials at each.

Locally the credentials are the simulators' defaults. Elsewhere they must be set; they will come from
Secrets Manager (re-read after rotation) once the deployability issue adds the platform's refresh.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform.settings import Settings

LOCAL_HMRC_CLIENT_ID = "dwp-integrations-local"
LOCAL_HMRC_CLIENT_SECRET = "local-hmrc-secret"  # noqa: S105 - the HMRC simulator's local default
LOCAL_NHS_API_KEY = "dwp-integrations-local"


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

    def hmrc_credentials(self, settings: Settings) -> tuple[str, str]:
        if self.hmrc_client_id and self.hmrc_client_secret:
            return self.hmrc_client_id, self.hmrc_client_secret
        if not settings.is_local:
            raise ValueError("DWP_HMRC_CLIENT_ID and DWP_HMRC_CLIENT_SECRET must be set outside local")
        return (
            self.hmrc_client_id or LOCAL_HMRC_CLIENT_ID,
            self.hmrc_client_secret or LOCAL_HMRC_CLIENT_SECRET,
        )

    def nhs_key(self, settings: Settings) -> str:
        if self.nhs_api_key:
            return self.nhs_api_key
        if not settings.is_local:
            raise ValueError("DWP_NHS_API_KEY must be set outside local")
        return LOCAL_NHS_API_KEY
