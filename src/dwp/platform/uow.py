"""Unit of work: each use case runs in one, which opens the transaction and hands over the service's
repository and its outbox together, so the change, its audit record, its event and its idempotent answer
commit in one transaction or not at all (cosmicpython's `unit_of_work.py`, async).

    async with ctx.uow() as uow:                    # BEGIN
        citizen = await uow.repository.get(citizen_id)
        await uow.outbox.add(TOPIC, SomethingHappened(...))
        await uow.remember(remember, citizen)      # the Idempotency-Key's answer, same transaction
                                                    # COMMIT; ROLLBACK if anything raised

A service context holds a factory (`ctx.uow`), so each use case gets its own unit of work;
`read_only=True` gives one for reads only (no BEGIN/COMMIT round trips on PostgreSQL; never write through
it). Use-case tests run on `InMemoryUnitOfWork`, which keeps the same promise: nothing is seen until the
unit of work commits.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.contracts.events import Event, EventEnvelope
from dwp.platform.database import Database
from dwp.platform.idempotency import Claim, IdempotencyKeys, Remember, StoredResponse
from dwp.platform.outbox import record_event

R = TypeVar("R")
D = TypeVar("D")
T = TypeVar("T")


class Outbox(Protocol):
    """Where a use case puts the events its change causes; they leave only if the change commits."""

    async def add(self, topic: str, event: Event) -> str:
        """Queue `event` for `topic`; returns its event id."""
        ...


class UnitOfWork(abc.ABC, Generic[R]):
    """One use case's transaction: `repository` and `outbox` are valid inside `async with` only."""

    repository: R
    outbox: Outbox

    async def __aenter__(self) -> UnitOfWork[R]:
        await self._begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            await self._commit()
        else:
            await self._rollback(exc)

    async def remember(self, remember: Remember[T] | None, result: T) -> None:
        """Record the answer to an Idempotency-Key in this transaction (nothing when there is no key)."""
        if remember is not None:
            await self._store_response(remember.claim, remember.render(result))

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def _rollback(self, error: BaseException) -> None: ...

    @abc.abstractmethod
    async def _store_response(self, claim: Claim, response: StoredResponse) -> None: ...


class UnitOfWorkFactory(Protocol[R]):
    """What a service context holds: call it for a fresh unit of work per use case."""

    def __call__(self, *, read_only: bool = False, stale_ok: bool = False) -> UnitOfWork[R]:
        """`stale_ok` (with `read_only`): the reads may come from a read replica, a little behind the
        primary; for queues, lists, searches and reports, never for a read after the caller's own write."""
        ...


class SqlOutbox:
    """The service's `outbox` table, written on the unit of work's connection."""

    def __init__(self, connection: AsyncConnection, table: Table, source: str) -> None:
        self._connection = connection
        self._table = table
        self._source = source

    async def add(self, topic: str, event: Event) -> str:
        return await record_event(
            self._connection, self._table, topic=topic, event=event, source=self._source
        )


class SqlUnitOfWork(UnitOfWork[R]):
    """A unit of work on the service's database: one connection, one transaction."""

    def __init__(
        self,
        database: Database,
        make_repository: Callable[[AsyncConnection], R],
        *,
        outbox_table: Table,
        source: str,
        idempotency: IdempotencyKeys | None = None,
        read_only: bool = False,
        stale_ok: bool = False,
    ) -> None:
        if stale_ok and not read_only:
            raise ValueError("only a read-only unit of work may read from a replica")
        self._stale_ok = stale_ok
        self._database = database
        self._make_repository = make_repository
        self._outbox_table = outbox_table
        self._source = source
        self._idempotency = idempotency
        self._read_only = read_only
        self._stack: AsyncExitStack | None = None
        self.connection: AsyncConnection | None = None

    async def _begin(self) -> None:
        self._stack = AsyncExitStack()
        opened = (
            self._database.read(stale_ok=self._stale_ok) if self._read_only else self._database.transaction()
        )
        self.connection = await self._stack.enter_async_context(opened)
        self.repository = self._make_repository(self.connection)
        self.outbox = SqlOutbox(self.connection, self._outbox_table, self._source)

    async def _commit(self) -> None:
        await self._close(None)

    async def _rollback(self, error: BaseException) -> None:
        # Closing the transaction's context with the use case's error rolls it back.
        await self._close(error)

    async def _close(self, error: BaseException | None) -> None:
        stack, self._stack, self.connection = self._stack, None, None
        if stack is None:
            return
        if error is None:
            await stack.aclose()
        else:
            await stack.__aexit__(type(error), error, None)

    async def _store_response(self, claim: Claim, response: StoredResponse) -> None:
        if self._idempotency is None or self.connection is None or self._read_only:
            raise RuntimeError("this unit of work cannot record idempotent answers")
        await self._idempotency.complete(self.connection, claim, response)


class SqlUnitOfWorkFactory(Generic[R]):
    """`ctx.uow` for a service on its database."""

    def __init__(
        self,
        database: Database,
        make_repository: Callable[[AsyncConnection], R],
        *,
        outbox_table: Table,
        source: str,
        idempotency: IdempotencyKeys | None = None,
    ) -> None:
        self.database = database
        self.idempotency = idempotency
        self._make_repository = make_repository
        self._outbox_table = outbox_table
        self._source = source

    def __call__(self, *, read_only: bool = False, stale_ok: bool = False) -> SqlUnitOfWork[R]:
        return SqlUnitOfWork(
            self.database,
            self._make_repository,
            outbox_table=self._outbox_table,
            source=self._source,
            idempotency=self.idempotency,
            read_only=read_only,
            stale_ok=stale_ok,
        )


# --- in memory, for use-case tests ---------------------------------------------------------------------


class InMemoryOutbox:
    def __init__(self, source: str) -> None:
        self._source = source
        self.pending: list[tuple[str, EventEnvelope]] = []

    async def add(self, topic: str, event: Event) -> str:
        envelope = EventEnvelope.wrap(event, source=self._source)
        self.pending.append((topic, envelope))
        return envelope.event_id


@dataclass
class InMemoryStore(Generic[D]):
    """What an in-memory "database" holds: the service's data (`data`, any deep-copyable value), the
    events committed to its outbox and the answers recorded for idempotency keys."""

    data: D
    events: list[tuple[str, EventEnvelope]] = field(default_factory=list)
    responses: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)
    commits: int = 0

    def published(self, topic: str | None = None) -> list[Event]:
        return [envelope.unwrap() for t, envelope in self.events if topic is None or t == topic]


class InMemoryUnitOfWork(UnitOfWork[R], Generic[R, D]):
    """The same promise as the SQL one, in memory: the repository works on a copy of the store's data,
    which replaces the store's only on commit, with the outbox's events and any idempotent answer.
    There is no isolation between units of work open at once (the last commit wins): races are tested
    on the databases, not here."""

    def __init__(
        self,
        store: InMemoryStore[D],
        make_repository: Callable[[D], R],
        *,
        source: str,
        read_only: bool = False,
    ) -> None:
        self._store = store
        self._make_repository = make_repository
        self._source = source
        self._read_only = read_only
        self._working: D | None = None
        self._responses: dict[tuple[str, str], StoredResponse] = {}
        self.committed = False
        self.rolled_back = False

    async def _begin(self) -> None:
        self._working = copy.deepcopy(self._store.data)
        self._responses = {}
        self.repository = self._make_repository(self._working)
        self.outbox = self._outbox = InMemoryOutbox(self._source)

    async def _commit(self) -> None:
        if self._read_only or self._working is None:
            return
        self._store.data = self._working
        self._store.events.extend(self._outbox.pending)
        self._store.responses.update(self._responses)
        self._store.commits += 1
        self.committed = True

    async def _rollback(self, error: BaseException) -> None:
        self._working = None
        self.rolled_back = True

    async def _store_response(self, claim: Claim, response: StoredResponse) -> None:
        self._responses[(claim.principal, claim.key)] = response
        claim.answered = True


class InMemoryUnitOfWorkFactory(Generic[R, D]):
    """`ctx.uow` for use-case tests; `last` is the most recent unit of work handed out."""

    def __init__(self, store: InMemoryStore[D], make_repository: Callable[[D], R], *, source: str) -> None:
        self.store = store
        self._make_repository = make_repository
        self._source = source
        self.last: InMemoryUnitOfWork[R, D] | None = None

    def __call__(self, *, read_only: bool = False, stale_ok: bool = False) -> InMemoryUnitOfWork[R, D]:
        if stale_ok and not read_only:
            raise ValueError("only a read-only unit of work may read from a replica")
        self.last = InMemoryUnitOfWork(
            self.store, self._make_repository, source=self._source, read_only=read_only
        )
        return self.last


__all__ = [
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
    "Outbox",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
