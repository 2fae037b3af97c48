"""A credential kept in Secrets Manager that rotates: read when first needed, and read again when the
system it opens refuses it, so a rotation is picked up without restarting the task.

This is the refresh the database credentials use (`dwp.platform.database.SecretCredentials`: a refused
password re-reads the secret, and the connection is tried once more), for any other credential: the
integrations service's HMRC client and NHS API key, the address service's OS Places key. The caller
says when the credential was refused (a provider's 401 `invalid_client`) and tries once more only when
`refresh` found a new value; the same value again means the refusal was not a rotation, and trying
again would only be refused again.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from dwp.platform.errors import DependencyUnavailable
from dwp.platform.settings import Settings


class RotatingSecret:
    """One secret's current value (its `SecretString`; `document` for a JSON one)."""

    def __init__(self, settings: Settings, secret_id: str, *, version_stage: str = "AWSCURRENT") -> None:
        self._settings = settings
        self.secret_id = secret_id
        self.version_stage = version_stage
        """`AWSPREVIOUS` reads the value before the last rotation (the identity service accepts both)."""
        self._value: str | None = None
        self._lock = asyncio.Lock()
        self.reads = 0
        """How many times the secret was read (for tests and metrics)."""

    async def value(self) -> str:
        if self._value is None:
            async with self._lock:
                if self._value is None:
                    self._value = await asyncio.to_thread(self._read)
        return self._value

    async def document(self) -> dict[str, Any]:
        """The value as the JSON object it holds."""
        parsed = json.loads(await self.value())
        if not isinstance(parsed, dict):
            raise ValueError(f"the secret {self.secret_id} is not a JSON object")
        return parsed

    async def refresh(self) -> bool:
        """Read the secret again after its credential was refused; whether its value changed."""
        before = self._value
        async with self._lock:
            if self._value != before:  # another caller refreshed while this one waited: that read counts
                return True
            self._value = await asyncio.to_thread(self._read)
        return self._value != before

    def _read(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        from dwp.platform.aws import client

        try:
            secret = client("secretsmanager", self._settings).get_secret_value(
                SecretId=self.secret_id, VersionStage=self.version_stage
            )
        except (BotoCoreError, ClientError) as exc:
            # Missing, not granted, or Secrets Manager unreachable: a 503 for the caller, never a 500.
            raise DependencyUnavailable(
                f"The credential {self.secret_id} cannot be read from Secrets Manager.",
                dependency="secretsmanager",
                retry_after=5,
            ) from exc
        self.reads += 1
        return str(secret["SecretString"])


class ProviderKey:
    """A provider's API key: fixed by a setting (never rotates), else its rotating secret, else, locally
    with no AWS endpoint to hold the secret, the simulator's local key."""

    def __init__(self, settings: Settings, secret_id: str, *, fixed: str | None, local: str) -> None:
        self._fixed = fixed
        self._local = local if settings.is_local and not settings.aws_endpoint_url else None
        self.secret = RotatingSecret(settings, secret_id)

    async def value(self) -> str:
        if self._fixed is not None:
            return self._fixed
        if self._local is not None:
            return self._local
        return await self.secret.value()

    async def refresh(self) -> bool:
        """Read the secret again after the provider refused the key; whether it changed."""
        if self._fixed is not None or self._local is not None:
            return False
        return await self.secret.refresh()
