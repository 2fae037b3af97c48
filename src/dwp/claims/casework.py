"""Use cases of the caseworker side and the assessment. Each runs in one unit of work on the claims
service's context (load, ask the domain, save, audit, record events, commit) and raises the domain's
errors; calls to other services (`upstreams.Upstreams`) are made outside any transaction.

When benefits, integrations or citizen is down or slow (breaker open, timeout, 5xx), a use case does not
fail: the claim waits with a work item (`work.waiting_on`) and the use case answers `Waiting`; where the
citizen must act (HMRC holds no matching earnings), the claim asks them for evidence (a to-do). An
automatic decision only ever awards: anything else is left for a person.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from dwp.claims import events
from dwp.claims.domain import automation, contributions, lifecycle, work
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.dates import UK, assessment_period_end, period_containing, period_ends_on, uk_date
from dwp.claims.domain.errors import (
    ClaimNotFound,
    ClaimsError,
    MoveNotAllowed,
    NotPermitted,
    StaleVersion,
)
from dwp.claims.domain.household import NotReadyToAssess, contributory, uc_circumstances
from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.lifecycle import Transition
from dwp.claims.domain.model import Actor, AuditRecord, Claim, Decision, Outcome, Status
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind, queue_order
from dwp.claims.repository import PeriodAward
from dwp.claims.upstreams import RtiPayment, UcAssessment, Upstreams, WeeklyAward
from dwp.contracts import claims as contract
from dwp.contracts.benefits import LhaPayload, NIYearPayload, UCCircumstancesPayload
from dwp.contracts.citizens import CitizenIdentity
from dwp.contracts.integrations import Earnings, EarningsRequest, FitNotes, FitNotesRequest, NiRecordRequest
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from dwp.platform.http import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dwp.platform.uow import UnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
NewId = Callable[[], str]
SIGNED_IN_WINDOW = work.SIGNED_IN_WINDOW
WAITING_STATUSES = (
    Status.SUBMITTED,
    Status.AWAITING_EVIDENCE,
    Status.UNDER_ASSESSMENT,
    Status.HUMAN_REVIEW,
    Status.RECONSIDERATION,
    Status.APPEAL,
)
_HELD_NAMESPACE = uuid.UUID("5d0c5b7e-3f0e-4d7e-9a57-1c2b9f6f4e21")


# --- errors of the caseworker side (the app's error table maps them: `ERRORS` below) ----------------


class WorkItemNotFound(ClaimsError):
    field = "work_item_id"


class WorkItemTaken(ClaimsError):
    """Someone else took the work item first (two caseworkers at once: one wins)."""

    field = "work_item"


class AssessmentRefused(ClaimsError):
    """The benefits or integrations service refused what claims sent (not a fault: a fact to fix)."""

    field = "assessment"


class PartNotFound(ClaimsError):
    """A to-do, decision, message or period named that is not this claim's."""

    field = "part"


class PeriodNotCurrent(ClaimsError):
    """A statement for a period that is not the award's current one."""

    field = "period_end"


# --- what the use cases run with -----------------------------------------------------------------------


class CaseworkRecords(Protocol):
    """The claims records the casework use cases use (SQL: `repository.ClaimsRepository`)."""

    async def get(self, claim_id: str) -> Claim | None: ...
    async def save(self, claim: Claim, *, previous_version: int, now: datetime) -> bool: ...
    async def audit(self, record: AuditRecord) -> None: ...
    async def audit_trail(self, claim_id: str) -> list[dict[str, Any]]: ...
    async def add_work_item(self, item: WorkItem) -> None: ...
    async def save_work_item(self, item: WorkItem, *, previous_version: int) -> bool: ...
    async def get_work_item(self, item_id: str) -> WorkItem | None: ...
    async def work_for_claim(self, claim_id: str) -> list[WorkItem]: ...
    async def queue_page(
        self, query: QueueFilter, *, today: date, limit: int, after: tuple[date, datetime, str] | None
    ) -> list[WorkItem]: ...
    async def count_waiting(self) -> int: ...
    async def seen(self, subject: str, at: datetime) -> None: ...
    async def seen_since(self, since: datetime) -> dict[str, datetime]: ...
    async def add_decision(self, claim: Claim, decision: Decision) -> None: ...
    async def add_period(self, period: PeriodAward) -> bool: ...
    async def get_period(self, claim_id: str, period_start: date) -> PeriodAward | None: ...
    async def periods_of(self, claim_id: str) -> list[PeriodAward]: ...
    async def add_periods(self, periods: list[PeriodAward]) -> set[str]: ...
    async def claim_facts(self, claim_ids: list[str]) -> dict[str, tuple[str, str, date | None]]: ...
    async def get_many(self, claim_ids: list[str]) -> dict[str, Claim]: ...
    async def periods_of_many(self, claim_ids: list[str]) -> dict[str, list[PeriodAward]]: ...
    async def periods_starting(self, keys: list[tuple[str, date]]) -> dict[tuple[str, date], PeriodAward]: ...
    async def set_uc_award(self, claim_id: str, first_day: date, *, active: bool, at: datetime) -> None: ...
    async def uc_awards_on_days(
        self, period_days: tuple[int, ...], *, shard: int, shards: int, after: str | None, limit: int
    ) -> list[tuple[str, date]]: ...
    async def status_counts(self) -> dict[str, int]: ...
    async def open_claim_dates(self) -> list[datetime]: ...
    async def first_decisions(self, since: datetime) -> list[tuple[datetime, datetime, str]]: ...
    async def journal_of(self, claim_id: str, *, limit: int = 200) -> list[JournalEntry]: ...


class CaseworkContext(Protocol):
    """The claims service's context, as casework uses it (`service.ClaimsContext` is one)."""

    @property
    def uow(self) -> UnitOfWorkFactory[Any]: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def new_id(self) -> NewId: ...


def _today(ctx: CaseworkContext) -> date:
    return uk_date(ctx.clock())


async def _record(uow: UnitOfWork[Any], transition: Transition) -> None:
    """The audit record, the published events and any work items a move left behind."""
    await uow.repository.audit(transition.audit)
    for event in transition.events:
        if events.publishable(event):
            await uow.outbox.add(CLAIMS_EVENTS_TOPIC, events.to_contract(event))
    for item in transition.work_items:
        await uow.repository.add_work_item(item)


async def _apply(uow: UnitOfWork[Any], claim: Claim, transition: Transition, *, now: datetime) -> Claim:
    """Save a moved claim under its version, keep its work items' copy of its status, and record."""
    repo: CaseworkRecords = uow.repository
    if not await repo.save(transition.claim, previous_version=claim.version, now=now):
        raise StaleVersion("The claim has changed since you read it; read it again and retry")
    for item in await repo.work_for_claim(claim.id):
        followed = work.follow_claim(item, transition.claim.status, now)
        if followed is not item:
            await repo.save_work_item(followed, previous_version=item.version)
    await _record(uow, transition)
    return transition.claim


apply_transition = _apply
"""Save a transition made outside this module (`automation`'s returned payments) the same way."""


async def _claim(repo: CaseworkRecords, claim_id: str) -> Claim:
    claim = await repo.get(claim_id)
    if claim is None:
        raise ClaimNotFound("There is no such claim")
    return claim


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotPermitted("this is for caseworkers")


# --- presence and the scaling metric ---------------------------------------------------------------


async def caseworker_seen(ctx: CaseworkContext, *, actor: Actor) -> None:
    """Note that a caseworker is signed in (any casework request): the metric counts them for 15 minutes."""
    if actor.kind != "caseworker":
        return
    async with ctx.uow() as uow:
        await uow.repository.seen(actor.subject, ctx.clock())


async def waiting_per_caseworker(ctx: CaseworkContext) -> tuple[float, int, int]:
    """(the figure, work items waiting, caseworkers signed in during the last 15 minutes)."""
    now = ctx.clock()
    async with ctx.uow(read_only=True) as uow:
        waiting = await uow.repository.count_waiting()
        present = await uow.repository.seen_since(now - SIGNED_IN_WINDOW)
    return work.waiting_per_caseworker(waiting, present, now), waiting, len(present)


# --- the work queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    items: list[WorkItem]
    next_cursor: str | None


def _cursor(item: WorkItem) -> str:
    on, created, item_id = queue_order(item)
    return f"{on.isoformat()}|{created.isoformat()}|{item_id}"


def parse_cursor(cursor: str | None) -> tuple[date, datetime, str] | None:
    if not cursor:
        return None
    try:
        on, created, item_id = cursor.split("|", 2)
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return date.fromisoformat(on), moment, item_id
    except ValueError:
        raise ClaimsError("not a cursor this queue gave", field="cursor") from None


async def work_queue(
    ctx: CaseworkContext, *, actor: Actor, query: QueueFilter, limit: int = 50, cursor: str | None = None
) -> QueuePage:
    """A page of a caseworker queue, soonest due first, then oldest."""
    _staff(actor)
    after = parse_cursor(cursor)
    async with ctx.uow(read_only=True) as uow:
        items = await uow.repository.queue_page(query, today=_today(ctx), limit=limit + 1, after=after)
    more = len(items) > limit
    items = items[:limit]
    return QueuePage(items, _cursor(items[-1]) if more and items else None)


async def _change_item(
    ctx: CaseworkContext,
    item_id: str,
    expected_version: int | None,
    change: Callable[[WorkItem], WorkItem],
    *,
    actor: Actor,
    action: str,
    reason: str | None = None,
) -> WorkItem:
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        item = await repo.get_work_item(item_id)
        if item is None:
            raise WorkItemNotFound("There is no such work item")
        if expected_version is not None and expected_version != item.version:
            raise StaleVersion("The work item has changed since you read it; read it again and retry")
        new = change(item)
        if not await repo.save_work_item(new, previous_version=item.version):
            # Another caseworker's change committed between our read and our write.
            raise WorkItemTaken("Someone else changed this work item first; read it again")
        if item.claim_id is not None:
            before: dict[str, object] = {
                "work_item": item.id,
                "assigned_to": item.assigned_to,
                "escalated": item.escalated,
            }
            after: dict[str, object] = {
                "work_item": item.id,
                "assigned_to": new.assigned_to,
                "escalated": new.escalated,
            }
            await repo.audit(
                AuditRecord(
                    item.claim_id,
                    action,
                    actor.subject,
                    actor.kind,
                    now,
                    reason,
                    before,
                    after,
                    actor.request_id,
                )
            )
    return new


async def take_work_item(
    ctx: CaseworkContext, *, item_id: str, actor: Actor, expected_version: int | None = None
) -> WorkItem:
    """A caseworker takes a work item for themselves; one someone else has is theirs (409)."""

    def take(item: WorkItem) -> WorkItem:
        if item.assigned_to not in (None, actor.subject) and not actor.is_team_leader:
            raise WorkItemTaken("Another caseworker has this work item")
        return work.assign(item, to=actor.subject, by=actor)

    return await _change_item(ctx, item_id, expected_version, take, actor=actor, action="take_work_item")


async def assign_work_item(
    ctx: CaseworkContext, *, item_id: str, to: str, actor: Actor, expected_version: int | None = None
) -> WorkItem:
    """A team leader gives a work item to a caseworker."""

    def give(item: WorkItem) -> WorkItem:
        return work.assign(item, to=to, by=actor)

    return await _change_item(ctx, item_id, expected_version, give, actor=actor, action="assign_work_item")


async def release_work_item(
    ctx: CaseworkContext, *, item_id: str, actor: Actor, expected_version: int | None = None
) -> WorkItem:
    def let_go(item: WorkItem) -> WorkItem:
        return work.release(item, by=actor)

    return await _change_item(ctx, item_id, expected_version, let_go, actor=actor, action="release_work_item")


async def escalate_work_item(
    ctx: CaseworkContext,
    *,
    item_id: str,
    reason: str,
    actor: Actor,
    expected_version: int | None = None,
) -> WorkItem:
    def up(item: WorkItem) -> WorkItem:
        return work.escalate(item, by=actor, reason=reason)

    return await _change_item(
        ctx, item_id, expected_version, up, actor=actor, action="escalate_work_item", reason=reason
    )


async def get_work_item(ctx: CaseworkContext, *, item_id: str, actor: Actor) -> WorkItem:
    _staff(actor)
    async with ctx.uow(read_only=True) as uow:
        item = await uow.repository.get_work_item(item_id)
    if item is None:
        raise WorkItemNotFound("There is no such work item")
    return item


# --- held registrations (from the citizen service, through the workers) --------------------------------


async def open_held_registration(
    ctx: CaseworkContext, body: contract.HeldRegistration
) -> tuple[WorkItem, bool]:
    """A registration the citizen service held becomes a work item, once per hold (the event may be
    delivered twice). Returns the item and whether it was made now."""
    item_id = str(uuid.uuid5(_HELD_NAMESPACE, body.hold_id))
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        existing = await repo.get_work_item(item_id)
        if existing is not None:
            return existing, False
        held_at = body.held_at if body.held_at.tzinfo else body.held_at.replace(tzinfo=UK)
        item = work.held_registration(
            item_id=item_id,
            at=ctx.clock(),
            held_since=uk_date(held_at),
            # Codes only: the citizen id is an id, the reason a code (the event carries no personal data).
            reason=f"{body.reason} (citizen {body.citizen_id})",
        )
        await repo.add_work_item(item)
    return item, True


# --- moves a caseworker makes --------------------------------------------------------------------------


async def _move(ctx: CaseworkContext, claim_id: str, move: Callable[[Claim, datetime], Transition]) -> Claim:
    now = ctx.clock()
    async with ctx.uow() as uow:
        claim = await _claim(uow.repository, claim_id)
        transition = move(claim, now)
        return await _apply(uow, claim, transition, now=now)


async def request_evidence(
    ctx: CaseworkContext,
    *,
    claim_id: str,
    evidence: tuple[str, ...],
    reason: str,
    actor: Actor,
    expected_version: int | None = None,
) -> Claim:
    _staff(actor)
    return await _move(
        ctx,
        claim_id,
        lambda claim, now: lifecycle.request_evidence(
            claim,
            actor=actor,
            at=now,
            evidence=evidence,
            reason=reason,
            new_id=ctx.new_id,
            expected_version=expected_version,
        ),
    )


async def start_assessment(
    ctx: CaseworkContext,
    *,
    claim_id: str,
    reason: str = "",
    actor: Actor,
    expected_version: int | None = None,
) -> Claim:
    return await _move(
        ctx,
        claim_id,
        lambda claim, now: lifecycle.start_assessment(
            claim, actor=actor, at=now, reason=reason, expected_version=expected_version
        ),
    )


DecisionMove = Literal["initial", "human_review", "reconsideration", "appeal"]


async def record_decision(
    ctx: CaseworkContext,
    *,
    claim_id: str,
    stage: DecisionMove,
    outcome: Outcome,
    reasons: tuple[str, ...],
    actor: Actor,
    amount_pence: int | None = None,
    assessment_id: str | None = None,
    expected_version: int | None = None,
) -> Claim:
    """Record a decision with its reasons: the initial one (award or disallow), a person's review, a
    mandatory reconsideration (by a different decision maker) or a tribunal's outcome."""
    _staff(actor)
    decision_id = ctx.new_id()

    def decide(claim: Claim, now: datetime) -> Transition:
        common: dict[str, Any] = {
            "actor": actor,
            "at": now,
            "decision_id": decision_id,
            "reasons": reasons,
            "expected_version": expected_version,
        }
        if stage == "initial":
            if outcome == Outcome.DISALLOW:
                return lifecycle.disallow(claim, **common)
            return lifecycle.award(
                claim,
                amount_pence=amount_pence if amount_pence is not None else -1,
                assessment_id=assessment_id,
                **common,
            )
        extra: dict[str, Any] = {
            "outcome": outcome,
            "amount_pence": amount_pence,
            "assessment_id": assessment_id,
        }
        if stage == "human_review":
            return lifecycle.decide_human_review(claim, **common, **extra)
        if stage == "reconsideration":
            return lifecycle.decide_reconsideration(claim, **common, **extra)
        return lifecycle.record_appeal_outcome(claim, **common, **extra)

    return await _decide_and_close_work(ctx, claim_id, decide)


async def _decide_and_close_work(
    ctx: CaseworkContext, claim_id: str, decide: Callable[[Claim, datetime], Transition]
) -> Claim:
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        claim = await _claim(repo, claim_id)
        transition = decide(claim, now)
        new = await _apply(uow, claim, transition, now=now)
        await _store_decision(repo, claim, new, now=now)
        # The decision is the work the claim's open items were for.
        system = Actor("claims", "system")
        for item in await repo.work_for_claim(claim_id):
            if item.open and item.kind in _DECIDED_BY_DECISION:
                await repo.save_work_item(
                    work.complete(item, by=system, at=now), previous_version=item.version
                )
    return new


_DECIDED_BY_DECISION = frozenset(
    {
        WorkKind.ASSESS_CLAIM,
        WorkKind.HUMAN_REVIEW,
        WorkKind.RECONSIDERATION,
        WorkKind.APPEAL_RESPONSE,
        WorkKind.PROVIDER_UNAVAILABLE,
    }
)


async def _store_decision(repo: CaseworkRecords, before: Claim, after: Claim, *, now: datetime) -> None:
    """The decision row, and for a UC award its first assessment period and its place in the monthly run."""
    decision = after.latest_decision
    if decision is None or decision in before.decisions:
        return
    await repo.add_decision(after, decision)
    if after.claim_type != ClaimType.UNIVERSAL_CREDIT or after.claim_date is None:
        return
    await repo.set_uc_award(after.id, after.claim_date, active=decision.outcome == Outcome.AWARD, at=now)


# --- reads -----------------------------------------------------------------------------------------------


async def read_claim(ctx: CaseworkContext, *, claim_id: str, actor: Actor, purpose: str) -> Claim:
    """A caseworker's read of a claim: every one is audited, with its purpose."""
    _staff(actor)
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        claim = await _claim(repo, claim_id)
        await repo.audit(lifecycle.read_by_caseworker(claim, actor=actor, at=now, purpose=purpose))
    return claim


async def claim_work(ctx: CaseworkContext, *, claim_id: str, actor: Actor) -> list[WorkItem]:
    _staff(actor)
    async with ctx.uow(read_only=True) as uow:
        return list(await uow.repository.work_for_claim(claim_id))


async def claim_periods(ctx: CaseworkContext, *, claim_id: str, actor: Actor) -> list[PeriodAward]:
    _staff(actor)
    async with ctx.uow(read_only=True) as uow:
        return list(await uow.repository.periods_of(claim_id))


async def audit_trail(
    ctx: CaseworkContext, *, claim_id: str, actor: Actor, purpose: str
) -> list[dict[str, Any]]:
    """Every change to a claim (and every read of it); reading the trail is itself a read of the claim."""
    _staff(actor)
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        claim = await _claim(repo, claim_id)
        trail = await repo.audit_trail(claim_id)
        await repo.audit(
            lifecycle.read_by_caseworker(claim, actor=actor, at=now, purpose=f"audit trail: {purpose}")
        )
    return trail


@dataclass(frozen=True)
class Overview:
    by_status: dict[str, int]
    waiting_by_age: dict[str, int]
    """Undecided claims by days since submission: `0-6`, `7-13`, `14-27`, `28+`."""
    processing_days: dict[str, float | int | None]
    """Days from submission to first decision over the last 90 days: count, median, p90, by benefit."""
    work_waiting: int
    caseworkers_signed_in: int
    waiting_per_caseworker: float


AGE_BANDS = ((0, 6, "0-6"), (7, 13, "7-13"), (14, 27, "14-27"), (28, None, "28+"))
PROCESSING_WINDOW = timedelta(days=90)


async def overview(ctx: CaseworkContext, *, actor: Actor) -> Overview:
    """The caseworker overview: claims by status, how long undecided ones have waited, processing time."""
    _staff(actor)
    now = ctx.clock()
    today = uk_date(now)
    async with ctx.uow(read_only=True) as uow:
        repo: CaseworkRecords = uow.repository
        by_status = await repo.status_counts()
        submitted = await repo.open_claim_dates()
        decided = await repo.first_decisions(now - PROCESSING_WINDOW)
        waiting = await repo.count_waiting()
        present = await repo.seen_since(now - SIGNED_IN_WINDOW)
    bands = dict.fromkeys((b[2] for b in AGE_BANDS), 0)
    for at in submitted:
        age = (today - uk_date(at)).days
        for low, high, name in AGE_BANDS:
            if age >= low and (high is None or age <= high):
                bands[name] += 1
                break
    days = sorted((uk_date(b) - uk_date(a)).days for a, b, _ in decided)
    processing: dict[str, float | int | None] = {
        "count": len(days),
        "median": _quantile(days, 0.5),
        "p90": _quantile(days, 0.9),
    }
    for benefit in ClaimType:
        mine = sorted((uk_date(b) - uk_date(a)).days for a, b, t in decided if t == benefit.value)
        processing[f"median_{benefit.value}"] = _quantile(mine, 0.5)
    return Overview(
        by_status=dict(sorted(by_status.items())),
        waiting_by_age=bands,
        processing_days=processing,
        work_waiting=waiting,
        caseworkers_signed_in=len(present),
        waiting_per_caseworker=work.waiting_per_caseworker(waiting, present, now),
    )


def _quantile(sorted_values: list[int], q: float) -> float | None:
    """The nearest-rank quantile (no interpolation: a count of days stays a count of days)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 1))
    return float(sorted_values[int(rank) - 1])


# --- the assessment --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """The claim waits: a provider could not be asked in time (a work item), or the citizen must act
    (a to-do). Nothing was lost: the caseworker (or the system) asks again when it is back."""

    provider: str
    work_item_id: str | None
    todo_ids: tuple[str, ...] = ()
    retry_after: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Gathered:
    """What integrations holds for the claim: HMRC earnings for the period, NHS fit notes if asked."""

    period_start: date
    period_end: date
    earnings: Earnings | None
    fit_notes: FitNotes | None


@dataclass(frozen=True)
class Assessed:
    """The benefits service's award for one period (UC) or benefit week (JSA, ESA)."""

    benefit: ClaimType
    period_start: date
    period_end: date
    award_pence: int
    assessment_id: str | None
    explanation: list[dict[str, Any]]
    amounts: dict[str, Any]
    carried: dict[str, Any]
    earnings_access_id: str | None
    inputs: dict[str, Any] = field(default_factory=dict)


_DOWN = (UpstreamUnavailable, UpstreamTimeout, UpstreamBadResponse)


async def _wait_on(ctx: CaseworkContext, claim: Claim, error: UpstreamError) -> Waiting:
    """Open (or reuse) the claim's waiting work item for `error.upstream`."""
    now = ctx.clock()
    provider = error.upstream
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        for item in await repo.work_for_claim(claim.id):
            if item.open and item.kind == WorkKind.PROVIDER_UNAVAILABLE and item.note.endswith(provider):
                return Waiting(provider, item.id, retry_after=error.retry_after, detail=str(error))
        item = work.waiting_on(
            item_id=ctx.new_id(),
            claim_id=claim.id,
            benefit=claim.claim_type,
            status=claim.status,
            at=now,
            provider=provider,
        )
        await repo.add_work_item(item)
    return Waiting(provider, item.id, retry_after=error.retry_after, detail=str(error))


async def _loaded(ctx: CaseworkContext, claim_id: str) -> Claim:
    async with ctx.uow(read_only=True) as uow:
        return await _claim(uow.repository, claim_id)


def _first_period(claim: Claim) -> tuple[date, date]:
    if claim.claim_date is None:
        raise NotReadyToAssess("the claim has not been submitted", field="claim_date")
    return claim.claim_date, assessment_period_end(claim.claim_date, 0)


async def _identity(upstreams: Upstreams, claim: Claim) -> CitizenIdentity:
    if claim.claimant.citizen_id is None:
        raise NotReadyToAssess(
            "the claimant is not registered yet: their identity comes from the citizen service",
            field="claimant.citizen_id",
        )
    try:
        return await upstreams.citizen_identity(claim.claimant.citizen_id)
    except UpstreamRejected as exc:
        raise NotReadyToAssess(
            f"the citizen service has no record for the claimant ({exc.status})", field="claimant.citizen_id"
        ) from None


IDENTITY_CONCURRENCY = 16
"""A page's identities asked of the citizen service at once (one request each; it has no bulk route)."""


async def _identities(
    upstreams: Upstreams, claims: list[Claim]
) -> list[CitizenIdentity | NotReadyToAssess | UpstreamUnavailable | UpstreamTimeout | UpstreamBadResponse]:
    """`_identity` of each claim, `IDENTITY_CONCURRENCY` at a time rather than one after another, each
    outcome (the identity, or why not) in the claims' order."""
    gate = asyncio.Semaphore(IDENTITY_CONCURRENCY)

    async def one(
        claim: Claim,
    ) -> CitizenIdentity | NotReadyToAssess | UpstreamUnavailable | UpstreamTimeout | UpstreamBadResponse:
        async with gate:
            try:
                return await _identity(upstreams, claim)
            except (*_DOWN, NotReadyToAssess) as exc:
                return exc

    return list(await asyncio.gather(*(one(c) for c in claims)))


async def gather(
    ctx: CaseworkContext,
    upstreams: Upstreams,
    *,
    claim_id: str,
    actor: Actor,
    nhs_number: str | None = None,
) -> Gathered | Waiting:
    """HMRC earnings for the claim's first assessment period (and NHS fit notes when an NHS number is
    given) through the integrations service, which records each look-up with the claim and purpose."""
    if not (actor.is_staff or actor.kind == "system"):
        raise NotPermitted("this is for caseworkers")
    claim = await _loaded(ctx, claim_id)
    start, end = _first_period(claim)
    try:
        person = await _identity(upstreams, claim)
        earnings = await _earnings(upstreams, claim, person, start, end)
        notes = None
        if nhs_number:
            notes = await upstreams.fit_notes(
                FitNotesRequest(claim_id=claim.id, purpose="new-claim-assessment", nhs_number=nhs_number)
            )
    except _DOWN as exc:
        return await _wait_on(ctx, claim, exc)
    except UpstreamRejected as exc:
        return await _citizen_must_act(ctx, claim, exc)
    return Gathered(start, end, earnings, notes)


async def _earnings(
    upstreams: Upstreams, claim: Claim, person: CitizenIdentity, start: date, end: date
) -> Earnings:
    return await upstreams.earnings(
        EarningsRequest(
            claim_id=claim.id,
            purpose="new-claim-assessment",
            national_insurance_number=person.national_insurance_number,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            period_from=start,
            period_to=end,
        )
    )


async def _citizen_must_act(ctx: CaseworkContext, claim: Claim, exc: UpstreamRejected) -> Waiting:
    """HMRC holds nothing that matches the claimant (404 from integrations): they must send their
    payslips, so the claim asks them for that evidence (a to-do) and waits."""
    if exc.upstream != "integrations" or exc.status != 404:
        raise AssessmentRefused(f"{exc.upstream} refused the request: {exc}") from None
    now = ctx.clock()
    system = Actor("claims", "system")
    reason = "HMRC holds no earnings record that matches the claimant: send your payslips"
    async with ctx.uow() as uow:
        current = await _claim(uow.repository, claim.id)
        if current.status not in lifecycle.RULES["request_evidence"].sources:
            return Waiting(exc.upstream, None, detail=reason)
        transition = lifecycle.request_evidence(
            current, actor=system, at=now, evidence=("payslips",), reason=reason, new_id=ctx.new_id
        )
        new = await _apply(uow, current, transition, now=now)
    todos = tuple(t.id for t in new.todos if t not in current.todos)
    return Waiting(exc.upstream, None, todo_ids=todos, detail=reason)


def _payments(earnings: Earnings | None) -> list[RtiPayment] | None:
    if earnings is None:
        return None
    # The benefits API takes deductions as non-negative amounts: a tax refund in the period is sent as
    # no deduction (the refund itself is not earnings: UC Regs 2013 reg 55(5)).
    return [
        RtiPayment(
            adult=0,
            paid_on=p.paid_on.isoformat(),
            gross=max(0, p.gross),
            income_tax=max(0, p.income_tax),
            national_insurance=max(0, p.national_insurance),
        )
        for p in earnings.payments
    ]


def _idempotency_key(claim_id: str, body: Any) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"claims-assess-{claim_id}-{digest}"


async def assess(
    ctx: CaseworkContext,
    upstreams: Upstreams,
    *,
    claim_id: str,
    actor: Actor,
    lha_rates: LhaPayload | None = None,
    london: bool = False,
) -> Assessed | Waiting:
    """Ask the benefits service for the award with the claim's history: for UC the first assessment
    period, with HMRC's earnings in it and what the previous period carried; for New Style JSA and ESA
    the first benefit week. The claim must be under assessment."""
    if not (actor.is_staff or actor.kind == "system"):
        raise NotPermitted("this is for caseworkers")
    claim = await _loaded(ctx, claim_id)
    if claim.status not in (Status.UNDER_ASSESSMENT, Status.HUMAN_REVIEW, Status.RECONSIDERATION):
        raise MoveNotAllowed(
            "assess", claim.status.value, "a claim is assessed once its assessment has started"
        )
    start, end = _first_period(claim)
    async with ctx.uow(read_only=True) as uow:
        history = await uow.repository.periods_of(claim.id)
    try:
        person = await _identity(upstreams, claim)
        if claim.claimant.date_of_birth is None:
            claim = replace(claim, claimant=replace(claim.claimant, date_of_birth=person.date_of_birth))
        if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
            earnings = await _earnings(upstreams, claim, person, start, end)
            carried = _carried_before(history, start)
            circumstances = uc_circumstances(
                claim,
                period_start=start,
                lha_rates=lha_rates,
                london=london,
                cap_grace_period=bool(carried.get("cap_grace_period", False)),
            )
            payments = _payments(earnings)
            answer = await upstreams.assess_uc(
                claim_id=claim.id,
                circumstances=circumstances,
                hmrc_earnings=payments,
                idempotency_key=_idempotency_key(
                    claim.id, [circumstances, [p.model_dump() for p in payments or []]]
                ),
            )
            return _uc_assessed(answer, earnings, circumstances)
        benefit: Literal["new_style_jsa", "new_style_esa"] = (
            "new_style_esa" if claim.claim_type == ClaimType.NEW_STYLE_ESA else "new_style_jsa"
        )
        body = contributory(claim, week_start=start, ni_record=await _ni_record(upstreams, claim, person))
        weekly = await upstreams.assess_contributory(benefit, body)
        return _weekly_assessed(claim.claim_type, start, weekly, dict(body))
    except _DOWN as exc:
        return await _wait_on(ctx, claim, exc)
    except UpstreamRejected as exc:
        return await _citizen_must_act(ctx, claim, exc)


async def _ni_record(upstreams: Upstreams, claim: Claim, person: CitizenIdentity) -> list[NIYearPayload]:
    """The Class 1 record of the two tax years the contribution conditions look at, from HMRC through
    integrations. HMRC holding no record for the person is an empty record (the conditions are not
    met, which the automatic path leaves to a person); integrations down or slow is a wait."""
    assert claim.claim_date is not None
    first, last = contributions.relevant_tax_years(claim.claim_date)
    request = NiRecordRequest(
        claim_id=claim.id,
        purpose="new-claim-assessment",
        national_insurance_number=person.national_insurance_number,
        date_of_birth=person.date_of_birth,
        first_tax_year=first,
        last_tax_year=last,
    )
    try:
        record = await upstreams.ni_record(request)
    except UpstreamRejected as exc:
        if exc.upstream == "integrations" and exc.status == 404:
            return []
        raise
    return [
        {"tax_year": y.tax_year, "paid_earnings": y.paid_earnings, "credited_earnings": y.credited_earnings}
        for y in record.years
    ]


def _carried_before(history: list[PeriodAward], start: date) -> dict[str, Any]:
    earlier = [p for p in history if p.period_start < start]
    if not earlier:
        return {}
    carried = earlier[-1].document.get("carried_state") or {}
    return dict(carried) if isinstance(carried, dict) else {}


def _uc_assessed(answer: UcAssessment, earnings: Earnings | None, inputs: UCCircumstancesPayload) -> Assessed:
    return Assessed(
        benefit=ClaimType.UNIVERSAL_CREDIT,
        period_start=date.fromisoformat(answer.assessment_period_start),
        period_end=date.fromisoformat(answer.assessment_period_end),
        award_pence=answer.award_pence,
        assessment_id=answer.id,
        explanation=answer.explanation,
        amounts=answer.amounts,
        carried=answer.carried_state,
        earnings_access_id=earnings.access_id if earnings else None,
        inputs=dict(inputs),
    )


def _weekly_assessed(
    benefit: ClaimType, start: date, weekly: WeeklyAward, inputs: dict[str, Any]
) -> Assessed:
    return Assessed(
        benefit=benefit,
        period_start=start,
        period_end=start + timedelta(days=6),
        award_pence=weekly.weekly_amount_pence if weekly.contribution_conditions_met else 0,
        assessment_id=None,
        explanation=weekly.explanation,
        amounts={"contribution_conditions_met": weekly.contribution_conditions_met},
        carried={},
        earnings_access_id=None,
        inputs=inputs,
    )


async def decide_with_assessment(
    ctx: CaseworkContext,
    upstreams: Upstreams,
    *,
    claim_id: str,
    actor: Actor,
    reasons: tuple[str, ...],
    outcome: Outcome = Outcome.AWARD,
    lha_rates: LhaPayload | None = None,
    expected_version: int | None = None,
) -> tuple[Claim, Assessed | None] | Waiting:
    """A caseworker decides the initial claim: an award is worked out by the benefits service (its
    amount and assessment recorded with the decision, its first period stored); a disallowance needs
    no award. The automatic path is `decide_automatically`."""
    _staff(actor)
    assessed: Assessed | None = None
    amount = None
    if outcome == Outcome.AWARD:
        result = await assess(ctx, upstreams, claim_id=claim_id, actor=actor, lha_rates=lha_rates)
        if isinstance(result, Waiting):
            return result
        assessed, amount = result, result.award_pence
    claim = await _decision_with_period(
        ctx,
        claim_id=claim_id,
        outcome=outcome,
        reasons=reasons,
        actor=actor,
        assessed=assessed,
        amount_pence=amount,
        expected_version=expected_version,
    )
    return claim, assessed


async def _decision_with_period(
    ctx: CaseworkContext,
    *,
    claim_id: str,
    outcome: Outcome,
    reasons: tuple[str, ...],
    actor: Actor,
    assessed: Assessed | None,
    amount_pence: int | None,
    expected_version: int | None,
) -> Claim:
    decision_id = ctx.new_id()

    def decide(claim: Claim, now: datetime) -> Transition:
        if outcome == Outcome.DISALLOW:
            return lifecycle.disallow(
                claim,
                actor=actor,
                at=now,
                decision_id=decision_id,
                reasons=reasons,
                expected_version=expected_version,
            )
        return lifecycle.award(
            claim,
            actor=actor,
            at=now,
            decision_id=decision_id,
            reasons=reasons,
            amount_pence=amount_pence if amount_pence is not None else -1,
            assessment_id=assessed.assessment_id if assessed else None,
            expected_version=expected_version,
        )

    claim = await _decide_and_close_work(ctx, claim_id, decide)
    if assessed is not None:
        async with ctx.uow() as uow:
            await uow.repository.add_period(_period(ctx, claim_id, assessed, decision_id, "casework"))
    return claim


def _period(
    ctx: CaseworkContext, claim_id: str, a: Assessed, decision_id: str | None, source: str
) -> PeriodAward:
    return PeriodAward(
        id=ctx.new_id(),
        claim_id=claim_id,
        benefit=a.benefit.value,
        period_start=a.period_start,
        period_end=a.period_end,
        award_pence=a.award_pence,
        assessment_id=a.assessment_id,
        decision_id=decision_id,
        source=source,
        document={
            "amounts": a.amounts,
            "explanation": a.explanation,
            "carried_state": a.carried or None,
            "earnings_access_ids": [a.earnings_access_id] if a.earnings_access_id else [],
        },
        created_at=ctx.clock(),
    )


AUTOMATIC_REASON = "Worked out from your answers and the earnings HMRC holds for the assessment period"


async def decide_automatically(
    ctx: CaseworkContext, upstreams: Upstreams, *, claim_id: str
) -> tuple[Claim, Assessed | None] | Waiting:
    """The automatic path, when nothing needs a person: start the assessment (no evidence outstanding),
    ask for the award and, if there is one, award it, recorded as automated with the right to a
    person's review (UK GDPR Art. 22). It never disallows: a nil award, or a claim that cannot be
    assessed, is left for a caseworker with an `assess_claim` work item."""
    system = Actor("claims", "system")
    claim = await _loaded(ctx, claim_id)
    if claim.status in (Status.SUBMITTED, Status.AWAITING_EVIDENCE):
        claim = await start_assessment(ctx, claim_id=claim_id, actor=system)
    try:
        result = await assess(ctx, upstreams, claim_id=claim_id, actor=system)
    except (NotReadyToAssess, AssessmentRefused) as exc:
        await _leave_for_a_person(ctx, claim, f"{automation.NOT_ASSESSED_NOTE}: {exc.message}")
        return claim, None
    if isinstance(result, Waiting):
        return result
    if result.award_pence <= 0:
        await _leave_for_a_person(ctx, claim, automation.NIL_AWARD_NOTE)
        return claim, result
    claim = await _decision_with_period(
        ctx,
        claim_id=claim_id,
        outcome=Outcome.AWARD,
        reasons=(AUTOMATIC_REASON,),
        actor=system,
        assessed=result,
        amount_pence=result.award_pence,
        expected_version=None,
    )
    return claim, result


async def _leave_for_a_person(ctx: CaseworkContext, claim: Claim, note: str) -> None:
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        for item in await repo.work_for_claim(claim.id):
            if item.open and item.kind == WorkKind.ASSESS_CLAIM:
                # The claim already waits for a person: say why the system left it to them.
                noted = replace(item, note=note[:200], version=item.version + 1)
                await repo.save_work_item(noted, previous_version=item.version)
                return
        await repo.add_work_item(
            WorkItem(
                ctx.new_id(),
                WorkKind.ASSESS_CLAIM,
                claim.id,
                claim.claim_type,
                claim.status,
                ctx.clock(),
                note=note[:200],
            )
        )


# --- the monthly run's internal routes ---------------------------------------------------------------------


EARLIEST_PERIOD_END = date(2013, 4, 29)
"""Universal Credit began on 29 April 2013: no award has a period ending before it."""
LATEST_PERIOD_END = date(2200, 12, 31)


def _period_day(day: date, field: str = "period_end") -> date:
    """A day an assessment period could end on; year 9999 or year 1 is refused, not worked through."""
    if not EARLIEST_PERIOD_END <= day <= LATEST_PERIOD_END:
        raise ClaimsError(
            f"must be from {EARLIEST_PERIOD_END.isoformat()} to {LATEST_PERIOD_END.isoformat()}", field=field
        )
    return day


def period_days_ending_on(day: date) -> tuple[int, ...]:
    """The days of the month an award may have started on for one of its periods to end on `day`
    (UC Regs 2013 reg 21: periods begin on the same day each month, with the 29th-31st rules)."""
    days = []
    for d in range(1, 32):
        # Any January start with that day has the same later periods as any other: take two years back.
        first = date(day.year - 2, 1, d)
        if period_ends_on(first, day):
            days.append(d)
    return tuple(days)


async def awards_due(
    ctx: CaseworkContext,
    upstreams: Upstreams,
    *,
    period_end: date,
    shard: int,
    shards: int,
    cursor: str | None,
    limit: int,
) -> contract.DueAwardsPage | Waiting:
    """One page of the UC awards whose current period ends on `period_end`, in one shard."""
    if not 0 <= shard < shards:
        raise ClaimsError("shard must be from 0 to shards - 1", field="shard")
    _period_day(period_end)
    # One read transaction and three queries a page (the page's award rows, its claims, their periods),
    # not three queries a claim.
    async with ctx.uow(read_only=True) as uow:
        repo: CaseworkRecords = uow.repository
        rows = await repo.uc_awards_on_days(
            period_days_ending_on(period_end), shard=shard, shards=shards, after=cursor, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        due = [(c, first) for c, first in rows if first <= period_end and period_ends_on(first, period_end)]
        ids = [c for c, _ in due]
        found = await repo.get_many(ids) if ids else {}
        histories = await repo.periods_of_many(ids) if ids else {}
    loaded = []
    for claim_id, first_day in due:
        claim = found.get(claim_id)
        if claim is None or claim.status != Status.AWARDED:
            continue
        _, start, end = period_containing(first_day, period_end)
        history = histories.get(claim_id, [])
        stored = next((p for p in history if p.period_start == start), None)
        loaded.append((claim, start, end, history, stored))
    people = await _identities(upstreams, [claim for claim, *_ in loaded])
    items = []
    for (claim, start, end, history, stored), person in zip(loaded, people, strict=True):
        if isinstance(person, _DOWN):
            return await _wait_on(ctx, claim, person)
        if isinstance(person, NotReadyToAssess):
            # One award the run cannot work out waits for a person; the rest of the page goes on.
            await _leave_for_a_person(ctx, claim, f"monthly run: {person.message}")
            continue
        if claim.claimant.date_of_birth is None:
            claim = replace(claim, claimant=replace(claim.claimant, date_of_birth=person.date_of_birth))
        earlier = [p for p in history if p.period_start < start]
        carried = _carried_before(history, start)
        try:
            circumstances = dict(
                uc_circumstances(
                    claim, period_start=start, cap_grace_period=bool(carried.get("cap_grace_period", False))
                )
            )
        except NotReadyToAssess:
            await _leave_for_a_person(ctx, claim, "monthly run: the household cannot be worked out")
            continue
        circumstances["assessment_period_end"] = end.isoformat()
        items.append(
            contract.DueAward(
                claim_id=claim.id,
                citizen_id=claim.claimant.citizen_id,
                period_start=start,
                period_end=end,
                circumstances=circumstances,
                earnings_subjects=[
                    contract.EarningsSubject(
                        adult=0,
                        national_insurance_number=person.national_insurance_number,
                        given_name=person.given_name,
                        family_name=person.family_name,
                        date_of_birth=person.date_of_birth,
                    )
                ],
                carried_state=carried or None,
                previous=contract.PeriodSummary(
                    period_start=earlier[-1].period_start,
                    period_end=earlier[-1].period_end,
                    award_pence=earlier[-1].award_pence,
                )
                if earlier
                else None,
                statement_stored=stored is not None,
            )
        )
    return contract.DueAwardsPage(
        period_end=period_end,
        shard=shard,
        shards=shards,
        items=items,
        next_cursor=rows[-1][0] if more and rows else None,
    )


async def store_statement(
    ctx: CaseworkContext, *, claim_id: str, period_end: date, body: contract.PeriodStatement
) -> contract.StoredStatement:
    """Store a period's award and its statement once per (claim, period): a second call changes nothing
    and answers what was stored."""
    if body.period_end != period_end:
        raise ClaimsError("the body's period_end is not the path's", field="period_end")
    _period_day(period_end)
    _period_day(body.period_start, "period_start")
    async with ctx.uow() as uow:
        outcome, period, why = await _store_period(ctx, uow.repository, claim_id, body)
    if outcome == "not_found":
        raise ClaimNotFound("There is no such claim")
    if period is None:
        raise PeriodNotCurrent(why)
    return _stored(period, created=outcome == "created")


async def store_statements(
    ctx: CaseworkContext, *, period_end: date, body: contract.PeriodStatements
) -> contract.StoredStatements:
    """A page of the monthly run's statements in one transaction, each stored once per (claim, period)
    as `store_statement` stores it; an item that cannot be stored (no such claim, not the award's
    current period) is answered as such and the rest are stored."""
    _period_day(period_end)
    seen: set[str] = set()
    for i, item in enumerate(body.items):
        if item.period_end != period_end:
            raise ClaimsError("the item's period_end is not the path's", field=f"items[{i}].period_end")
        _period_day(item.period_start, f"items[{i}].period_start")
        if item.claim_id in seen:
            raise ClaimsError("this claim is in the page already", field=f"items[{i}].claim_id")
        seen.add(item.claim_id)
    results: list[contract.StoredStatementItem] = []
    # Three statements a page (the claims' columns, the periods stored already, one INSERT of the new
    # ones), not three an item; the outcomes are `_store_period`'s, item by item.
    async with ctx.uow() as uow:
        repo: CaseworkRecords = uow.repository
        facts = await repo.claim_facts([item.claim_id for item in body.items]) if body.items else {}
        existing = await repo.periods_starting(
            [(i.claim_id, i.period_start) for i in body.items if i.claim_id in facts]
        )
        decided: list[tuple[contract.StoreOutcome, PeriodAward | None]] = []
        new: list[PeriodAward] = []
        for item in body.items:
            fact = facts.get(item.claim_id)
            stored = existing.get((item.claim_id, item.period_start))
            if fact is None:
                decided.append(("not_found", None))
            elif stored is not None:
                decided.append(("already_stored", stored))
            elif (period := _current_period(ctx, item.claim_id, *fact, item)) is None:
                decided.append(("not_current", None))
            else:
                new.append(period)
                decided.append(("created", period))
        created = await repo.add_periods(new)
        lost = [(p.claim_id, p.period_start) for p in new if p.id not in created]
        # Stored by another request at the same moment: the unique key decided, and that one is answered.
        again = await repo.periods_starting(lost) if lost else {}
        for item, (outcome, period) in zip(body.items, decided, strict=True):
            if outcome == "created" and period is not None and period.id not in created:
                outcome, period = "already_stored", again[(period.claim_id, period.period_start)]
            results.append(
                contract.StoredStatementItem(
                    claim_id=item.claim_id,
                    outcome=outcome,
                    statement_id=period.id if period else None,
                    award_pence=period.award_pence if period else None,
                )
            )
    return contract.StoredStatements(period_end=period_end, items=results)


def _current_period(
    ctx: CaseworkContext,
    claim_id: str,
    claim_type: str,
    status: str,
    claim_date: date | None,
    body: contract.PeriodStatement,
) -> PeriodAward | None:
    """The period's award to store, or None when the body's period is not the award's current one (or
    the claim has no monthly statements: only a UC award has them)."""
    if claim_type != ClaimType.UNIVERSAL_CREDIT.value or claim_date is None:
        return None
    _, start, end = period_containing(claim_date, body.period_end)
    if (start, end) != (body.period_start, body.period_end) or status != Status.AWARDED.value:
        return None
    return PeriodAward(
        id=ctx.new_id(),
        claim_id=claim_id,
        benefit=claim_type,
        period_start=start,
        period_end=end,
        award_pence=body.award_pence,
        assessment_id=body.assessment_id,
        decision_id=None,
        source="monthly-run",
        document={
            "carried_state": body.carried_state,
            "earnings_access_ids": list(body.earnings_access_ids),
            "statement": [line.model_dump() for line in body.lines],
            "run_date": body.run_date.isoformat(),
        },
        created_at=ctx.clock(),
    )


async def _store_period(
    ctx: CaseworkContext, repo: CaseworkRecords, claim_id: str, body: contract.PeriodStatement
) -> tuple[contract.StoreOutcome, PeriodAward | None, str]:
    """Store one period's award in the caller's unit of work: what happened, the stored period (None
    when nothing could be stored) and why not."""
    claim = await repo.get(claim_id)
    if claim is None:
        return "not_found", None, "There is no such claim"
    existing = await repo.get_period(claim_id, body.period_start)
    if existing is not None:
        return "already_stored", existing, ""
    if claim.claim_type != ClaimType.UNIVERSAL_CREDIT or claim.claim_date is None:
        return "not_current", None, "only a UC award has monthly statements"
    period = _current_period(
        ctx, claim_id, claim.claim_type.value, claim.status.value, claim.claim_date, body
    )
    if period is None:
        return "not_current", None, "this is not the award's current assessment period"
    if await repo.add_period(period):
        return "created", period, ""
    again = await repo.get_period(claim_id, period.period_start)  # stored by another at the same moment
    assert again is not None
    return "already_stored", again, ""


async def notification_facts(
    ctx: CaseworkContext,
    *,
    claim_id: str,
    todo_id: str | None = None,
    decision_id: str | None = None,
    entry_id: str | None = None,
    period_end: date | None = None,
) -> contract.NotificationFacts:
    """What a message about a claim event needs, and nothing else: ids, kinds, dates and amounts (never
    a journal message's words, a decision's reasons, a NINO or health details)."""
    async with ctx.uow(read_only=True) as uow:
        repo: CaseworkRecords = uow.repository
        claim = await _claim(repo, claim_id)
        entries = await repo.journal_of(claim_id, limit=10_000) if entry_id else []
        periods = await repo.periods_of(claim_id) if period_end else []
    recipients = [
        contract.Recipient(
            role="claimant", citizen_id=claim.claimant.citizen_id, subject=claim.claimant.subject
        )
    ]
    if claim.partner is not None and claim.partner.subject is not None:
        recipients.append(contract.Recipient(role="partner", citizen_id=None, subject=claim.partner.subject))
    facts = contract.NotificationFacts(
        claim_id=claim.id,
        benefit=claim.claim_type.value,
        status=claim.status.value,
        # The claim keeps no language of its own: the worker prefers the citizen's, and falls back to this.
        language="en",
        recipients=recipients,
    )
    updates: dict[str, Any] = {}
    if todo_id is not None:
        todo = next((t for t in claim.todos if t.id == todo_id), None)
        if todo is None:
            raise PartNotFound("no such to-do on this claim", field="todo_id")
        updates["todo"] = contract.TodoFacts(
            todo_id=todo.id, kind=todo.kind.value, due_on=todo.due.on if todo.due else None
        )
    if decision_id is not None:
        decision = next((d for d in claim.decisions if d.id == decision_id), None)
        if decision is None:
            raise PartNotFound("no such decision on this claim", field="decision_id")
        challenge = next(
            (r.ask_by for r in decision.rights if r.kind in ("mandatory_reconsideration", "appeal")), None
        )
        updates["decision"] = contract.DecisionFacts(
            decision_id=decision.id,
            kind=decision.kind.value,
            outcome=decision.outcome.value,
            automated=decision.automated,
            notified_on=decision.notified_on,
            challenge_by=challenge,
        )
    if entry_id is not None:
        entry = next((e for e in entries if e.id == entry_id), None)
        if entry is None:
            raise PartNotFound("no such message on this claim", field="entry_id")
        updates["message"] = contract.MessageFacts(entry_id=entry.id, side=entry.side, posted_at=entry.at)
    if period_end is not None:
        period = next((p for p in periods if p.period_end == period_end), None)
        if period is None:
            raise PartNotFound("no such assessment period on this claim", field="period_end")
        updates["statement"] = contract.StatementFacts(
            period_start=period.period_start,
            period_end=period.period_end,
            award_pence=period.award_pence,
            # The payment is due within 7 days of the period's last day (C&P Regs 2013 reg 47(2)).
            payment_due_on=period.period_end + timedelta(days=work.FIRST_PAYMENT_DAYS),
        )
    return facts.model_copy(update=updates)


def _stored(period: PeriodAward, *, created: bool) -> contract.StoredStatement:
    return contract.StoredStatement(
        claim_id=period.claim_id,
        period_end=period.period_end,
        statement_id=period.id,
        award_pence=period.award_pence,
        created=created,
    )


__all__ = [
    "Assessed",
    "AssessmentRefused",
    "CaseworkContext",
    "CaseworkRecords",
    "Gathered",
    "Overview",
    "PartNotFound",
    "PeriodNotCurrent",
    "QueuePage",
    "Waiting",
    "WorkItemNotFound",
    "WorkItemTaken",
]
