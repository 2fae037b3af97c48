"""The identity service's own settings (beside the platform's): its providers, clients and lifetimes."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from joserfc import jwk
from joserfc.errors import JoseError
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform.auth import MAX_TOKEN_SECONDS
from dwp.platform.settings import Settings

LOCAL_STAFF_SECRET = "local-staff-sign-in-secret"  # noqa: S105 - the staff simulator's local default


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DWP_IDENTITY_", extra="ignore")

    public_url: str | None = Field(
        None, description="The address browsers use (the gateway); redirect URIs hang off it."
    )
    one_login_client_id: str = "dwp-benefits-local"
    one_login_client_key: str | None = Field(
        None, description="The One Login client's private key (JWK JSON); a local key file when unset."
    )
    one_login_did_url: str | None = Field(None, description="The one DID document trusted for identity JWTs.")
    one_login_identity_issuer: str | None = None
    staff_client_id: str = "dwp-caseworker-local"
    staff_client_secret: str = LOCAL_STAFF_SECRET
    staff_tenant: str = "5c7a5d2e-3f1b-4c8e-9a6d-0b1e2f3a4b5c"
    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 8 * 60 * 60
    # Key rotation assumes no token outlives MAX_TOKEN_SECONDS; a longer setting is refused at start-up.
    access_token_seconds: int = Field(15 * 60, gt=0, le=MAX_TOKEN_SECONDS)
    service_token_seconds: int = Field(5 * 60, gt=0, le=MAX_TOKEN_SECONDS)
    service_clients: str | None = Field(
        None, description='JSON {"client_id": "sha256 hex of its secret"} for service tokens.'
    )
    service_client_secrets: str | None = Field(
        None,
        description='JSON {"client_id": "ARN of its Secrets Manager secret"}: read at first use and again '
        "after a rotation (dwp.identity.clients); infra/ sets it.",
    )

    platform: Settings = Field(default_factory=Settings, exclude=True)

    @field_validator("one_login_client_key")
    @classmethod
    def _a_private_ec_jwk(cls, value: str | None) -> str | None:
        # Checked at start, not at the first sign-in: on AWS the secret holds a generated placeholder
        # until a person stores the real key (docs/deploy.md), and identity should say so and not start.
        if value is not None:
            try:
                key = jwk.ECKey.import_key(json.loads(value))
            except (ValueError, TypeError, JoseError) as error:
                raise ValueError("the One Login client key must be a private EC key as JWK JSON") from error
            if not key.is_private:
                raise ValueError("the One Login client key must be a private EC key as JWK JSON")
        return value

    @model_validator(mode="after")
    def _refuse_local_secrets_outside_local(self) -> IdentitySettings:
        if not self.platform.is_local:
            if self.staff_client_secret == LOCAL_STAFF_SECRET or self.one_login_client_key is None:
                raise ValueError("set the staff client secret and the One Login client key outside local")
            if self.service_clients is None and self.service_client_secrets is None:
                raise ValueError(
                    "DWP_IDENTITY_SERVICE_CLIENT_SECRETS (or DWP_IDENTITY_SERVICE_CLIENTS) must be set "
                    "outside local"
                )
        return self

    @property
    def browser_base(self) -> str:
        return (self.public_url or self.platform.service_url("gateway")).rstrip("/")

    @property
    def one_login_url(self) -> str:
        return self.platform.service_url("one-login").rstrip("/")

    @property
    def staff_sign_in_authority(self) -> str:
        return f"{self.platform.service_url('staff-sign-in').rstrip('/')}/{self.staff_tenant}"

    @cached_property
    def one_login_key(self) -> jwk.ECKey:
        if self.one_login_client_key:
            return jwk.ECKey.import_key(json.loads(self.one_login_client_key))
        return _local_key(self.platform.keys_dir / "one-login-client.json")


def _local_key(path: Path) -> jwk.ECKey:
    """A client key made once per machine for the simulator; real keys come from Secrets Manager."""
    if path.exists():
        return jwk.ECKey.import_key(json.loads(path.read_text()))
    key = jwk.ECKey.generate_key("P-256", private=True)
    key = jwk.ECKey.import_key(key.as_dict(private=True) | {"kid": f"dwp-rp-{key.thumbprint()[:12]}"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(key.as_dict(private=True)))
    return key
