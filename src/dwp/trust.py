"""Which issuer a running `dwp up` trusts, for the commands run beside it (`dwp token`, demo data).

Apart from the launcher so that those commands import neither httpx nor rich nor moto.
"""

from __future__ import annotations

import json

from dwp.platform.settings import Settings

TRUST_FILE = "trust.json"
"""Written by `dwp up` in the data folder while it runs: which issuer its services trust (and the
database and AWS endpoint that issuer's keys live in), so that a command run beside it (`dwp token`)
mints tokens they accept."""


def trusted_settings(settings: Settings, env: dict[str, str] | None = None) -> Settings:
    """The settings a local command (demo data, `dwp token`) needs to mint tokens the services trust:
    those of the `dwp up` running on this data folder, else the settings as they are."""
    if env is None:
        marker = settings.dwp_data_dir / TRUST_FILE
        if not marker.exists():
            return settings
        env = dict(json.loads(marker.read_text()))
    return settings.model_copy(
        update={
            "aws_endpoint_url": env.get("AWS_ENDPOINT_URL", settings.aws_endpoint_url),
            "dwp_jwt_issuer": env.get("DWP_JWT_ISSUER", settings.dwp_jwt_issuer),
            "dwp_jwks_url": env.get("DWP_JWKS_URL", settings.dwp_jwks_url),
            "database_url": env.get("DATABASE_URL", settings.database_url),
        }
    )
