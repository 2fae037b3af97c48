"""Signing internal tokens (ES256 JWTs) and the local development issuer's key.

Apart from `dwp.platform.auth` (which re-exports all of this) so that minting a token, as `dwp token`
and the demo data do, imports neither FastAPI nor httpx: only joserfc.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from joserfc import jwt
from joserfc.jwk import ECKey

if TYPE_CHECKING:
    from dwp.platform.settings import Settings

ALGORITHM = "ES256"
AUDIENCE = "dwp-platform"
DEV_KEY_FILE = "dev-signing-key.json"

PrincipalKind = Literal["citizen", "caseworker", "service"]


# --- The local development issuer ---------------------------------------------------------------


def dev_key_path(settings: Settings) -> Path:
    return settings.keys_dir / DEV_KEY_FILE


def load_or_create_dev_key(settings: Settings) -> ECKey:
    path = dev_key_path(settings)
    if path.exists():
        return ECKey.import_key(json.loads(path.read_text()))
    key = ECKey.generate_key(
        "P-256", parameters={"kid": f"dev-{uuid.uuid4().hex[:8]}", "use": "sig"}, private=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(key.as_dict(private=True)))
    return key


def public_key_set(keys: Iterable[ECKey]) -> Any:
    return {"keys": [{**k.as_dict(private=False), "alg": ALGORITHM, "use": "sig"} for k in keys]}


def mint_token(
    key: ECKey,
    *,
    issuer: str,
    subject: str,
    kind: PrincipalKind,
    roles: Iterable[str] = (),
    citizen_id: str | None = None,
    level_of_confidence: str | None = None,
    audience: str = AUDIENCE,
    lifetime_seconds: int = 900,
    now: float | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "kind": kind,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": uuid.uuid4().hex,
    }
    if roles:
        claims["roles"] = sorted(roles)
    if citizen_id:
        claims["citizen_id"] = citizen_id
    if level_of_confidence:
        claims["loc"] = level_of_confidence
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)
