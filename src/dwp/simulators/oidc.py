"""Pieces shared by the OpenID Connect provider simulators (One Login and staff sign-in).

Everything JOSE goes through joserfc; nothing here builds or parses a token by hand.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from joserfc import jwk, jwt

from dwp.platform import catalog

T = TypeVar("T")


class SigningKeys:
    """The provider's signing keys: the newest signs, every key still listed verifies (rotation)."""

    def __init__(self, *, algorithm: str = "ES256", kid_prefix: str = "") -> None:
        self.algorithm = algorithm
        self._kid_prefix = kid_prefix
        self._keys: list[jwk.ECKey | jwk.RSAKey] = []
        self.rotate()

    def _new_key(self) -> jwk.ECKey | jwk.RSAKey:
        if self.algorithm == "ES256":
            key: jwk.ECKey | jwk.RSAKey = jwk.ECKey.generate_key("P-256", private=True)
        else:
            key = jwk.RSAKey.generate_key(2048, private=True)
        # Key ids are thumbprints, as One Login's are; the DID-style prefix is for the identity key.
        kid = self._kid_prefix + key.thumbprint()
        return type(key).import_key(key.as_dict(private=True) | {"kid": kid, "alg": self.algorithm})

    def rotate(self, *, keep_previous: bool = True) -> None:
        """Add a new current key; the old one stays published so tokens it signed still verify."""
        new = self._new_key()
        self._keys = [new, *self._keys[:1]] if keep_previous else [new]

    def retire_previous(self) -> None:
        self._keys = self._keys[:1]

    @property
    def current(self) -> jwk.ECKey | jwk.RSAKey:
        return self._keys[0]

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [k.as_dict(private=False) | {"use": "sig"} for k in self._keys]}

    def key_set(self) -> jwk.KeySet:
        return jwk.KeySet(list(self._keys))

    def sign(self, claims: dict[str, Any], *, typ: str | None = "JWT") -> str:
        header = {"alg": self.algorithm, "kid": self.current.kid}
        if typ:
            header["typ"] = typ
        return jwt.encode(header, claims, self.current, algorithms=[self.algorithm])


ID_TOKEN_FAULTS = frozenset(
    {"wrong_aud", "wrong_iss", "bad_signature", "unknown_key", "expired", "issued_in_future", "alg_none",
     "wrong_nonce", "no_nonce"}
)  # fmt: skip
"""What a test can tell either provider simulator to get wrong in the ID tokens it signs."""


def sign_with_fault(
    keys: SigningKeys, claims: dict[str, Any], *, fault: str | None, lifetime: int, typ: str = "JWT"
) -> str:
    """Sign `claims`, first breaking them or the signature as `fault` says (None: a good token).

    Nonce faults are the caller's to apply, since only it knows which claim carries the nonce.
    """
    now = int(time.time())
    if fault == "wrong_aud":
        claims["aud"] = "some-other-service"
    elif fault == "wrong_iss":
        claims["iss"] = "https://attacker.example/"
    elif fault == "expired":
        claims.update(iat=now - 2 * lifetime, exp=now - lifetime)
    elif fault == "issued_in_future":
        claims.update(iat=now + 3600, exp=now + 3600 + lifetime)

    if fault == "alg_none":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return jwt.encode(
                {"alg": "none", "typ": typ}, claims, jwk.OctKey.generate_key(), algorithms=["none"]
            )
    if fault in {"bad_signature", "unknown_key"}:
        impostor = SigningKeys(algorithm=keys.algorithm).current
        # bad_signature claims to be the published key; unknown_key names a key nobody published.
        kid = keys.current.kid if fault == "bad_signature" else f"{keys.current.kid}-impostor"
        header = {"alg": keys.algorithm, "kid": kid, "typ": typ}
        return jwt.encode(header, claims, impostor, algorithms=[keys.algorithm])
    return keys.sign(claims, typ=typ)


def apply_nonce_fault(claims: dict[str, Any], fault: str | None) -> None:
    if fault == "wrong_nonce":
        claims["nonce"] = "not-the-nonce-you-sent"
    elif fault == "no_nonce":
        claims.pop("nonce", None)


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def s256_challenge(verifier: str) -> str:
    """RFC 7636 section 4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def access_token_hash(access_token: str) -> str:
    """OIDC core 3.1.3.6: left half of the SHA-256 of the access token, base64url (for ES256/RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


@dataclass
class _Entry(Generic[T]):
    value: T
    expires_at: float


@dataclass
class ExpiringStore(Generic[T]):
    """A small in-memory map whose entries expire; `take` makes a value single-use (codes, requests)."""

    ttl_seconds: float
    _entries: dict[str, _Entry[T]] = field(default_factory=dict)

    def put(self, key: str, value: T) -> None:
        self._purge()
        self._entries[key] = _Entry(value, time.monotonic() + self.ttl_seconds)

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires_at < time.monotonic():
            return None
        return entry.value

    def take(self, key: str) -> T | None:
        value = self.get(key)
        self._entries.pop(key, None)
        return value

    def remove_where(self, predicate: Any) -> int:
        doomed = [k for k, e in self._entries.items() if predicate(e.value)]
        for k in doomed:
            del self._entries[k]
        return len(doomed)

    def _purge(self) -> None:
        now = time.monotonic()
        for k in [k for k, e in self._entries.items() if e.expires_at < now]:
            del self._entries[k]


def chooser_page(*, title: str, intro: str, action: str, options: Iterable[tuple[str, str]]) -> str:
    """A plain HTML page with one button per test account; each button posts the account id."""
    buttons = "\n".join(
        f'<li><button type="submit" name="user_id" value="{html.escape(value)}">'
        f"{html.escape(label)}</button></li>"
        for value, label in options
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Arial,sans-serif;max-width:40rem;margin:2rem auto}}
li{{margin:.5rem 0}}button{{font-size:1rem;padding:.4rem .8rem}}</style></head>
<body><h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>
<form method="post" action="{html.escape(action)}"><ul>
{buttons}
</ul><p><button type="submit" name="user_id" value="">Cancel</button></p></form></body></html>"""


class FormError(ValueError):
    """A form body that OAuth does not accept: wrong content type or a repeated parameter."""


async def read_form(request: Any) -> dict[str, str]:
    """Parse an `application/x-www-form-urlencoded` body (RFC 6749 section 3.2: no repeated parameters)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormError("expected application/x-www-form-urlencoded")
    pairs = parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise FormError(f"parameter {name} is repeated")
        form[name] = value
    return form


def expand_placeholders(value: str) -> str:
    """Replace `{NAME}` with the environment variable NAME, or the catalogue's local URL for DWP_*_URL."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in os.environ:
            return os.environ[name].rstrip("/")
        for process in catalog.PROCESSES:
            if process.url_setting == name:
                return process.local_url
        raise KeyError(f"unknown placeholder {name}")

    return re.sub(r"\{([A-Z0-9_]+)\}", replace, value)
