"""What the workers need from the claims service: a consumer-driven contract for its internal routes.

The workers (the notifications handler and the monthly run) call the claims service over HTTP with their
service token (`sub` = `workers`); the claims service answers these shapes. Every route is under
`/v1/internal/`, which the gateway never forwards, and refuses any caller but the service named (403
problem), answers an unknown claim with a 404 problem, and bad parameters with a 422 problem.

Routes (the callers are the workers' handlers: notifications, and the monthly run):

- `GET /v1/internal/claims/{claim_id}/notification-facts` -> `NotificationFacts` (notifications). Optional
  query parameters `todo_id`, `decision_id`, `entry_id`, `period_end` name the part the event was about.
- `GET /v1/internal/assessment-periods/{period_end}/awards?shard=I&shards=N&cursor=C&limit=L`
  -> `DueAwardsPage` (the monthly run).
- `PUT /v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement`, body `PeriodStatement`
  -> `StoredStatement`: 201 when created, 200 when it was already there (the monthly run).
- `POST /v1/internal/assessment-periods/{period_end}/statements`, body `PeriodStatements` (1 to
  `MAX_STATEMENTS` claims' statements for periods ending that day) -> `StoredStatements` (the monthly run,
  a page at a time).
- `GET /v1/internal/claims/{claim_id}/award-for-payment` -> `AwardToPay` (the claims inbox, on
  `claims.change_reported`: the award's revised terms, which it gives the payments service whole at
  `PUT /v1/internal/payments/awards/{award_id}`): UC by its stored assessment periods, New Style JSA
  and ESA by benefit week (`AwardForPayment.week_amounts`, paid by payments two weeks to a fortnight).
  A claim not awarded, or with nothing stored to pay, is a 409 problem (`not-paid-by-periods`).
- `POST /v1/internal/awards-for-payment`, body `AwardsForPaymentRequest` (1 to `MAX_STATEMENTS` claim ids)
  -> `AwardsToPay` (the monthly run, after each page's store: each claim's `AwardToPay`, or why none).
- `POST /v1/internal/work-items/held-registrations`, body `HeldRegistration` -> `WorkItemRef`: 201 when
  created, 200 when it was already there (notifications, forwarding `citizen.registration_held`).

`{period_end}` is an ISO date (`2026-12-01`): the last day of the assessment period (UC Regs 2013 reg 21,
`dwp.claims.domain.dates.period_ends_on`). Bodies the workers send refuse unknown fields; answers they
read ignore fields they do not know, so the claims service may add fields without breaking them.

**Notification facts.** The facts a message needs about a claim event and nothing else: no free text (never
a journal message's words, never a decision's reasons), no NINO, no health details. The optional query
parameters name the part of the claim the event was about; the answer carries that part's facts (an id
that is not the claim's is a 404). `recipients` are the people to tell (the claimant, and on a joint claim
the joined partner): a person not yet registered with the citizen service is keyed on their One Login
subject only (`citizen_id` None) and is told nothing until they register, since only the citizen service
holds contact details. `language` is the one the claim was made in; the worker prefers the citizen's own
preferred language from the citizen service and falls back to this.

**Awards due.** Every Universal Credit award whose current assessment period ends on `period_end`, in
shards: an award is in shard `shard_of(claim_id, shards)` (below: both sides use this one function), and
the route pages through one shard in `claim_id` order (`cursor` is the last `claim_id` of the previous
page, opaque to the caller; `limit` 1 to 1,000, default 500; `next_cursor` None on the last page). Each item
carries what the run needs for one award: the circumstances for the period in the benefits API's shape
(`dwp.contracts.benefits.UCCircumstancesPayload`, with `assessment_period_start`/`_end` set to this
period), the adults whose earnings HMRC is asked for (the claimant is adult 0, a partner adult 1) with
what the integrations service's `EarningsRequest` needs to match them, the history the rules carry from
one period to the next (`carried_state`: exactly what the benefits engine returned with the previous
period's award, kept verbatim by claims, None for a first period), the previous period's award, and
whether this period's statement is already stored (a rerun skips the calculation but still makes sure the
citizen was told, which the notifications' idempotency makes once).

**The statement store** is idempotent by claim and period: the first `PUT` for a claim's period stores the
award, the carried state and the statement (201, `created: true`); any later `PUT` for the same claim and
period changes nothing and answers the stored statement (200, `created: false`), so running a day twice
changes nothing. The bulk store (`POST .../statements`) does the same for a page of claims in one
transaction: each item's outcome is `created`, `already_stored` (nothing changed, the stored award
answered), `not_found` (no such claim) or `not_current` (not the award's current period, or not a UC
award): one item that cannot be stored does not stop the rest, and a rerun of a page stores nothing
twice. A body that is not a page (an item's `period_end` not the path's, a claim twice) is a 422 problem
naming the item (`#/items/3/period_end`). The claims service does not publish a notification-worthy
event for it: the monthly run queues `claims.statement_ready` (`StatementReady`) itself with a
deterministic event id (`statement_event_id`), so a redone shard notifies nobody twice. A period that is
not the award's current one is a 409 problem.

**Held registrations**: the citizen service holds a registration whose NINO is another record's and
publishes `citizen.registration_held`; the notifications worker forwards it here, and the claims service
opens a work item with no claim (`work.held_registration`), idempotent by `hold_id`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from dwp.contracts.events import ClaimBenefit, Event
from dwp.contracts.payments import AwardForPayment
from dwp.platform.models import EdgeModel, IsoDate, IsoDateTime

SERVICE = "claims"
CALLER = "workers"

NOTIFICATION_FACTS_PATH = "/v1/internal/claims/{claim_id}/notification-facts"
AWARDS_DUE_PATH = "/v1/internal/assessment-periods/{period_end}/awards"
STATEMENT_PATH = "/v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement"
STATEMENTS_PATH = "/v1/internal/assessment-periods/{period_end}/statements"
HELD_REGISTRATIONS_PATH = "/v1/internal/work-items/held-registrations"
AUTOMATIC_DECISION_PATH = "/v1/internal/claims/{claim_id}/automatic-decision"
PAYMENT_RETURNS_PATH = "/v1/internal/payment-returns"
AWARD_FOR_PAYMENT_PATH = "/v1/internal/claims/{claim_id}/award-for-payment"
AWARDS_FOR_PAYMENT_PATH = "/v1/internal/awards-for-payment"

MAX_PAGE = 1000
DEFAULT_PAGE = 500
MAX_SHARDS = 4096
MAX_STATEMENTS = 500

RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
"""A claim's (or an assessment's) id in a body: letters, digits and hyphens, as the path's `Id` is. A NUL,
a quote or a 65th character would otherwise reach the database (a 500 on PostgreSQL) rather than a 422
naming the field."""

Language = Literal["en", "cy"]


class _Answer(BaseModel):
    """What the workers read: unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Body(EdgeModel):
    """What the workers send, a request body of the claims service: the platform's strict edge model."""

    model_config = ConfigDict(frozen=True)


def shard_of(claim_id: str, shards: int) -> int:
    """The shard of the monthly run an award belongs to: the same on the claims side and the workers'.

    The first 8 bytes of SHA-256 of the claim id, modulo the number of shards: stable across processes
    and Python versions (unlike `hash`), and even for any id scheme.
    """
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be 1 to {MAX_SHARDS}")
    digest = hashlib.sha256(claim_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


_STATEMENT_NAMESPACE = uuid.UUID("0b6c1f0e-7d2a-4c39-9e85-3a1f6d2b7c40")


def statement_event_id(claim_id: str, period_end: date) -> str:
    """The event id of `claims.statement_ready` for a claim's period: the same on every run of the day."""
    return str(uuid.uuid5(_STATEMENT_NAMESPACE, f"{claim_id}/{period_end.isoformat()}"))


# --- notification facts -------------------------------------------------------------------------------


class Recipient(_Answer):
    """Someone to tell about the claim. `citizen_id` None: not registered yet, keyed on `subject` only."""

    role: Literal["claimant", "partner"]
    citizen_id: str | None
    subject: str
    """Their One Login subject (`sub`), which the claim is keyed on before they register."""


class TodoFacts(_Answer):
    todo_id: str
    kind: str
    """`verify_identity`, `confirm_address`, `upload_evidence`, `accept_claimant_commitment`, `book_wca`..."""
    due_on: date | None = None


class DecisionFacts(_Answer):
    decision_id: str
    kind: Literal["initial", "human_review", "reconsideration", "appeal"]
    outcome: Literal["award", "disallow"]
    automated: bool
    notified_on: date
    challenge_by: date | None = None
    """The last day to ask for a mandatory reconsideration (or to appeal, after a reconsideration)."""


class MessageFacts(_Answer):
    entry_id: str
    side: Literal["citizen", "dwp"]
    posted_at: datetime


class StatementFacts(_Answer):
    period_start: date
    period_end: date
    award_pence: int
    payment_due_on: date | None = None


class NotificationFacts(_Answer):
    """`GET /v1/internal/claims/{claim_id}/notification-facts`: what a message about the claim needs."""

    claim_id: str
    benefit: ClaimBenefit
    status: str
    language: Language
    recipients: list[Recipient] = Field(min_length=1, max_length=2)
    todo: TodoFacts | None = None
    decision: DecisionFacts | None = None
    message: MessageFacts | None = None
    statement: StatementFacts | None = None


# --- the monthly run: awards due, and the statement store -------------------------------------------


class EarningsSubject(_Answer):
    """One adult of the award whose PAYE earnings HMRC is asked for (integrations' `EarningsRequest`).

    Personal data: the worker passes it to the integrations service and never logs or stores it.
    """

    adult: int = Field(ge=0, le=1)
    national_insurance_number: str
    given_name: str
    family_name: str
    date_of_birth: date


class PeriodSummary(_Answer):
    period_start: date
    period_end: date
    award_pence: int


class DueAward(_Answer):
    """One UC award whose assessment period ends on the day asked for."""

    claim_id: str
    citizen_id: str | None
    period_start: date
    period_end: date
    circumstances: dict[str, Any]
    """`dwp.contracts.benefits.UCCircumstancesPayload` for this period (the benefits API validates it)."""
    earnings_subjects: list[EarningsSubject] = Field(default_factory=list, max_length=2)
    carried_state: dict[str, Any] | None = None
    """What the benefits engine returned with the previous period's award, verbatim; None at the start."""
    previous: PeriodSummary | None = None
    statement_stored: bool = False


class DueAwardsPage(_Answer):
    """`GET /v1/internal/assessment-periods/{period_end}/awards?shard=&shards=&cursor=&limit=`."""

    period_end: date
    shard: int
    shards: int
    items: list[DueAward]
    next_cursor: str | None = None


class StatementLine(_Body):
    """One line of the itemised statement, in both languages (the benefits explanation's lines)."""

    kind: str
    text_en: str
    text_cy: str
    amount_pence: int | None = None
    regulation: str


class PeriodStatement(_Body):
    """`PUT /v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement`."""

    period_start: IsoDate
    period_end: IsoDate
    award_pence: int
    assessment_id: RecordId | None = None
    """The benefits service's assessment behind the award, when it was worked out through its API."""
    carried_state: dict[str, Any] | None = None
    """What the benefits engine returned with this award: next month's `DueAward.carried_state`."""
    earnings_access_ids: list[str] = Field(default_factory=list, max_length=2)
    """The integrations service's audit records of the HMRC look-ups behind the figures."""
    lines: list[StatementLine] = Field(default_factory=list, max_length=200)
    run_date: IsoDate
    """The day the monthly run was for (`dwp run monthly --date`)."""


class StoredStatement(_Answer):
    claim_id: str
    period_end: date
    statement_id: str
    award_pence: int
    created: bool
    """False when the claim's period already had a statement: nothing was changed."""


class ClaimStatement(PeriodStatement):
    """One item of `PeriodStatements`: a claim's `PeriodStatement`."""

    claim_id: RecordId


class PeriodStatements(_Body):
    """`POST /v1/internal/assessment-periods/{period_end}/statements`: a page of the monthly run."""

    items: list[ClaimStatement] = Field(min_length=1, max_length=MAX_STATEMENTS)


StoreOutcome = Literal["created", "already_stored", "not_found", "not_current"]


class StoredStatementItem(_Answer):
    claim_id: str
    outcome: StoreOutcome
    statement_id: str | None = None
    """The stored statement (`created` or `already_stored`); None when nothing could be stored."""
    award_pence: int | None = None
    """The stored award: the first store's, which a later one never changes."""


class StoredStatements(_Answer):
    """The bulk store's answer (200): one item per item sent, in order."""

    period_end: date
    items: list[StoredStatementItem]


class StatementReady(Event):
    """Queued by the monthly run to the notifications queue (not published by claims): a statement is
    stored. Its envelope's `event_id` is `statement_event_id(claim_id, period_end)`."""

    event_type: ClassVar[str] = "claims.statement_ready"
    claim_id: str
    period_end: str


# --- held registrations ---------------------------------------------------------------------------------


class HeldRegistration(_Body):
    """`POST /v1/internal/work-items/held-registrations`: from a `citizen.registration_held` event."""

    hold_id: str = Field(min_length=1, max_length=64)
    citizen_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=64)
    event_id: str = Field(min_length=1, max_length=64)
    held_at: IsoDateTime


class WorkItemRef(_Answer):
    work_item_id: str
    created: bool


# --- returned payments ----------------------------------------------------------------------------------


class ReturnedPayment(_Body):
    """`POST /v1/internal/payment-returns`: from a `payments.payment_returned` event (ids and codes only:
    no account, no amount)."""

    event_id: str = Field(min_length=1, max_length=64)
    citizen_id: str = Field(min_length=1, max_length=64)
    claim_id: str = Field(min_length=1, max_length=64)
    award_id: str = Field(min_length=1, max_length=64)
    instruction_id: str = Field(min_length=1, max_length=64)
    stage: Literal["rejected", "returned"]
    reason_code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    occurred_at: IsoDateTime


class ReturnedPaymentRef(_Answer):
    work_item_id: str
    todo_id: str | None
    """None when the claim is withdrawn or closed: nothing more is asked of the citizen."""
    created: bool


class AutomaticOutcome(_Answer):
    """`POST /v1/internal/claims/{claim_id}/automatic-decision` (200): decided, or left and why. While
    benefits or integrations is down the answer is 202 with the work item the claim waits with."""

    claim_id: str
    status: str
    left_for_a_person: str | None = None
    decision: dict[str, Any] | None = None
    assessment: dict[str, Any] | None = None


class AwardToPay(BaseModel):
    """`GET /v1/internal/claims/{claim_id}/award-for-payment`: the award's id at payments and its terms
    (New Style JSA and ESA with `terms.week_amounts`, an additive field older readers ignore)."""

    model_config = ConfigDict(extra="ignore")
    award_id: str
    terms: AwardForPayment


class AwardsForPaymentRequest(_Body):
    """`POST /v1/internal/awards-for-payment` (the monthly run, a page at a time): the claims whose
    award's terms payments is to be given, each as `GET .../award-for-payment` answers it."""

    claim_ids: list[RecordId] = Field(min_length=1, max_length=MAX_STATEMENTS)


class AwardToPayItem(_Answer):
    """One claim's answer: `award` (with the terms), `not_paid_by_periods` (no UC award paid by its
    stored periods: the single route's 409) or `not_found`."""

    claim_id: str
    outcome: Literal["award", "not_paid_by_periods", "not_found"]
    award: AwardToPay | None = None


class AwardsToPay(_Answer):
    """The bulk read's answer (200): one item per claim asked about, in order."""

    items: list[AwardToPayItem]
