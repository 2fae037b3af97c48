"""Use cases of the claims service. Each runs in one unit of work (load, ask the domain's lifecycle,
save, audit, record the events and any idempotent answer, commit) and raises the domain's errors, so a
failure part-way leaves nothing half-written. The clock and id maker are the context's, so tests see
the same "today" as the records.

`ClaimsContext` is the seam the other claims modules build on: casework and evidence use cases take
the same context (its unit of work factory, clock, id maker, cipher and database) and add their own
clients beside it on the app's state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from dwp.claims import events
from dwp.claims.domain.dates import uk_date
from dwp.claims.domain.lifecycle import Transition
from dwp.claims.domain.model import Claim
from dwp.claims.repository import ClaimsRecords, ClaimsRepository, idempotency_keys, outbox
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from dwp.platform.database import Database
from dwp.platform.idempotency import IdempotencyKeys
from dwp.platform.pii import PiiCipher
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWork, UnitOfWorkFactory

SOURCE = "claims"
Clock = Callable[[], datetime]
NewId = Callable[[], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass
class ClaimsContext:
    """What the use cases run with: a unit of work per use case, the clock, a maker of new ids, and the
    idempotency keys that the API claims before a use case that creates. `database` and `cipher` are
    there for the modules that need them directly (evidence records, casework's readers); use cases go
    through `uow`."""

    uow: UnitOfWorkFactory[ClaimsRecords]
    clock: Clock = utc_now
    new_id: NewId = new_uuid
    idempotency: IdempotencyKeys | None = None
    database: Database | None = None
    cipher: PiiCipher | None = None
    extras: dict[str, object] = field(default_factory=dict)
    """Clients that other claims modules attach (upstream services, the evidence store), by name."""

    @classmethod
    def on_database(
        cls, database: Database, cipher: PiiCipher, *, clock: Clock = utc_now, new_id: NewId = new_uuid
    ) -> ClaimsContext:
        keys = IdempotencyKeys(database, idempotency_keys, clock=clock)
        uow = SqlUnitOfWorkFactory[ClaimsRecords](
            database,
            lambda connection: ClaimsRepository(connection, cipher),
            outbox_table=outbox,
            source=SOURCE,
            idempotency=keys,
        )
        return cls(uow=uow, clock=clock, new_id=new_id, idempotency=keys, database=database, cipher=cipher)

    def today(self) -> date:
        return uk_date(self.clock())


async def record_transition(uow: UnitOfWork[ClaimsRecords], transition: Transition, *, now: datetime) -> None:
    """Write what a move left behind, in the unit of work's one transaction: the audit record, the
    published events (through the outbox) and any work items it opens. The claim itself is saved by the
    caller (added or saved under its version)."""
    await uow.repository.audit(transition.audit)
    for event in transition.events:
        if events.publishable(event):
            await uow.outbox.add(CLAIMS_EVENTS_TOPIC, events.to_contract(event))
    for item in transition.work_items:
        await uow.repository.add_work_item(item)


# --- the citizen's claims ------------------------------------------------------------------------


async def claims_of(ctx: ClaimsContext, *, subject: str) -> list[Claim]:
    """A citizen's own claims (as claimant or joined partner), newest first."""
    async with ctx.uow(read_only=True) as uow:
        return await uow.repository.claims_of(subject)
