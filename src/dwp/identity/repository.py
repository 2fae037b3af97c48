"""The identity service's storage: signing keys and account links in its own SQL tables, sessions and
sign-ins in progress in the DynamoDB sessions table (with a TTL attribute, so DynamoDB deletes them)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import Column, DateTime, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.identity.domain import PendingSignIn, Session
from dwp.identity.tokens import SigningKey
from dwp.platform import aws, catalog
from dwp.platform.database import new_metadata
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings

metadata = new_metadata()

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_jwk_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=True),
)

accounts = Table(
    "accounts",
    metadata,
    Column("provider", String(20), primary_key=True),
    Column("provider_sub", String(200), primary_key=True),
    Column("subject_id", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

_KEY_CONTEXT = "identity.signing-key"
_SESSION_CONTEXT = "identity.session"
_SEALED_FIELDS = ("display_name", "id_token", "verified")
"""What a session item holds about the person, sealed; the rest is ids, levels, roles and times."""


def session_ref(session_id: str) -> str:
    """How the table names a session: a hash of its id, never the id (a bearer secret) itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _epoch(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


async def load_signing_keys(session: AsyncConnection, cipher: PiiCipher) -> list[SigningKey]:
    rows = (await session.execute(select(signing_keys))).all()
    keys = []
    for row in rows:
        private = await cipher.open(row.private_jwk_sealed, context=_KEY_CONTEXT)
        keys.append(SigningKey(row.kid, private, _epoch(row.created_at) or 0, _epoch(row.retired_at)))
    return keys


async def add_signing_key(session: AsyncConnection, cipher: PiiCipher, key: SigningKey) -> None:
    sealed = await cipher.seal(key.private_jwk, context=_KEY_CONTEXT)
    await session.execute(
        signing_keys.insert().values(kid=key.kid, private_jwk_sealed=sealed, created_at=_ts(key.created_at))
    )


async def retire_signing_key(session: AsyncConnection, kid: str, at: int) -> None:
    await session.execute(update(signing_keys).where(signing_keys.c.kid == kid).values(retired_at=_ts(at)))


async def find_account(session: AsyncConnection, provider: str, provider_sub: str) -> str | None:
    row = (
        await session.execute(
            select(accounts.c.subject_id).where(
                accounts.c.provider == provider, accounts.c.provider_sub == provider_sub
            )
        )
    ).first()
    return None if row is None else str(row.subject_id)


async def add_account(
    session: AsyncConnection, provider: str, provider_sub: str, subject_id: str, now: int
) -> None:
    await session.execute(
        accounts.insert().values(
            provider=provider, provider_sub=provider_sub, subject_id=subject_id, created_at=_ts(now)
        )
    )


class SessionStore:
    """Sessions, sign-ins in progress and seen logout-token ids, as items of the sessions table.

    Keys: `session#<hash of the session id>`, `signin#<state>`, `logout-jti#<jti>`, and
    `sub#<provider sub>` holding the hashes of that person's sessions, so a back-channel logout can
    close every one of them. The session id is a bearer secret: the table never holds it, only its
    SHA-256, so a read of the table (a backup, an export, an operator's console) opens no session.
    What a session knows of the person (the name shown, the ID token kept for `id_token_hint`, the
    identity One Login proved) is sealed with the platform's PII envelope encryption.
    boto3 is synchronous, so each call runs in a worker thread.
    """

    def __init__(self, settings: Settings, cipher: PiiCipher, table: str = catalog.SESSIONS_TABLE) -> None:
        self._client = aws.client("dynamodb", settings)
        self._cipher = cipher
        self._table = table

    async def _call(self, method: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self._client, method), TableName=self._table, **kwargs)

    async def ping(self) -> None:
        await asyncio.to_thread(self._client.describe_table, TableName=self._table)

    # sign-ins in progress

    async def put_pending(self, pending: PendingSignIn, expires_at: int) -> None:
        await self._call("put_item", Item=_item(f"signin#{pending.state}", asdict(pending), expires_at))

    async def take_pending(self, state: str) -> PendingSignIn | None:
        """Single use: the item is deleted as it is read, so a replayed callback finds nothing."""
        response = await self._call("delete_item", Key=_key(f"signin#{state}"), ReturnValues="ALL_OLD")
        data = _data(response.get("Attributes"))
        return None if data is None else PendingSignIn(**data)

    # sessions

    async def put_session(self, session: Session, expires_at: int) -> None:
        ref = session_ref(session.session_id)
        data = asdict(session)
        personal = {name: data.pop(name) for name in _SEALED_FIELDS}
        del data["session_id"]
        data["sealed"] = await self._cipher.seal(json.dumps(personal), context=_SESSION_CONTEXT)
        await self._call("put_item", Item=_item(f"session#{ref}", data, expires_at))
        await self._call(
            "update_item",
            Key=_key(f"sub#{session.provider_sub}"),
            UpdateExpression="ADD session_refs :ref SET expires_at = :exp",
            ExpressionAttributeValues={":ref": {"SS": [ref]}, ":exp": {"N": str(expires_at)}},
        )

    async def get_session(self, session_id: str, now: int) -> Session | None:
        data = await self._live_item(session_ref(session_id), now)
        if data is None:
            return None
        personal = json.loads(await self._cipher.open(data.pop("sealed"), context=_SESSION_CONTEXT))
        data["roles"] = tuple(data["roles"])
        return Session(session_id=session_id, **data, **personal)

    async def _live_item(self, ref: str, now: int) -> dict[str, Any] | None:
        response = await self._call("get_item", Key=_key(f"session#{ref}"), ConsistentRead=True)
        item = response.get("Item")
        # DynamoDB deletes expired items lazily; an item past its TTL is treated as gone.
        if item is None or int(item["expires_at"]["N"]) <= now:
            return None
        return _data(item)

    async def delete_session(self, session_id: str) -> None:
        await self._call("delete_item", Key=_key(f"session#{session_ref(session_id)}"))

    async def close_sessions_of(self, provider_sub: str, now: int) -> int:
        """End every session of one person (a back-channel logout); how many were still live."""
        response = await self._call("get_item", Key=_key(f"sub#{provider_sub}"), ConsistentRead=True)
        refs = sorted((response.get("Item") or {}).get("session_refs", {}).get("SS", []))
        closed = 0
        for ref in refs:
            if await self._live_item(ref, now) is not None:
                closed += 1
            await self._call("delete_item", Key=_key(f"session#{ref}"))
        return closed

    async def first_sighting(self, jti: str, expires_at: int) -> bool:
        """Record a logout token's id; False when it was seen before (a replay)."""
        try:
            await self._call(
                "put_item",
                Item=_item(f"logout-jti#{jti}", {}, expires_at),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def _item(pk: str, data: dict[str, Any], expires_at: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "data": {"S": json.dumps(data)}, "expires_at": {"N": str(expires_at)}}


def _data(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if not item or "data" not in item:
        return None
    return dict(json.loads(item["data"]["S"]))
