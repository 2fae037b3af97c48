"""Internal tokens: the ES256 signing keys, their rotation, the JWKS, and the tokens minted with them.

A rotation publishes first and signs later. The new key is in the JWKS at once but signs only from
`ACTIVATION_DELAY_SECONDS` later, by when every verifier can have seen it: the identity tasks reload their
key ring every `KEY_RING_RELOAD_SECONDS` (so each serves the new key in its JWKS), and a verifier that
meets an unknown key id refetches the JWKS at most every `VERIFIER_REFETCH_SECONDS`
(`dwp.platform.auth.KeySource`). Signing with the new key at once, as this did, had verifiers that had
just fetched refuse every new token for up to ~45 s. Until then the old key signs; it is retired at the
moment the new one takes over, and stays published until every token it signed has expired.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from joserfc import jwk

from dwp.platform.auth import CLOCK_SKEW_SECONDS, MAX_TOKEN_SECONDS, KeySource, mint_token, public_key_set

LONGEST_TOKEN_SECONDS = MAX_TOKEN_SECONDS
"""No token lives longer than this (`mint_token` refuses to), so a key retired this long ago (plus
skew) verifies nothing."""
RETIREMENT_GRACE_SECONDS = LONGEST_TOKEN_SECONDS + 60
"""How long a retired key stays published after it last signed: its tokens' longest life, plus more than
the verifiers' clock skew."""
KEY_RING_RELOAD_SECONDS = 30.0
"""How often an identity task reloads its keys from the database (a rotation is made by one task or the
command line)."""
VERIFIER_REFETCH_SECONDS = KeySource.REFETCH_AFTER_SECONDS
ACTIVATION_DELAY_SECONDS = int(KEY_RING_RELOAD_SECONDS + VERIFIER_REFETCH_SECONDS + CLOCK_SKEW_SECONDS)
"""From publication to first signature: every identity task publishes the key, then any verifier's next
refetch finds it, with the clocks' skew to spare."""


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
    """The keys as loaded from the store: the one that signs at a given moment, and those published."""

    def __init__(
        self, keys: Sequence[SigningKey], *, activation_delay: int = ACTIVATION_DELAY_SECONDS
    ) -> None:
        if not any(k.retired_at is None for k in keys):
            raise ValueError("the key ring has no current key")
        self._keys = sorted(keys, key=lambda k: (k.created_at, k.kid))
        self._delay = activation_delay
        self._imported = {k.kid: k.key for k in self._keys}

    def signing_key(self, now: float) -> SigningKey:
        """The key whose signing window holds `now`: from its publication plus the activation delay (the
        first key of an environment, which nobody can have verified anything against, from the start)
        until its retirement, when its successor's window begins."""
        first = self._keys[0]
        signing = [
            k
            for k in self._keys
            if (k is first or k.created_at + self._delay <= now)
            and (k.retired_at is None or now < k.retired_at)
        ]
        if signing:
            return signing[-1]
        # Only with a clock before the first key's retirement and its successor's start (skew): the
        # oldest key not yet retired.
        return next(k for k in self._keys if k.retired_at is None)

    def jwks(self, now: int) -> dict[str, object]:
        return dict(public_key_set(self._imported[k.kid] for k in self._keys if k.published(now)))

    def mint(self, *, now: float | None = None, **claims: object) -> str:
        moment = time.time() if now is None else now
        key = self._imported[self.signing_key(moment).kid]
        return mint_token(key, now=moment, **claims)  # type: ignore[arg-type]


def rotation(
    keys: Sequence[SigningKey], now: int, *, activation_delay: int = ACTIVATION_DELAY_SECONDS
) -> tuple[SigningKey, list[SigningKey]]:
    """A new key, published now and signing from `now + activation_delay`, and the keys it retires then
    (each key not yet retired keeps signing until that moment)."""
    # Strictly after every existing key (two made in one second would otherwise tie on the clock).
    published = max([now, *(k.created_at + 1 for k in keys)])
    takes_over = published + activation_delay
    retired = [
        SigningKey(k.kid, k.private_jwk, k.created_at, takes_over) for k in keys if k.retired_at is None
    ]
    return SigningKey.generate(published), retired
