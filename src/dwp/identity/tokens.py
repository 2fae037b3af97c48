"""Internal tokens: the ES256 signing keys, their rotation, the JWKS, and the tokens minted with them.

After a rotation the newest key signs; the retired key stays in the JWKS until every token it signed
has expired, so nothing signed before the rotation stops working early.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from joserfc import jwk

from dwp.platform.auth import MAX_TOKEN_SECONDS, mint_token, public_key_set

LONGEST_TOKEN_SECONDS = MAX_TOKEN_SECONDS
"""No token lives longer than this (`mint_token` refuses to), so a key retired this long ago (plus
skew) verifies nothing."""
RETIREMENT_GRACE_SECONDS = LONGEST_TOKEN_SECONDS + 60


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_jwk: str
    created_at: int
    retired_at: int | None = None

    @staticmethod
    def generate(now: int) -> SigningKey:
        kid = f"dwp-{uuid.uuid4().hex[:16]}"
        key = jwk.ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig"}, private=True)
        return SigningKey(kid=kid, private_jwk=json.dumps(key.as_dict(private=True)), created_at=now)

    @property
    def key(self) -> jwk.ECKey:
        return jwk.ECKey.import_key(json.loads(self.private_jwk))

    def published(self, now: int) -> bool:
        return self.retired_at is None or now < self.retired_at + RETIREMENT_GRACE_SECONDS


class KeyRing:
    """The keys as loaded from the store: one current key and the retired ones still published."""

    def __init__(self, keys: Sequence[SigningKey]) -> None:
        live = [k for k in keys if k.retired_at is None]
        if not live:
            raise ValueError("the key ring has no current key")
        self.current = max(live, key=lambda k: k.created_at)
        self._keys = list(keys)
        self._current_key = self.current.key

    def jwks(self, now: int) -> dict[str, object]:
        return dict(public_key_set(k.key for k in self._keys if k.published(now)))

    def mint(self, **claims: object) -> str:
        return mint_token(self._current_key, **claims)  # type: ignore[arg-type]


def rotation(keys: Sequence[SigningKey], now: int) -> tuple[SigningKey, list[SigningKey]]:
    """A new current key, and the keys it retires (every key that was current until now)."""
    retired = [SigningKey(k.kid, k.private_jwk, k.created_at, now) for k in keys if k.retired_at is None]
    return SigningKey.generate(now), retired
