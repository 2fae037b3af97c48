"""PII at rest: KMS envelope encryption, and a keyed blind index for exact-match lookups.

A value is sealed with AES-256-GCM under a data key that KMS generates and wraps with the PII key; the
wrapped data key travels with the ciphertext. As in the AWS Encryption SDK's caching materials manager,
a data key is reused for a bounded number of values and time, and unwrapped keys are cached, so reading
a profile does not cost a KMS round trip. Why not the SDK itself: docs/decisions/0009 (its format and
signatures cost more than they protect for one wrapped key per value).

KMS is a network call, so async code never makes it on the event loop: `seal` and `open` (the async
forms of `encrypt` and `decrypt`) do the AES work on the loop, where it takes microseconds, and only a
data key's generation or unwrapping (a cache miss) in a worker thread. With KMS slow, the rest of the
process (its health checks, other requests) keeps running (tests/unit/platform/test_pii_off_loop.py).

The blind index is HMAC-SHA256 of the normalised value under a secret key, so a NINO can be looked up
without storing or indexing the plain value.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dwp.platform import aws, catalog
from dwp.platform.settings import Settings

_FORMAT = "v1"
_MAX_USES_PER_DATA_KEY = 10_000
_MAX_DATA_KEY_AGE_SECONDS = 300
_CACHE_SIZE = 1024


class PiiError(Exception):
    """A value could not be sealed or opened."""


@dataclass
class _DataKey:
    plaintext: bytes
    wrapped: bytes
    created: float
    uses: int = 0


class PiiCipher:
    def __init__(self, settings: Settings, key_id: str = catalog.PII_KEY_ALIAS) -> None:
        self._settings = settings
        self._key_id = key_id
        self._current: _DataKey | None = None
        self._unwrapped: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Seal `plaintext`; `context` (for example "citizen.nino") must be given again to open it.
        May call KMS: from async code, use `seal`."""
        return _seal(self._data_key(), plaintext, context)

    def decrypt(self, token: str, *, context: str) -> str:
        """May call KMS: from async code, use `open`."""
        wrapped, sealed = _parse(token)
        return _open(self._unwrap(wrapped), sealed, context)

    async def seal(self, plaintext: str, *, context: str) -> str:
        """`encrypt` for async code: KMS, when a new data key is due, is called in a thread."""
        key = self._usable_data_key()
        if key is None:
            key = await asyncio.to_thread(self._data_key)
        return _seal(key, plaintext, context)

    async def open(self, token: str, *, context: str) -> str:
        """`decrypt` for async code: KMS, when the data key is not cached, is called in a thread."""
        wrapped, sealed = _parse(token)
        key = self._cached(wrapped)
        if key is None:
            key = await asyncio.to_thread(self._unwrap, wrapped)
        return _open(key, sealed, context)

    def _usable_data_key(self) -> _DataKey | None:
        """The current data key, counted as used, if it may seal another value; None when KMS is due."""
        with self._lock:
            key = self._current
            if key is None or key.uses >= _MAX_USES_PER_DATA_KEY:
                return None
            if time.monotonic() - key.created >= _MAX_DATA_KEY_AGE_SECONDS:
                return None
            key.uses += 1
            return key

    def _data_key(self) -> _DataKey:
        key = self._usable_data_key()
        if key is not None:
            return key
        response = aws.client("kms", self._settings).generate_data_key(KeyId=self._key_id, KeySpec="AES_256")
        key = _DataKey(response["Plaintext"], response["CiphertextBlob"], time.monotonic(), uses=1)
        with self._lock:
            self._current = key
            self._remember(key.wrapped, key.plaintext)
        return key

    def _cached(self, wrapped: bytes) -> bytes | None:
        with self._lock:
            if wrapped not in self._unwrapped:
                return None
            self._unwrapped.move_to_end(wrapped)
            return self._unwrapped[wrapped]

    def _unwrap(self, wrapped: bytes) -> bytes:
        cached = self._cached(wrapped)
        if cached is not None:
            return cached
        plaintext = aws.client("kms", self._settings).decrypt(CiphertextBlob=wrapped)["Plaintext"]
        with self._lock:
            self._remember(wrapped, plaintext)
        return bytes(plaintext)

    def _remember(self, wrapped: bytes, plaintext: bytes) -> None:
        self._unwrapped[wrapped] = plaintext
        while len(self._unwrapped) > _CACHE_SIZE:
            self._unwrapped.popitem(last=False)


class BlindIndex:
    """Keyed hash for equality lookups on a value that must not be stored in the clear."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise PiiError("the blind index key must be at least 32 bytes")
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> BlindIndex:
        secret = settings.dwp_blind_index_key or aws.read_secret(settings, catalog.BLIND_INDEX_SECRET)
        return cls(secret.encode())

    def digest(self, value: str, *, purpose: str) -> str:
        # The purpose keeps indexes of different fields unlinkable even for equal values.
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _seal(key: _DataKey, plaintext: str, context: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key.plaintext).encrypt(nonce, plaintext.encode(), context.encode())
    return ".".join((_FORMAT, _b64(key.wrapped), _b64(nonce + sealed)))


def _parse(token: str) -> tuple[bytes, bytes]:
    """A sealed value's wrapped data key, and its nonce and ciphertext."""
    try:
        version, wrapped_b64, sealed_b64 = token.split(".")
    except ValueError as exc:
        raise PiiError("not a sealed value") from exc
    if version != _FORMAT:
        raise PiiError(f"unknown format {version!r}")
    return _unb64(wrapped_b64), _unb64(sealed_b64)


def _open(key: bytes, sealed: bytes, context: str) -> str:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], context.encode()).decode()
    except Exception as exc:
        raise PiiError("value does not open with this key and context") from exc


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
