"""The gateway's own settings (beside the platform's): the rate limits it holds callers to."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform.settings import Settings


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DWP_GATEWAY_", extra="ignore")

    rate_limit: str = Field("50/second;1000/minute", description="Per client, in the `limits` notation.")
    refused_rate_limit: str = Field(
        "20/minute;200/hour",
        description="Bad tokens per client address, beyond which every token is refused.",
    )

    platform: Settings = Field(default_factory=Settings, exclude=True)
