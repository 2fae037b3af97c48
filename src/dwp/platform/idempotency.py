"""Idempotency keys for requests that create, with the semantics of the IETF Idempotency-Key draft
(draft-ietf-httpapi-idempotency-key-header):

- the first request with a key claims it (a row `in_progress`, leased for `lease_seconds`);
- a request with the same key while the first is in flight gets `IdempotencyKeyInProgress` (409
  `idempotency-key-in-progress` with `Retry-After`), never the use case's own "already done" answer;
- once the first has succeeded, the same key and the same request replay its status, body and headers
  (201 stays 201);
- the same key with another request is `IdempotencyKeyReused` (422 `idempotency-key-reused`).

The response is recorded in the use case's own transaction (`UnitOfWork.remember`), so a request that
committed is always replayable and one that rolled back left no answer behind. A failed request releases
its claim, so a retry runs again; a process killed mid-request leaves a claim that a retry takes over once
its lease has run out. The lease is short (6 s) and renewed by a heartbeat every third of it while the
request runs, so a retry after a kill waits seconds, not half a minute, and a request slower than the lease
keeps its key for as long as its process lives. (A holder whose heartbeat stops, a process frozen for
longer than the lease, loses the key: its work rolls back at `complete`, and the retry's counts.)
Keys are per principal: one caller's key never replays another caller's answer.

    outcome = await idempotent(keys, principal=..., key=..., request_hash=request_fingerprint(...),
                               run=lambda claim: use_case(..., remember=Remember(claim, render)))
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.platform.database import Database, conflict_insert
from dwp.platform.errors import IdempotencyKeyInProgress, IdempotencyKeyReused

log = structlog.get_logger("idempotency")
T = TypeVar("T")
Clock = Callable[[], datetime]

IN_PROGRESS = "in_progress"
DONE = "done"
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotency_table(metadata: MetaData) -> Table:
    """Add the idempotency keys table to a service's own metadata (and so to its migrations)."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("state", String(16), nullable=False),
        # Which request holds the key while it is in progress; a takeover after the lease changes it.
        Column("lease", String(36), nullable=False),
        Column("locked_until", DateTime(timezone=True), nullable=False),
        Column("response_status", Integer, nullable=True),
        Column("response_headers", Text, nullable=True),
        Column("response_body", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("completed_at", DateTime(timezone=True), nullable=True),
    )


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests "the same request": method, path and the body as parsed JSON (so key
    order and whitespace do not matter)."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    """An answer as it is recorded and replayed: status, JSON body, and the headers worth replaying."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def as_response(self) -> Response:
        """The answer as JSON (`JSONResponse`'s bytes, encoded by pydantic-core: a batch answer of 500
        explained assessments is a megabyte, which the standard library took tens of milliseconds on)."""
        headers = {**self.headers, **({REPLAYED_HEADER: "true"} if self.replayed else {})}
        return Response(
            to_json(self.body), status_code=self.status, headers=headers, media_type="application/json"
        )


@dataclass
class Claim:
    """This request holds the key: its answer is to be recorded with `UnitOfWork.remember`."""

    principal: str
    key: str
    request_hash: str
    lease: str
    answered: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Remember(Generic[T]):
    """Record the answer to a claimed key in the use case's own transaction: `render` turns the use
    case's result into the response that a replay returns."""

    claim: Claim
    render: Callable[[T], StoredResponse]


COMPRESSED = "zlib:"
"""How a compressed recorded body begins (no JSON text begins with a letter other than those of true,
false and null)."""
COMPRESS_FROM = 16_384
"""A recorded body of this many bytes of JSON or more is kept compressed: a batch answer of 500 explained
assessments is 1.2 MB of JSON, about a tenth of it compressed. A replay returns the same body."""


def recorded_body(body: Any) -> str:
    """The body as the key's record keeps it: its JSON (pydantic-core's compiled encoder, anything
    without a JSON type as `str` gives it), or, from `COMPRESS_FROM` bytes, `COMPRESSED` and the JSON
    deflated (zlib level 1: a few milliseconds a megabyte) in base64, the column being text."""
    raw = to_json(body, fallback=str)
    if len(raw) < COMPRESS_FROM:
        return raw.decode("utf-8")
    return COMPRESSED + base64.b64encode(zlib.compress(raw, 1)).decode("ascii")


def replayed_body(recorded: str) -> Any:
    """`recorded_body` read back: the body as first answered."""
    if recorded.startswith(COMPRESSED):
        return json.loads(zlib.decompress(base64.b64decode(recorded[len(COMPRESSED) :])))
    return json.loads(recorded)


LEASE_SECONDS = 6.0
"""How long a claim on a key holds without a heartbeat: how long a retry waits after its holder died."""


class IdempotencyKeys:
    """One service's idempotency keys."""

    def __init__(
        self,
        database: Database,
        table: Table,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        lease_seconds: float = LEASE_SECONDS,
        retry_after_seconds: int = 1,
    ) -> None:
        self._db = database
        self._table = table
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._retry_after = retry_after_seconds

    async def claim(self, *, principal: str, key: str, request_hash: str) -> Claim | StoredResponse:
        """Claim the key for this request, or return the answer to replay; raises 409 while another
        request holds it and 422 if it was used for another request."""
        for _ in range(3):
            outcome = await self._try_claim(principal, key, request_hash)
            if outcome is not None:
                return outcome
        # The key was claimed and released under us three times: it is busy, whatever the reason.
        raise IdempotencyKeyInProgress(self._retry_after)

    async def _try_claim(self, principal: str, key: str, request_hash: str) -> Claim | StoredResponse | None:
        now = self._clock()
        lease = str(uuid.uuid4())
        columns = self._table.c
        async with self._statements() as connection:
            # ON CONFLICT DO NOTHING: a concurrent claim waits for the first to commit and then sees its
            # row, rather than failing with a unique violation; RETURNING says at once that we won.
            won = (
                await connection.execute(
                    conflict_insert(connection, self._table)
                    .values(
                        principal=principal,
                        key=key,
                        request_hash=request_hash,
                        state=IN_PROGRESS,
                        lease=lease,
                        locked_until=now + self._lease,
                        created_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["principal", "key"])
                    .returning(columns.lease)
                )
            ).first()
            if won is not None:
                return Claim(principal, key, request_hash, lease)
            row = (
                await connection.execute(
                    select(self._table).where(columns.principal == principal, columns.key == key)
                )
            ).first()
            if row is None:
                return None  # released between the two statements: try again
            if row.request_hash != request_hash:
                raise IdempotencyKeyReused()
            if row.state == DONE:
                return StoredResponse(
                    status=row.response_status,
                    body=replayed_body(row.response_body),
                    headers=json.loads(row.response_headers or "{}"),
                    replayed=True,
                )
            if _utc(row.locked_until) > now:
                raise IdempotencyKeyInProgress(self._retry_after)
            # The request that held the key died without answering: this one takes it over.
            taken = await connection.execute(
                update(self._table)
                .where(
                    columns.principal == principal,
                    columns.key == key,
                    columns.lease == row.lease,
                    # Not if the old holder finished meanwhile: then this request is a replay (on retry).
                    columns.state == IN_PROGRESS,
                )
                .values(lease=lease, locked_until=now + self._lease)
            )
            if taken.rowcount != 1:
                raise IdempotencyKeyInProgress(self._retry_after)
            log.info("idempotency.lease_taken_over")
            return Claim(principal, key, request_hash, lease)

    @asynccontextmanager
    async def _statements(self) -> AsyncIterator[AsyncConnection]:
        """A connection for the claim's statements, each of which is atomic on its own (a conditional
        insert, a read, a conditional update): on PostgreSQL in autocommit, saving BEGIN and COMMIT
        round trips; on SQLite in a transaction, which is how its driver commits."""
        opened = self._db.read() if self._db.is_postgres else self._db.transaction()
        async with opened as connection:
            yield connection

    async def complete(self, connection: AsyncConnection, claim: Claim, response: StoredResponse) -> None:
        """Record the answer inside the use case's transaction. If this request lost its lease (it ran
        so long that a retry took over), raise so that its work rolls back: the retry's work counts."""
        columns = self._table.c
        result = await connection.execute(
            update(self._table)
            .where(
                columns.principal == claim.principal,
                columns.key == claim.key,
                columns.lease == claim.lease,
                columns.state == IN_PROGRESS,
            )
            .values(
                state=DONE,
                response_status=response.status,
                response_headers=json.dumps(response.headers, sort_keys=True),
                response_body=recorded_body(response.body),
                completed_at=self._clock(),
            )
        )
        if result.rowcount != 1:
            raise IdempotencyKeyInProgress(self._retry_after)
        claim.answered = True

    async def renew(self, claim: Claim) -> bool:
        """Extend this request's lease (the heartbeat); False once it is no longer this request's."""
        columns = self._table.c
        async with self._statements() as connection:
            result = await connection.execute(
                update(self._table)
                .where(
                    columns.principal == claim.principal,
                    columns.key == claim.key,
                    columns.lease == claim.lease,
                    columns.state == IN_PROGRESS,
                )
                .values(locked_until=self._clock() + self._lease)
            )
        return bool(result.rowcount == 1)

    async def keep_alive(self, claim: Claim) -> None:
        """Renew the lease every third of it until cancelled, or until the key is no longer ours."""
        interval = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                if not await self.renew(claim):
                    return
            except Exception as exc:  # the database may be down: keep trying; the lease may run out
                log.warning("idempotency.renew_failed", error=type(exc).__name__)

    async def release(self, claim: Claim) -> None:
        """Give the key back after a failed request, so that a retry runs again."""
        columns = self._table.c
        async with self._statements() as connection:
            await connection.execute(
                delete(self._table).where(
                    columns.principal == claim.principal,
                    columns.key == claim.key,
                    columns.lease == claim.lease,
                    columns.state == IN_PROGRESS,
                )
            )


async def idempotent(
    keys: IdempotencyKeys,
    *,
    principal: str,
    key: str | None,
    request_hash: str,
    run: Callable[[Claim | None], Awaitable[StoredResponse]],
) -> StoredResponse:
    """Run a request at most once per key: `run(claim)` does the work (recording its answer with
    `Remember(claim, ...)` when `claim` is not None); a replay returns the recorded answer instead.
    Without a key the request simply runs."""
    if key is None:
        return await run(None)
    outcome = await keys.claim(principal=principal, key=key, request_hash=request_hash)
    if isinstance(outcome, StoredResponse):
        return outcome
    heartbeat = asyncio.create_task(keys.keep_alive(outcome), name="idempotency heartbeat")
    try:
        response = await run(outcome)
    except BaseException:
        try:
            await keys.release(outcome)
        except Exception as exc:  # the database may be what failed; the lease runs out instead
            log.warning("idempotency.release_failed", error=type(exc).__name__)
        raise
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
    if not outcome.answered:
        # The use case did not record its answer in its transaction (a route that forgot `Remember`):
        # record it now, so the key does not stay in flight until its lease runs out.
        log.warning("idempotency.answer_not_remembered")
        async with keys._db.transaction() as connection:
            await keys.complete(connection, outcome, response)
    return response


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "LEASE_SECONDS",
    "Claim",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyReused",
    "IdempotencyKeys",
    "Remember",
    "StoredResponse",
    "idempotency_table",
    "idempotent",
    "request_fingerprint",
]
