"""Caseworkers' work items and their queue: what needs a person, by when and why, who has it, and
the filters a queue is read with (domain query objects: the repository turns one into SQL, and
`QueueFilter.matches` is the same rule in memory)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.dates import add_months, assessment_period_end, uk_date
from dwp.claims.domain.errors import CannotAssign, InvalidAnswers, NotPermitted, WorkItemClosed
from dwp.claims.domain.model import Actor, DueDate, Status
from dwp.claims.domain.text import text_problem

FIRST_PAYMENT_DAYS = 7
PAYMENT_SOURCE = "UC, PIP, JSA and ESA (Claims and Payments) Regulations 2013 reg 47(2)"
EVIDENCE_SOURCE = "UC, PIP, JSA and ESA (Claims and Payments) Regulations 2013 reg 37(3)"
APPEAL_RESPONSE_DAYS = 28
APPEAL_RESPONSE_SOURCE = (
    "Tribunal Procedure (First-tier Tribunal) (Social Entitlement Chamber) Rules 2008 r24"
)


class WorkKind(StrEnum):
    ASSESS_CLAIM = "assess_claim"
    VERIFY_IDENTITY_IN_PERSON = "verify_identity_in_person"
    HUMAN_REVIEW = "human_review"
    RECONSIDERATION = "reconsideration"
    APPEAL_RESPONSE = "appeal_response"
    HELD_REGISTRATION = "held_registration"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PAYMENT_RETURNED = "payment_returned"
    CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances"
    """A reported change only a decision maker can turn into an award (a health condition: an
    assessment first), `domain.changes.decision_needed`."""


@dataclass(frozen=True)
class WorkItem:
    id: str
    kind: WorkKind
    claim_id: str | None
    """None for work that is not yet a claim's (a held registration)."""
    benefit: ClaimType | None
    claim_status: Status | None
    created_at: datetime
    due: DueDate | None = None
    assigned_to: str | None = None
    escalated: bool = False
    escalation_reason: str | None = None
    not_assignable_to: frozenset[str] = frozenset()
    """Decision makers who may not take it: a reconsideration is never decided by the person whose
    decision it reconsiders."""
    done_at: datetime | None = None
    note: str = ""
    """Why the item exists, for the caseworker (codes and dates, never personal data)."""
    version: int = 1

    @property
    def open(self) -> bool:
        return self.done_at is None

    def overdue(self, today: date) -> bool:
        return self.open and self.due is not None and self.due.on < today

    def age_days(self, today: date) -> int:
        return (today - uk_date(self.created_at)).days


def first_payment_due(claim_date: date) -> DueDate:
    """The first UC payment: within 7 days of the last day of the first assessment period."""
    end = assessment_period_end(claim_date, 0)
    return DueDate(end + timedelta(days=FIRST_PAYMENT_DAYS), "first_uc_payment", PAYMENT_SOURCE, end)


def evidence_due(asked_on: date) -> DueDate:
    """Evidence asked for with a claim is due within one month of being asked (longer if reasonable)."""
    return DueDate(add_months(asked_on, 1), "evidence_one_month", EVIDENCE_SOURCE, asked_on)


def appeal_response_due(lodged_on: date) -> DueDate:
    return DueDate(
        lodged_on + timedelta(days=APPEAL_RESPONSE_DAYS),
        "appeal_response_28_days",
        APPEAL_RESPONSE_SOURCE,
        lodged_on,
    )


def held_registration(*, item_id: str, at: datetime, held_since: date, reason: str) -> WorkItem:
    """A registration the citizen service held for a person to check (the security issue's rule)
    arrives as a work item before there is any claim. Its reason is a code, never personal data."""
    problem = text_problem("reason", reason, required=True, longest=200)
    if problem is not None:
        raise InvalidAnswers([problem])
    note = f"held since {held_since.isoformat()}: {reason}"
    return WorkItem(item_id, WorkKind.HELD_REGISTRATION, None, None, None, at, note=note)


def waiting_on(
    *, item_id: str, claim_id: str, benefit: ClaimType, status: Status, at: datetime, provider: str
) -> WorkItem:
    """When benefits or integrations is down or slow, the claim waits with a work item (never a 500):
    a person sees it, and the system completes it when the provider answers."""
    note = f"waiting for {provider}"
    return WorkItem(item_id, WorkKind.PROVIDER_UNAVAILABLE, claim_id, benefit, status, at, note=note)


def assign(item: WorkItem, *, to: str, by: Actor) -> WorkItem:
    """Give a work item to a caseworker. Anyone on the team may take one for themselves; giving one to
    someone else, or taking an escalated one, is for a team leader."""
    if not by.is_staff:
        raise NotPermitted("work items are assigned by caseworkers")
    if not item.open:
        raise WorkItemClosed("this work item is done")
    if to in item.not_assignable_to:
        raise CannotAssign("this needs a different decision maker from the one who made the decision")
    if (to != by.subject or item.escalated) and not by.is_team_leader:
        raise NotPermitted("only a team leader assigns work to others or takes escalated work")
    return replace(item, assigned_to=to, version=item.version + 1)


def release(item: WorkItem, *, by: Actor) -> WorkItem:
    if not by.is_staff or (item.assigned_to != by.subject and not by.is_team_leader):
        raise NotPermitted("only the assignee or a team leader releases a work item")
    return replace(item, assigned_to=None, version=item.version + 1)


def escalate(item: WorkItem, *, by: Actor, reason: str) -> WorkItem:
    """Send a work item to the team leaders' queue; it leaves the caseworker who had it."""
    if not by.is_staff:
        raise NotPermitted("work items are escalated by caseworkers")
    if not item.open:
        raise WorkItemClosed("this work item is done")
    problem = text_problem("reason", reason, required=True, longest=1000)
    if problem is not None:
        raise CannotAssign(f"reason: {problem.message}", field="reason")
    return replace(item, escalated=True, escalation_reason=reason, assigned_to=None, version=item.version + 1)


def complete(item: WorkItem, *, by: Actor, at: datetime) -> WorkItem:
    if not (by.is_staff or by.kind == "system"):
        raise NotPermitted("work items are completed by caseworkers or the system")
    if not item.open:
        raise WorkItemClosed("this work item is already done")
    return replace(item, done_at=at, version=item.version + 1)


def follow_claim(item: WorkItem, status: Status, at: datetime) -> WorkItem:
    """Keep the item's copy of its claim's status (for the queue filter) in step with the claim; a
    withdrawn or closed claim leaves no work open."""
    if item.claim_status == status:
        return item
    finished = status in (Status.WITHDRAWN, Status.CLOSED) and item.open
    return replace(
        item, claim_status=status, done_at=at if finished else item.done_at, version=item.version + 1
    )


@dataclass(frozen=True)
class QueueFilter:
    """A caseworker queue: every field left as None does not filter."""

    benefits: frozenset[ClaimType] | None = None
    claim_statuses: frozenset[Status] | None = None
    kinds: frozenset[WorkKind] | None = None
    older_than_days: int | None = None
    assigned: bool | None = None
    assigned_to: str | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    include_done: bool = False

    def matches(self, item: WorkItem, today: date) -> bool:
        checks = (
            self.include_done or item.open,
            self.benefits is None or item.benefit in self.benefits,
            self.claim_statuses is None or item.claim_status in self.claim_statuses,
            self.kinds is None or item.kind in self.kinds,
            self.older_than_days is None or item.age_days(today) > self.older_than_days,
            self.assigned is None or (item.assigned_to is not None) == self.assigned,
            self.assigned_to is None or item.assigned_to == self.assigned_to,
            self.overdue is None or item.overdue(today) == self.overdue,
            self.escalated is None or item.escalated == self.escalated,
        )
        return all(checks)


SIGNED_IN_WINDOW = timedelta(minutes=15)


def waiting_per_caseworker(waiting: int, last_sign_ins: dict[str, datetime], now: datetime) -> float:
    """Work items waiting for each caseworker signed in during the last 15 minutes: the figure the
    service publishes as `DWP/Claims ClaimsWaitingPerCaseworker` for scaling. With nobody signed in,
    everything waiting counts against one, so the figure never hides a queue."""
    present = sum(1 for at in last_sign_ins.values() if now - SIGNED_IN_WINDOW <= at <= now)
    return waiting / max(present, 1)


def queue_order(item: WorkItem) -> tuple[date, datetime, str]:
    """Soonest due first, then oldest, so overdue work rises to the top."""
    return (item.due.on if item.due else date.max, item.created_at, item.id)
