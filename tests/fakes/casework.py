"""The claims records in memory, as the casework use cases see them (`casework.CaseworkRecords`), for
use-case tests on the platform's in-memory unit of work; and fake upstream services that can be down."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from dwp.claims.domain.dates import UK
from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.model import AuditRecord, Claim, Decision
from dwp.claims.domain.work import QueueFilter, WorkItem, queue_order
from dwp.claims.repository import PeriodAward
from dwp.claims.upstreams import RtiPayment, UcAssessment, WeeklyAward
from dwp.contracts.benefits import ContributoryPayload, ESAPayload, UCCircumstancesPayload
from dwp.contracts.citizens import CitizenContact, CitizenIdentity
from dwp.contracts.claims import shard_of
from dwp.contracts.integrations import (
    Earnings,
    EarningsRequest,
    FitNotes,
    FitNotesRequest,
    NiRecord,
    NiRecordRequest,
    NiYear,
)
from dwp.platform.http import UpstreamError, UpstreamRejected, UpstreamUnavailable
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory
from tests.fakes.clock import FakeClock


@dataclass
class CaseworkData:
    claims: dict[str, Claim] = field(default_factory=dict)
    work: dict[str, WorkItem] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    decisions: dict[str, tuple[str, Decision]] = field(default_factory=dict)
    periods: dict[tuple[str, date], PeriodAward] = field(default_factory=dict)
    uc_awards: dict[str, tuple[date, bool]] = field(default_factory=dict)
    presence: dict[str, datetime] = field(default_factory=dict)
    journal: list[JournalEntry] = field(default_factory=list)


class InMemoryCaseworkRecords:
    def __init__(self, data: CaseworkData) -> None:
        self.data = data

    async def get(self, claim_id: str) -> Claim | None:
        return self.data.claims.get(claim_id)

    async def save(self, claim: Claim, *, previous_version: int, now: datetime) -> bool:
        current = self.data.claims.get(claim.id)
        if current is None or current.version != previous_version:
            return False
        self.data.claims[claim.id] = claim
        return True

    async def audit(self, record: AuditRecord) -> None:
        self.data.audit.append(record)

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
            for r in self.data.audit
            if r.claim_id == claim_id
        ]

    async def add_work_item(self, item: WorkItem) -> None:
        assert item.id not in self.data.work
        self.data.work[item.id] = item

    async def save_work_item(self, item: WorkItem, *, previous_version: int) -> bool:
        current = self.data.work.get(item.id)
        if current is None or current.version != previous_version:
            return False
        self.data.work[item.id] = item
        return True

    async def get_work_item(self, item_id: str) -> WorkItem | None:
        return self.data.work.get(item_id)

    async def work_for_claim(self, claim_id: str) -> list[WorkItem]:
        return sorted(
            (w for w in self.data.work.values() if w.claim_id == claim_id), key=lambda w: w.created_at
        )

    async def queue_page(
        self, query: QueueFilter, *, today: date, limit: int, after: tuple[date, datetime, str] | None
    ) -> list[WorkItem]:
        items = sorted((w for w in self.data.work.values() if query.matches(w, today)), key=queue_order)
        if after is not None:
            items = [w for w in items if queue_order(w) > after]
        return items[:limit]

    async def count_waiting(self) -> int:
        return sum(1 for w in self.data.work.values() if w.open and w.assigned_to is None)

    async def seen(self, subject: str, at: datetime) -> None:
        self.data.presence[subject] = at

    async def seen_since(self, since: datetime) -> dict[str, datetime]:
        return {s: at for s, at in self.data.presence.items() if at >= since}

    async def add_decision(self, claim: Claim, decision: Decision) -> None:
        self.data.decisions[decision.id] = (claim.id, decision)

    async def add_period(self, period: PeriodAward) -> bool:
        key = (period.claim_id, period.period_start)
        if key in self.data.periods:
            return False
        self.data.periods[key] = period
        return True

    async def add_periods(self, periods: list[PeriodAward]) -> set[str]:
        return {p.id for p in periods if await self.add_period(p)}

    async def claim_facts(self, claim_ids: list[str]) -> dict[str, tuple[str, str, date | None]]:
        return {
            c.id: (c.claim_type.value, c.status.value, c.claim_date)
            for c in (self.data.claims.get(i) for i in claim_ids)
            if c is not None
        }

    async def get_many(self, claim_ids: list[str]) -> dict[str, Claim]:
        return {i: self.data.claims[i] for i in claim_ids if i in self.data.claims}

    async def periods_of_many(self, claim_ids: list[str]) -> dict[str, list[PeriodAward]]:
        return {i: found for i in claim_ids if (found := await self.periods_of(i))}

    async def periods_starting(self, keys: list[tuple[str, date]]) -> dict[tuple[str, date], PeriodAward]:
        return {k: self.data.periods[k] for k in keys if k in self.data.periods}

    async def get_period(self, claim_id: str, period_start: date) -> PeriodAward | None:
        return self.data.periods.get((claim_id, period_start))

    async def periods_of(self, claim_id: str) -> list[PeriodAward]:
        return sorted(
            (p for (c, _), p in self.data.periods.items() if c == claim_id), key=lambda p: p.period_start
        )

    async def set_uc_award(self, claim_id: str, first_day: date, *, active: bool, at: datetime) -> None:
        self.data.uc_awards[claim_id] = (first_day, active)

    async def uc_awards_on_days(
        self, period_days: tuple[int, ...], *, shard: int, shards: int, after: str | None, limit: int
    ) -> list[tuple[str, date]]:
        rows = sorted(
            (c, first)
            for c, (first, active) in self.data.uc_awards.items()
            if active
            and first.day in period_days
            and shard_of(c, shards) == shard
            and (after is None or c > after)
        )
        return rows[:limit]

    async def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.data.claims.values():
            counts[c.status.value] = counts.get(c.status.value, 0) + 1
        return counts

    async def open_claim_dates(self) -> list[datetime]:
        waiting = {"submitted", "awaiting_evidence", "under_assessment", "human_review", "reconsideration"}
        return [
            c.submitted_at for c in self.data.claims.values() if c.status.value in waiting and c.submitted_at
        ]

    async def journal_of(self, claim_id: str, *, limit: int = 200) -> list[JournalEntry]:
        return [e for e in self.data.journal if e.claim_id == claim_id][:limit]

    async def first_decisions(self, since: datetime) -> list[tuple[datetime, datetime, str]]:
        first: dict[str, datetime] = {}
        for claim_id, d in self.data.decisions.values():
            if d.kind.value == "initial":
                first[claim_id] = min(first.get(claim_id, d.made_at), d.made_at)
        out = []
        for claim_id, decided in first.items():
            claim = self.data.claims[claim_id]
            if decided >= since and claim.submitted_at:
                out.append((claim.submitted_at, decided, claim.claim_type.value))
        return out


@dataclass
class CaseworkTestContext:
    """What a casework use case runs with, in memory."""

    uow: InMemoryUnitOfWorkFactory[InMemoryCaseworkRecords, CaseworkData]
    clock: Callable[[], datetime]
    new_id: Callable[[], str]

    @property
    def data(self) -> CaseworkData:
        return self.uow.store.data

    @classmethod
    def fresh(cls, clock: FakeClock | None = None) -> CaseworkTestContext:
        store = InMemoryStore(CaseworkData())
        counter = itertools.count(1)
        return cls(
            uow=InMemoryUnitOfWorkFactory(store, InMemoryCaseworkRecords, source="claims"),
            clock=clock or FakeClock(tick=timedelta(seconds=1)),
            new_id=lambda: f"00000000-0000-4000-8000-{next(counter):012d}",
        )


def uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


Mode = Literal["up", "down", "no-match", "refused"]


@dataclass
class FakeUpstreams:
    """Benefits, integrations and citizen as the use cases see them; each can be switched down."""

    people: dict[str, CitizenIdentity] = field(default_factory=dict)
    contacts: dict[str, CitizenContact] = field(default_factory=dict)
    payments: list[dict[str, Any]] = field(default_factory=list)
    uc_award_pence: int = 41_000
    weekly_pence: int = 9_205
    benefits: Mode = "up"
    integrations: Mode = "up"
    citizen: Mode = "up"
    calls: list[str] = field(default_factory=list)
    carried: dict[str, Any] = field(default_factory=dict)
    ni_years: list[NiYear] | None = field(default_factory=list)
    """The Class 1 record integrations answers (None: HMRC holds none, a 404)."""
    ni_asked: list[NiRecordRequest] = field(default_factory=list)
    contributory_bodies: list[Any] = field(default_factory=list)

    def _check(self, service: str) -> None:
        mode = getattr(self, service)
        self.calls.append(service)
        if mode == "down":
            error: UpstreamError = UpstreamUnavailable(
                "could not connect", upstream=service, breaker_open=True
            )
            error.retry_after = 30
            raise error
        if mode == "no-match":
            raise UpstreamRejected("refused with 404: no match", status=404, upstream=service)
        if mode == "refused":
            raise UpstreamRejected("refused with 422", status=422, upstream=service)

    async def citizen_identity(self, citizen_id: str) -> CitizenIdentity:
        self._check("citizen")
        if citizen_id not in self.people:
            raise UpstreamRejected("refused with 404", status=404, upstream="citizen")
        return self.people[citizen_id]

    async def citizen_contact(self, citizen_id: str) -> CitizenContact:
        self._check("citizen")
        if citizen_id not in self.contacts:
            raise UpstreamRejected("refused with 404", status=404, upstream="citizen")
        return self.contacts[citizen_id]

    async def earnings(self, body: EarningsRequest) -> Earnings:
        self._check("integrations")
        return Earnings.model_validate(
            {
                "access_id": "access-1",
                "claim_id": body.claim_id,
                "period_from": body.period_from,
                "period_to": body.period_to,
                "payments": self.payments,
            }
        )

    async def ni_record(self, body: NiRecordRequest) -> NiRecord:
        self._check("integrations")
        self.ni_asked.append(body)
        if self.ni_years is None:
            raise UpstreamRejected("refused with 404: no record", status=404, upstream="integrations")
        return NiRecord(access_id="access-3", claim_id=body.claim_id, years=self.ni_years)

    async def fit_notes(self, body: FitNotesRequest) -> FitNotes:
        self._check("integrations")
        return FitNotes(access_id="access-2", claim_id=body.claim_id, notes=[])

    async def assess_uc(
        self,
        *,
        claim_id: str,
        circumstances: UCCircumstancesPayload,
        hmrc_earnings: list[RtiPayment] | None,
        idempotency_key: str,
    ) -> UcAssessment:
        self._check("benefits")
        start = date.fromisoformat(circumstances["assessment_period_start"])
        return UcAssessment(
            id=f"assessment-{claim_id}",
            claim_id=claim_id,
            benefit="universal_credit",
            assessment_period_start=start.isoformat(),
            assessment_period_end=(start + timedelta(days=29)).isoformat(),
            tax_year="2026-27",
            award_pence=self.uc_award_pence,
            explanation=[{"kind": "standard_allowance"}],
            carried_state=self.carried,
        )

    async def assess_contributory(
        self, benefit: Literal["new_style_jsa", "new_style_esa"], body: ContributoryPayload | ESAPayload
    ) -> WeeklyAward:
        self._check("benefits")
        self.contributory_bodies.append(body)
        return WeeklyAward(
            tax_year="2026-27",
            weekly_amount_pence=self.weekly_pence,
            contribution_conditions_met=self.weekly_pence > 0,
        )
