"""Entry points for commands run beside the service (`dwp token`, `dwp rotate-keys`, demo data): they
use the identity service's own tables and keys directly, as an operator's task would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from dwp.identity import service
from dwp.identity.tokens import ACTIVATION_DELAY_SECONDS
from dwp.platform.database import Database
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings

SCHEMA = "identity"


async def _with_database(settings: Settings, action: Any) -> Any:
    database = Database(settings, SCHEMA, pool_size=1, max_overflow=1)
    try:
        cipher = PiiCipher(settings)
        await service.ensure_signing_key(database=database, cipher=cipher)
        return await action(database, cipher)
    finally:
        await database.dispose()


def mint(settings: Settings, **claims: Any) -> str:
    """A token signed with the identity service's current key (issuer: the trusted issuer)."""

    async def action(database: Database, cipher: PiiCipher) -> str:
        return await service.mint_with_current_key(
            database=database, cipher=cipher, issuer=settings.dwp_jwt_issuer, **claims
        )

    return str(asyncio.run(_with_database(settings, action)))


def rotate(settings: Settings) -> str:
    """Rotate the signing key; says which key was published and when it starts signing."""

    async def action(database: Database, cipher: PiiCipher) -> str:
        key = await service.rotate_signing_keys(database=database, cipher=cipher)
        takes_over = datetime.fromtimestamp(key.created_at + ACTIVATION_DELAY_SECONDS, UTC)
        return f"published new key {key.kid}; it signs from {takes_over:%H:%M:%S} UTC, the old key until then"

    return str(asyncio.run(_with_database(settings, action)))
