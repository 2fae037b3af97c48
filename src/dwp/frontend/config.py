"""The BFF's own settings (beside the platform's): where the built SPA is and the address browsers use."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform import catalog
from dwp.platform.settings import Settings

# src/dwp/frontend/config.py -> the repository root holds web/dist (the container copies it beside).
DEFAULT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


class FrontendSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DWP_FRONTEND_", extra="ignore")

    dist_dir: Path = Field(DEFAULT_DIST, description="The built SPA (`npm run build` in web/).")
    public_url: str | None = Field(
        None, description="The address browsers use; the origin CSRF checks compare against."
    )
    source_address: str | None = Field(
        None,
        description="The local address the BFF's calls to the gateway come from, so that the gateway can "
        "trust exactly this address as a proxy (`dwp up` gives it 127.0.0.2); the system's choice when "
        "unset.",
    )
    evidence_bucket: str = Field(
        catalog.EVIDENCE_BUCKET,
        validation_alias=AliasChoices("DWP_FRONTEND_EVIDENCE_BUCKET", "DWP_EVIDENCE_BUCKET"),
        description="The evidence bucket's name (the claims service's `DWP_EVIDENCE_BUCKET`): the browser "
        "posts uploads to it, so the CSP allows its origin.",
    )
    evidence_origin: str | None = Field(
        None,
        description="The origin of the evidence bucket's presigned POSTs, when it is neither the embedded "
        "AWS endpoint nor the bucket's own S3 host (a VPC endpoint, say).",
    )
    platform: Settings = Field(default_factory=Settings, exclude=True)

    @property
    def gateway_url(self) -> str:
        return self.platform.service_url("gateway").rstrip("/")

    @property
    def browser_base(self) -> str:
        return (self.public_url or self.platform.service_url("frontend")).rstrip("/")

    @property
    def one_login_origin(self) -> str:
        """Where sign-in and sign-out send the browser: the CSP's `form-action` must allow it."""
        parts = urlsplit(self.platform.service_url("one-login"))
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def staff_sign_in_origin(self) -> str:
        """Where staff sign-in and its sign-out send a caseworker's browser."""
        parts = urlsplit(self.platform.service_url("staff-sign-in"))
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def sign_in_origins(self) -> tuple[str, ...]:
        return (self.one_login_origin, self.staff_sign_in_origin)

    @property
    def evidence_upload_origin(self) -> str:
        """Where the browser posts evidence (the claims API's presigned POST `url`): the embedded AWS
        endpoint locally (path-style: `http://127.0.0.1:4566/<bucket>`), else the bucket's virtual host as
        boto3 signs it (`https://<bucket>.s3.amazonaws.com/`). The CSP's `connect-src` and `form-action`
        name this one origin and nothing wider (no `*.amazonaws.com`)."""
        if self.evidence_origin:
            url = self.evidence_origin
        elif self.platform.aws_endpoint_url:
            url = self.platform.aws_endpoint_url
        else:
            url = f"https://{self.evidence_bucket}.s3.amazonaws.com"
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def secure_cookies(self) -> bool:
        return not self.platform.is_local
