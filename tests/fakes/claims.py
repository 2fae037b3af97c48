"""The claims service on an in-memory unit of work, for use-case tests (cosmicpython's FakeRepository).
It keeps the SQL repository's promises that the use cases rely on: a save under a stale version does
not write, a citizen's claims come newest first, an invitation is used once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.model import AuditRecord, Claim
from dwp.claims.domain.work import QueueFilter, WorkItem, queue_order
from dwp.claims.repository import ClaimsRecords, PartnerInvite
from dwp.claims.service import SOURCE, ClaimsContext
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory


@dataclass
class ClaimsData:
    claims: dict[str, Claim] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    work: dict[str, WorkItem] = field(default_factory=dict)
    journal: list[JournalEntry] = field(default_factory=list)
    invites: dict[str, PartnerInvite] = field(default_factory=dict)


class InMemoryClaimsRepository:
    def __init__(self, data: ClaimsData) -> None:
        self._data = data

    async def add(self, claim: Claim, now: datetime) -> None:
        assert claim.id not in self._data.claims
        self._data.claims[claim.id] = claim

    async def save(self, claim: Claim, *, previous_version: int, now: datetime) -> bool:
        current = self._data.claims.get(claim.id)
        if current is None or current.version != previous_version:
            return False
        self._data.claims[claim.id] = claim
        return True

    async def get(self, claim_id: str) -> Claim | None:
        return self._data.claims.get(claim_id)

    async def claims_of(self, subject: str) -> list[Claim]:
        mine = [
            c
            for c in self._data.claims.values()
            if c.claimant.subject == subject or (c.partner is not None and c.partner.subject == subject)
        ]
        return sorted(sorted(mine, key=lambda c: c.id), key=lambda c: c.created_at, reverse=True)

    async def audit(self, record: AuditRecord) -> None:
        self._data.audit.append(record)

    async def audit_trail(self, claim_id: str) -> list[dict[str, Any]]:
        return [
            {
                "actor": r.actor_subject,
                "actor_kind": r.actor_kind,
                "action": r.action,
                "reason": r.reason,
                "before": r.before,
                "after": r.after,
                "request_id": r.request_id,
                "at": r.at,
            }
            for r in self._data.audit
            if r.claim_id == claim_id
        ]

    async def add_work_item(self, item: WorkItem) -> None:
        self._data.work[item.id] = item

    async def save_work_item(self, item: WorkItem, *, previous_version: int) -> bool:
        current = self._data.work.get(item.id)
        if current is None or current.version != previous_version:
            return False
        self._data.work[item.id] = item
        return True

    async def get_work_item(self, item_id: str) -> WorkItem | None:
        return self._data.work.get(item_id)

    async def work_for_claim(self, claim_id: str) -> list[WorkItem]:
        return sorted(
            (w for w in self._data.work.values() if w.claim_id == claim_id), key=lambda w: w.created_at
        )

    async def queue(self, query: QueueFilter, *, today: date, limit: int = 50) -> list[WorkItem]:
        found = [w for w in self._data.work.values() if query.matches(w, today)]
        return sorted(found, key=queue_order)[:limit]

    async def add_journal_entry(self, entry: JournalEntry) -> None:
        self._data.journal.append(entry)

    async def journal_of(
        self, claim_id: str, *, after: tuple[datetime, str] | None = None, limit: int = 200
    ) -> list[JournalEntry]:
        entries = sorted(
            (e for e in self._data.journal if e.claim_id == claim_id), key=lambda e: (e.at, e.id)
        )
        return [e for e in entries if after is None or (e.at, e.id) > after][:limit]

    async def add_invite(self, invite: PartnerInvite) -> None:
        assert invite.code_digest not in self._data.invites
        self._data.invites[invite.code_digest] = invite

    async def find_invite(self, code_digest: str) -> PartnerInvite | None:
        return self._data.invites.get(code_digest)

    async def use_invite(self, code_digest: str, at: datetime) -> bool:
        invite = self._data.invites.get(code_digest)
        if invite is None or invite.used_at is not None:
            return False
        self._data.invites[code_digest] = PartnerInvite(
            invite.code_digest, invite.claim_id, invite.created_at, invite.expires_at, at
        )
        return True


def in_memory_context(
    clock: Callable[[], datetime], new_id: Callable[[], str] | None = None
) -> tuple[ClaimsContext, InMemoryStore[ClaimsData]]:
    store: InMemoryStore[ClaimsData] = InMemoryStore(ClaimsData())
    uow = InMemoryUnitOfWorkFactory[ClaimsRecords, ClaimsData](store, InMemoryClaimsRepository, source=SOURCE)
    ctx = ClaimsContext(uow=uow, clock=clock)
    if new_id is not None:
        ctx.new_id = new_id
    return ctx, store
