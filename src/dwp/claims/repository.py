"""The claims service's own tables, and the translation between rows and the domain's claim.

A claim's queryable facts (who, which benefit, status, dates, version) are columns; the rest of the
aggregate (answers, which hold health details; decisions; to-dos; the claimant's proven date of birth)
is one JSON document sealed with the platform's PII encryption, opened only when the claim is loaded.
Work items are rows of their own, so that a caseworker queue (`QueueFilter`) is one SQL query.

`ClaimsRecords` is what the use cases see (the unit of work hands it over); `ClaimsRepository` is it on
the service's database, and `tests/fakes/claims.py` the in-memory one for use-case tests. Idempotency
keys live in the platform's idempotency table, which migration 0002 adds with the journal and the
partner invitations.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from pydantic import TypeAdapter
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from dwp.claims.domain.answers import SECTIONS, Answers, ClaimType
from dwp.claims.domain.dates import UK
from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.model import (
    AuditRecord,
    Challenge,
    Claim,
    Claimant,
    Decision,
    DueDate,
    JointPartner,
    Status,
    Todo,
)
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind
from dwp.platform.database import conflict_insert, new_metadata
from dwp.platform.pii import PiiCipher
from dwp.platform.tables import audit_table, platform_tables

metadata = new_metadata()

claims = Table(
    "claims",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_type", String(32), nullable=False),
    Column("claimant_subject", String(200), nullable=False, index=True),
    Column("partner_subject", String(200), nullable=True, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("joint", Boolean, nullable=False),
    Column("document_sealed", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("claim_date", Date, nullable=True),
)

work_items = Table(
    "work_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("claim_id", String(36), nullable=True, index=True),
    Column("benefit", String(32), nullable=True),
    Column("claim_status", String(32), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_on", Date, nullable=True, index=True),
    Column("due_rule", String(64), nullable=True),
    Column("due_source", Text, nullable=True),
    Column("due_counted_from", Date, nullable=True),
    Column("assigned_to", String(200), nullable=True, index=True),
    Column("escalated", Boolean, nullable=False),
    Column("escalation_reason", Text, nullable=True),
    Column("not_assignable_to", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False),
)

audit_log = audit_table(metadata, "claim_id")

outbox, inbox, idempotency_keys = platform_tables(metadata)

journal = Table(
    "journal",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), nullable=False, index=True),
    Column("author", String(200), nullable=False),
    Column("side", String(8), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # A message may say anything about the person's health or money: sealed like the claim.
    Column("text_sealed", Text, nullable=False),
)
"""Messages between the citizen and DWP on a claim (`domain.journal`)."""

partner_invites = Table(
    "partner_invites",
    metadata,
    # The digest of the code the claimant passes to their partner; the code itself is never stored.
    Column("code_digest", String(64), primary_key=True),
    Column("claim_id", String(36), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)
"""Invitations to join a joint claim, found by the digest of their code."""

evidence_uploads = Table(
    "evidence_uploads",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), nullable=False, index=True),
    Column("todo_id", String(36), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("declared_type", String(64), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("refusal", String(32), nullable=True),
    Column("detected_type", String(64), nullable=True),
    Column("size", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("checked_at", DateTime(timezone=True), nullable=True),
    Column("stored_key", String(200), nullable=True),
    Column("signature", String(200), nullable=True),
)
"""Evidence uploads (`domain.evidence.Upload`) and where the checked copy is (`evidence_service`)."""

# --- casework and assessment (migration 0003) ---

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), nullable=False, index=True),
    Column("benefit", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("made_by", String(200), nullable=False),
    Column("automated", Boolean, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False, index=True),
    Column("notified_on", Date, nullable=False),
    Column("amount_pence", Integer, nullable=True),
    Column("assessment_id", String(64), nullable=True),
    # Reasons may name a health condition: sealed like the claim.
    Column("reasons_sealed", Text, nullable=False),
)
"""Every decision on a claim, queryable (the sealed claim document holds them too, for the aggregate)."""

assessment_periods = Table(
    "assessment_periods",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), nullable=False),
    Column("benefit", String(32), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False, index=True),
    Column("award_pence", Integer, nullable=False),
    Column("assessment_id", String(64), nullable=True),
    Column("decision_id", String(36), nullable=True),
    Column("source", String(16), nullable=False),
    # The amounts, explanation, carried state and statement: they show the health elements, so sealed.
    Column("document_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("claim_id", "period_start"),
)
"""Each assessment period's award, once per (claim, period): the monthly run stores it idempotently."""

uc_awards = Table(
    "uc_awards",
    metadata,
    Column("claim_id", String(36), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("period_day", Integer, nullable=False, index=True),
    # The first 8 bytes of SHA-256 of the claim id as two 32-bit halves (`contracts.claims.shard_of`):
    # `(hi * 2**32 + lo) % n` is worked out in SQL without overflowing a signed 64-bit integer.
    Column("shard_hi", BigInteger, nullable=False),
    Column("shard_lo", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Live UC awards, found by the day of the month their assessment periods begin (UC Regs 2013 reg 21)."""

caseworker_presence = Table(
    "caseworker_presence",
    metadata,
    Column("subject", String(200), primary_key=True),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, index=True),
)
"""When each caseworker was last seen by the service (any casework request): who is signed in."""

DOCUMENT_PURPOSE = "claims.claim"
DECISION_PURPOSE = "claims.decision"
PERIOD_PURPOSE = "claims.assessment_period"
JOURNAL_PURPOSE = "claims.journal"


@dataclass(frozen=True)
class PartnerInvite:
    code_digest: str
    claim_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class ClaimsRecords(Protocol):
    """The claims service's records as its use cases see them (on SQL, or in memory in tests)."""

    async def add(self, claim: Claim, now: datetime) -> None: ...
    async def save(self, claim: Claim, *, previous_version: int, now: datetime) -> bool: ...
    async def get(self, claim_id: str) -> Claim | None: ...
    async def claims_of(self, subject: str) -> list[Claim]: ...
    async def audit(self, record: AuditRecord) -> None: ...
    async def audit_trail(self, claim_id: str) -> list[dict[str, Any]]: ...
    async def add_work_item(self, item: WorkItem) -> None: ...
    async def save_work_item(self, item: WorkItem, *, previous_version: int) -> bool: ...
    async def get_work_item(self, item_id: str) -> WorkItem | None: ...
    async def work_for_claim(self, claim_id: str) -> list[WorkItem]: ...
    async def queue(self, query: QueueFilter, *, today: date, limit: int = 50) -> list[WorkItem]: ...
    async def add_journal_entry(self, entry: JournalEntry) -> None: ...
    async def journal_of(
        self, claim_id: str, *, after: tuple[datetime, str] | None = None, limit: int = 200
    ) -> list[JournalEntry]: ...
    async def add_invite(self, invite: PartnerInvite) -> None: ...
    async def find_invite(self, code_digest: str) -> PartnerInvite | None: ...
    async def use_invite(self, code_digest: str, at: datetime) -> bool: ...


@dataclass(frozen=True)
class _Document:
    """The sealed part of a claim: everything but its columns and its answers (stored by section)."""

    claimant: Claimant
    partner: JointPartner | None
    confirmed: frozenset[str]
    declaration: str | None
    decisions: tuple[Decision, ...]
    challenges: tuple[Challenge, ...]
    todos: tuple[Todo, ...]


_DOCUMENT = TypeAdapter(_Document)
_SECTIONS: dict[ClaimType, dict[str, TypeAdapter[Any]]] = {
    t: {name: TypeAdapter(shape) for name, shape in sections.items()} for t, sections in SECTIONS.items()
}


def dump_document(claim: Claim) -> str:
    """The claim's sealed part as JSON: answers by section name, so each is read back as its own shape."""
    body = _DOCUMENT.dump_python(
        _Document(
            claim.claimant,
            claim.partner,
            claim.confirmed,
            claim.declaration,
            claim.decisions,
            claim.challenges,
            claim.todos,
        ),
        mode="json",
    )
    adapters = _SECTIONS[claim.claim_type]
    body["answers"] = {
        name: adapters[name].dump_python(s, mode="json") for name, s in claim.answers.sections.items()
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def load_claim(row: Row[Any], document: str) -> Claim:
    body = json.loads(document)
    claim_type = ClaimType(row.claim_type)
    adapters = _SECTIONS[claim_type]
    answers = Answers({name: adapters[name].validate_python(v) for name, v in body.pop("answers").items()})
    doc = _DOCUMENT.validate_python(body)
    return Claim(
        id=row.id,
        claim_type=claim_type,
        claimant=doc.claimant,
        created_at=_utc(row.created_at),
        status=Status(row.status),
        joint=bool(row.joint),
        partner=doc.partner,
        answers=answers,
        confirmed=doc.confirmed,
        declaration=doc.declaration,
        submitted_at=_utc(row.submitted_at) if row.submitted_at else None,
        claim_date=row.claim_date,
        decisions=doc.decisions,
        challenges=doc.challenges,
        todos=doc.todos,
        version=row.version,
    )


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored moment is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ClaimsRepository:
    def __init__(self, session: AsyncConnection, cipher: PiiCipher) -> None:
        self.session = session
        self._cipher = cipher

    # --- claims ---

    async def _columns(self, claim: Claim, now: datetime) -> dict[str, Any]:
        return {
            "claim_type": claim.claim_type.value,
            "claimant_subject": claim.claimant.subject,
            "partner_subject": claim.partner.subject if claim.partner else None,
            "status": claim.status.value,
            "joint": claim.joint,
            "document_sealed": await self._cipher.seal(dump_document(claim), context=DOCUMENT_PURPOSE),
            "version": claim.version,
            "updated_at": now,
            "submitted_at": claim.submitted_at,
            "claim_date": claim.claim_date,
        }

    async def add(self, claim: Claim, now: datetime) -> None:
        await self.session.execute(
            claims.insert().values(
                id=claim.id, created_at=claim.created_at, **await self._columns(claim, now)
            )
        )

    async def save(self, claim: Claim, *, previous_version: int, now: datetime) -> bool:
        """Write a changed claim if nobody else changed it first (optimistic lock on `version`)."""
        result = await self.session.execute(
            update(claims)
            .where(claims.c.id == claim.id, claims.c.version == previous_version)
            .values(**await self._columns(claim, now))
        )
        return bool(result.rowcount == 1)

    async def get(self, claim_id: str) -> Claim | None:
        row = (await self.session.execute(select(claims).where(claims.c.id == claim_id))).first()
        if row is None:
            return None
        return load_claim(row, await self._cipher.open(row.document_sealed, context=DOCUMENT_PURPOSE))

    async def claims_of(self, subject: str) -> list[Claim]:
        """A citizen's own claims (as claimant or joined partner), newest first."""
        query = (
            select(claims)
            .where((claims.c.claimant_subject == subject) | (claims.c.partner_subject == subject))
            .order_by(claims.c.created_at.desc(), claims.c.id)
        )
        rows = (await self.session.execute(query)).all()
        return [
            load_claim(r, await self._cipher.open(r.document_sealed, context=DOCUMENT_PURPOSE)) for r in rows
        ]

    async def audit(self, record: AuditRecord) -> None:
        await self.session.execute(
            audit_log.insert().values(
                id=str(uuid.uuid4()),
                claim_id=record.claim_id,
                actor=record.actor_subject,
                actor_kind=record.actor_kind,
                action=record.action,
                reason=record.reason,
                before=json.dumps(record.before, sort_keys=True, default=str),
                after=json.dumps(record.after, sort_keys=True, default=str),
                request_id=record.request_id,
                at=record.at,
            )
        )

    async def audit_trail(self, claim_id: str) -> list[dict[str, Any]]:
        query = (
            select(audit_log).where(audit_log.c.claim_id == claim_id).order_by(audit_log.c.at, audit_log.c.id)
        )
        return [
            {
                "actor": r.actor,
                "actor_kind": r.actor_kind,
                "action": r.action,
                "reason": r.reason,
                "before": json.loads(r.before) if r.before else None,
                "after": json.loads(r.after) if r.after else None,
                "request_id": r.request_id,
                "at": _utc(r.at),
            }
            for r in (await self.session.execute(query)).all()
        ]

    # --- journal ---

    async def add_journal_entry(self, entry: JournalEntry) -> None:
        await self.session.execute(
            journal.insert().values(
                id=entry.id,
                claim_id=entry.claim_id,
                author=entry.author,
                side=entry.side,
                at=entry.at,
                text_sealed=await self._cipher.seal(entry.text, context=JOURNAL_PURPOSE),
            )
        )

    async def journal_of(
        self, claim_id: str, *, after: tuple[datetime, str] | None = None, limit: int = 200
    ) -> list[JournalEntry]:
        """A claim's messages, oldest first; `after` (a message's time and id) pages on from it."""
        c = journal.c
        query = select(journal).where(c.claim_id == claim_id)
        if after is not None:
            at, entry_id = after
            query = query.where((c.at > at) | ((c.at == at) & (c.id > entry_id)))
        query = query.order_by(c.at, c.id).limit(limit)
        return [
            JournalEntry(
                id=r.id,
                claim_id=r.claim_id,
                author=r.author,
                side=r.side,
                at=_utc(r.at),
                text=await self._cipher.open(r.text_sealed, context=JOURNAL_PURPOSE),
            )
            for r in (await self.session.execute(query)).all()
        ]

    # --- partner invitations ---

    async def add_invite(self, invite: PartnerInvite) -> None:
        await self.session.execute(
            partner_invites.insert().values(
                code_digest=invite.code_digest,
                claim_id=invite.claim_id,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
                used_at=invite.used_at,
            )
        )

    async def find_invite(self, code_digest: str) -> PartnerInvite | None:
        query = select(partner_invites).where(partner_invites.c.code_digest == code_digest)
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return PartnerInvite(
            code_digest=row.code_digest,
            claim_id=row.claim_id,
            created_at=_utc(row.created_at),
            expires_at=_utc(row.expires_at),
            used_at=_utc(row.used_at) if row.used_at else None,
        )

    async def use_invite(self, code_digest: str, at: datetime) -> bool:
        """Mark an invitation used, once: False if it was already used (two partners racing)."""
        result = await self.session.execute(
            update(partner_invites)
            .where(partner_invites.c.code_digest == code_digest, partner_invites.c.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(result.rowcount == 1)

    # --- work items ---

    @staticmethod
    def _work_columns(item: WorkItem) -> dict[str, Any]:
        due = item.due
        return {
            "kind": item.kind.value,
            "claim_id": item.claim_id,
            "benefit": item.benefit.value if item.benefit else None,
            "claim_status": item.claim_status.value if item.claim_status else None,
            "created_at": item.created_at,
            "due_on": due.on if due else None,
            "due_rule": due.rule if due else None,
            "due_source": due.source if due else None,
            "due_counted_from": due.counted_from if due else None,
            "assigned_to": item.assigned_to,
            "escalated": item.escalated,
            "escalation_reason": item.escalation_reason,
            "not_assignable_to": json.dumps(sorted(item.not_assignable_to)),
            "note": item.note,
            "done_at": item.done_at,
            "version": item.version,
        }

    async def add_work_item(self, item: WorkItem) -> None:
        await self.session.execute(work_items.insert().values(id=item.id, **self._work_columns(item)))

    async def save_work_item(self, item: WorkItem, *, previous_version: int) -> bool:
        result = await self.session.execute(
            update(work_items)
            .where(work_items.c.id == item.id, work_items.c.version == previous_version)
            .values(**self._work_columns(item))
        )
        return bool(result.rowcount == 1)

    async def get_work_item(self, item_id: str) -> WorkItem | None:
        row = (await self.session.execute(select(work_items).where(work_items.c.id == item_id))).first()
        return _work_item(row) if row else None

    async def work_for_claim(self, claim_id: str) -> list[WorkItem]:
        query = select(work_items).where(work_items.c.claim_id == claim_id).order_by(work_items.c.created_at)
        return [_work_item(r) for r in (await self.session.execute(query)).all()]

    async def queue(self, query: QueueFilter, *, today: date, limit: int = 50) -> list[WorkItem]:
        """The work items a queue filter selects, soonest due first, then oldest (as `queue_order`)."""
        statement = (
            select(work_items)
            .where(*queue_conditions(query, today))
            .order_by(
                case((work_items.c.due_on.is_(None), 1), else_=0),
                work_items.c.due_on,
                work_items.c.created_at,
                work_items.c.id,
            )
            .limit(limit)
        )
        return [_work_item(r) for r in (await self.session.execute(statement)).all()]

    # --- casework and assessment ---

    async def queue_page(
        self, query: QueueFilter, *, today: date, limit: int, after: tuple[date, datetime, str] | None
    ) -> list[WorkItem]:
        """A page of a queue in `queue_order`, starting after the cursor (the last item's order key)."""
        c = work_items.c
        due = func.coalesce(c.due_on, date.max)
        where = queue_conditions(query, today)
        if after is not None:
            on, created, item_id = after
            where.append(
                (due > on)
                | ((due == on) & (c.created_at > created))
                | ((due == on) & (c.created_at == created) & (c.id > item_id))
            )
        statement = select(work_items).where(*where).order_by(due, c.created_at, c.id).limit(limit)
        return [_work_item(r) for r in (await self.session.execute(statement)).all()]

    async def count_waiting(self) -> int:
        """Open work items nobody has taken: the queue the scaling metric divides."""
        c = work_items.c
        statement = (
            select(func.count()).select_from(work_items).where(c.done_at.is_(None), c.assigned_to.is_(None))
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def seen(self, subject: str, at: datetime) -> None:
        """Record that a caseworker was just seen: one upsert, whoever else writes at the same moment."""
        statement = conflict_insert(self.session, caseworker_presence)
        statement = statement.values(subject=subject, last_seen_at=at)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["subject"], set_={"last_seen_at": at})
        )

    async def seen_since(self, since: datetime) -> dict[str, datetime]:
        c = caseworker_presence.c
        rows = (await self.session.execute(select(caseworker_presence).where(c.last_seen_at >= since))).all()
        return {r.subject: _utc(r.last_seen_at) for r in rows}

    async def add_decision(self, claim: Claim, decision: Decision) -> None:
        await self.session.execute(
            decisions.insert().values(
                id=decision.id,
                claim_id=claim.id,
                benefit=claim.claim_type.value,
                kind=decision.kind.value,
                outcome=decision.outcome.value,
                made_by=decision.made_by,
                automated=decision.automated,
                made_at=decision.made_at,
                notified_on=decision.notified_on,
                amount_pence=decision.amount_pence,
                assessment_id=decision.assessment_id,
                reasons_sealed=await self._cipher.seal(
                    json.dumps(list(decision.reasons)), context=DECISION_PURPOSE
                ),
            )
        )

    async def add_period(self, period: PeriodAward) -> bool:
        """Store a period's award once per (claim, period start); False when it was there already (also
        when another request stored it at the same moment: the unique key decides, not a read)."""
        statement = conflict_insert(self.session, assessment_periods).values(
            id=period.id,
            claim_id=period.claim_id,
            benefit=period.benefit,
            period_start=period.period_start,
            period_end=period.period_end,
            award_pence=period.award_pence,
            assessment_id=period.assessment_id,
            decision_id=period.decision_id,
            source=period.source,
            document_sealed=await self._cipher.seal(
                json.dumps(period.document, sort_keys=True), context=PERIOD_PURPOSE
            ),
            created_at=period.created_at,
        )
        result = await self.session.execute(
            statement.on_conflict_do_nothing(index_elements=["claim_id", "period_start"])
        )
        return bool(result.rowcount == 1)

    async def add_periods(self, periods: list[PeriodAward]) -> set[str]:
        """`add_period` for a page in one INSERT: the ids of the periods stored now (the rest were
        there already, by (claim, period start), or stored by another request at the same moment)."""
        if not periods:
            return set()
        rows = [
            {
                "id": p.id,
                "claim_id": p.claim_id,
                "benefit": p.benefit,
                "period_start": p.period_start,
                "period_end": p.period_end,
                "award_pence": p.award_pence,
                "assessment_id": p.assessment_id,
                "decision_id": p.decision_id,
                "source": p.source,
                "document_sealed": await self._cipher.seal(
                    json.dumps(p.document, sort_keys=True), context=PERIOD_PURPOSE
                ),
                "created_at": p.created_at,
            }
            for p in periods
        ]
        statement = (
            conflict_insert(self.session, assessment_periods)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["claim_id", "period_start"])
            .returning(assessment_periods.c.id)
        )
        return {r.id for r in (await self.session.execute(statement)).all()}

    async def claim_facts(self, claim_ids: list[str]) -> dict[str, tuple[str, str, date | None]]:
        """Each claim's (claim type, status, claim date), from its columns (the document not opened), in
        one query: what storing a period's award checks."""
        c = claims.c
        query = select(c.id, c.claim_type, c.status, c.claim_date).where(c.id.in_(claim_ids))
        rows = (await self.session.execute(query)).all()
        return {r.id: (r.claim_type, r.status, r.claim_date) for r in rows}

    async def get_many(self, claim_ids: list[str]) -> dict[str, Claim]:
        """`get` for a page of claims in one query."""
        query = select(claims).where(claims.c.id.in_(claim_ids))
        return {
            row.id: load_claim(row, await self._cipher.open(row.document_sealed, context=DOCUMENT_PURPOSE))
            for row in (await self.session.execute(query)).all()
        }

    async def periods_of_many(self, claim_ids: list[str]) -> dict[str, list[PeriodAward]]:
        """`periods_of` for a page of claims in one query (a claim with none is absent)."""
        c = assessment_periods.c
        query = (
            select(assessment_periods).where(c.claim_id.in_(claim_ids)).order_by(c.claim_id, c.period_start)
        )
        out: dict[str, list[PeriodAward]] = {}
        for row in (await self.session.execute(query)).all():
            out.setdefault(row.claim_id, []).append(await self._period(row))
        return out

    async def periods_starting(self, keys: list[tuple[str, date]]) -> dict[tuple[str, date], PeriodAward]:
        """The stored periods of these (claim, period start)s, in one query."""
        if not keys:
            return {}
        c = assessment_periods.c
        wanted = set(keys)
        query = select(assessment_periods).where(
            c.claim_id.in_(sorted({k for k, _ in wanted})), c.period_start.in_(sorted({s for _, s in wanted}))
        )
        found = {}
        for row in (await self.session.execute(query)).all():
            if (row.claim_id, row.period_start) in wanted:
                found[(row.claim_id, row.period_start)] = await self._period(row)
        return found

    async def get_period(self, claim_id: str, period_start: date) -> PeriodAward | None:
        c = assessment_periods.c
        row = (
            await self.session.execute(
                select(assessment_periods).where(c.claim_id == claim_id, c.period_start == period_start)
            )
        ).first()
        return await self._period(row) if row else None

    async def periods_of(self, claim_id: str) -> list[PeriodAward]:
        """A claim's assessment periods, oldest first: the history the next assessment carries on from."""
        c = assessment_periods.c
        query = select(assessment_periods).where(c.claim_id == claim_id).order_by(c.period_start)
        return [await self._period(r) for r in (await self.session.execute(query)).all()]

    async def _period(self, row: Row[Any]) -> PeriodAward:
        return PeriodAward(
            id=row.id,
            claim_id=row.claim_id,
            benefit=row.benefit,
            period_start=row.period_start,
            period_end=row.period_end,
            award_pence=row.award_pence,
            assessment_id=row.assessment_id,
            decision_id=row.decision_id,
            source=row.source,
            document=json.loads(await self._cipher.open(row.document_sealed, context=PERIOD_PURPOSE)),
            created_at=_utc(row.created_at),
        )

    async def set_uc_award(self, claim_id: str, first_day: date, *, active: bool, at: datetime) -> None:
        """One upsert, so two writers of one claim's award at the same moment never fail on its key."""
        row = uc_award_row(claim_id, first_day, at, active=active)
        values = {k: row[k] for k in ("first_day", "period_day", "active", "updated_at")}
        statement = conflict_insert(self.session, uc_awards).values(**row)
        await self.session.execute(statement.on_conflict_do_update(index_elements=["claim_id"], set_=values))

    async def uc_awards_on_days(
        self, period_days: tuple[int, ...], *, shard: int, shards: int, after: str | None, limit: int
    ) -> list[tuple[str, date]]:
        """Live UC awards whose periods begin on one of `period_days`, in this shard, by claim id."""
        c = uc_awards.c
        # shard_of: (hi * 2**32 + lo) % n == ((hi % n) * (2**32 % n) + lo) % n, all within 64 bits.
        in_shard = (((c.shard_hi % shards) * ((1 << 32) % shards) + c.shard_lo) % shards) == shard
        where = [c.active.is_(True), c.period_day.in_(period_days), in_shard]
        if after is not None:
            where.append(c.claim_id > after)
        query = select(c.claim_id, c.first_day).where(*where).order_by(c.claim_id).limit(limit)
        return [(r.claim_id, r.first_day) for r in (await self.session.execute(query)).all()]

    async def status_counts(self) -> dict[str, int]:
        query = select(claims.c.status, func.count()).group_by(claims.c.status)
        return {status: int(n) for status, n in (await self.session.execute(query)).all()}

    async def open_claim_dates(self) -> list[datetime]:
        """When each undecided claim was submitted (for the overview's ages)."""
        waiting = ("submitted", "awaiting_evidence", "under_assessment", "human_review", "reconsideration")
        query = select(claims.c.submitted_at).where(
            claims.c.status.in_(waiting), claims.c.submitted_at.is_not(None)
        )
        return [_utc(r[0]) for r in (await self.session.execute(query)).all()]

    async def first_decisions(self, since: datetime) -> list[tuple[datetime, datetime, str]]:
        """(submitted, first decided, benefit) of claims first decided since `since`: processing times."""
        first = (
            select(decisions.c.claim_id, func.min(decisions.c.made_at).label("decided"))
            .where(decisions.c.kind == "initial")
            .group_by(decisions.c.claim_id)
            .subquery()
        )
        query = (
            select(claims.c.submitted_at, first.c.decided, claims.c.claim_type)
            .join(first, first.c.claim_id == claims.c.id)
            .where(first.c.decided >= since, claims.c.submitted_at.is_not(None))
        )
        return [(_utc(a), _utc(b), t) for a, b, t in (await self.session.execute(query)).all()]


@dataclass(frozen=True)
class PeriodAward:
    """One assessment period's award as claims keeps it (`document`: amounts, explanation, carried
    state and the statement, sealed)."""

    id: str
    claim_id: str
    benefit: str
    period_start: date
    period_end: date
    award_pence: int
    assessment_id: str | None
    decision_id: str | None
    source: str
    """`casework` (a decision) or `monthly-run` (a reassessment)."""
    document: dict[str, Any]
    created_at: datetime


def uc_award_row(claim_id: str, first_day: date, at: datetime, *, active: bool = True) -> dict[str, Any]:
    """A `uc_awards` row: the award's first day, the day of the month its periods begin on, and the
    claim id's shard digest (`dwp.contracts.claims.shard_of`'s first 8 bytes of SHA-256)."""
    digest = hashlib.sha256(claim_id.encode("utf-8")).digest()
    hi, lo = int.from_bytes(digest[:4], "big"), int.from_bytes(digest[4:8], "big")
    return {
        "claim_id": claim_id,
        "shard_hi": hi,
        "shard_lo": lo,
        "first_day": first_day,
        "period_day": first_day.day,
        "active": active,
        "updated_at": at,
    }


def queue_conditions(q: QueueFilter, today: date) -> list[ColumnElement[bool]]:
    """`QueueFilter.matches` as SQL conditions (a test holds the two to the same answers)."""
    c = work_items.c
    where: list[ColumnElement[bool]] = []
    if not q.include_done:
        where.append(c.done_at.is_(None))
    if q.benefits is not None:
        where.append(c.benefit.in_(sorted(b.value for b in q.benefits)))
    if q.claim_statuses is not None:
        where.append(c.claim_status.in_(sorted(s.value for s in q.claim_statuses)))
    if q.kinds is not None:
        where.append(c.kind.in_(sorted(k.value for k in q.kinds)))
    if q.older_than_days is not None:
        # Age counts UK calendar days: older than N days means created before the UK day N days ago.
        cutoff = datetime.combine(today - timedelta(days=q.older_than_days), time(0), tzinfo=UK).astimezone(
            UTC
        )
        where.append(c.created_at < cutoff)
    if q.assigned is not None:
        where.append(c.assigned_to.is_not(None) if q.assigned else c.assigned_to.is_(None))
    if q.assigned_to is not None:
        where.append(c.assigned_to == q.assigned_to)
    if q.overdue is not None:
        late = c.done_at.is_(None) & c.due_on.is_not(None) & (c.due_on < today)
        where.append(late if q.overdue else ~late)
    if q.escalated is not None:
        where.append(c.escalated.is_(q.escalated))
    return where


def _work_item(row: Row[Any]) -> WorkItem:
    due = (
        DueDate(row.due_on, row.due_rule, row.due_source, row.due_counted_from)
        if row.due_on is not None
        else None
    )
    return WorkItem(
        id=row.id,
        kind=WorkKind(row.kind),
        claim_id=row.claim_id,
        benefit=ClaimType(row.benefit) if row.benefit else None,
        claim_status=Status(row.claim_status) if row.claim_status else None,
        created_at=_utc(row.created_at),
        due=due,
        assigned_to=row.assigned_to,
        escalated=bool(row.escalated),
        escalation_reason=row.escalation_reason,
        not_assignable_to=frozenset(json.loads(row.not_assignable_to)),
        note=row.note,
        done_at=_utc(row.done_at) if row.done_at else None,
        version=row.version,
    )


# The tables of changes of circumstances and of retention runs are declared beside their own code, on
# this module's metadata; importing them here keeps migrations and the declared tables one set.
from dwp.claims import changes_records as _changes_records  # noqa: E402, F401
