"""Events that cross service boundaries. Every event travels in the same envelope; `data` holds the
event's own fields, validated by the model named by `event_type`.

Events carry ids and facts, not personal data: a consumer that needs a citizen's details asks the
citizen service for them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base of every event's data; `event_type` names it on the wire."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event_type: ClassVar[str]
    version: ClassVar[int] = 1


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    event_type: str
    version: int = 1
    source: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any]

    @classmethod
    def wrap(cls, event: Event, *, source: str) -> EventEnvelope:
        return cls(
            event_type=event.event_type,
            version=event.version,
            source=source,
            data=event.model_dump(mode="json"),
        )

    def unwrap(self) -> Event:
        model = EVENT_TYPES.get(self.event_type)
        if model is None:
            raise ValueError(f"unknown event type {self.event_type!r}")
        return model.model_validate(self.data)


class CitizenRegistered(Event):
    event_type: ClassVar[str] = "citizen.registered"
    citizen_id: str
    preferred_language: Literal["en", "cy"]
    contact_by: list[Literal["email", "sms", "post"]]


class CitizenProfileChanged(Event):
    event_type: ClassVar[str] = "citizen.profile_changed"
    citizen_id: str
    changed_fields: list[str]
    version: ClassVar[int] = 1


class CitizenRecordRectified(Event):
    """A caseworker corrected a person's record (UK GDPR Art 16): which fields, never their values
    or the reason (the citizen service's audit keeps those, sealed fields as "[sealed]")."""

    event_type: ClassVar[str] = "citizen.record_rectified"
    citizen_id: str
    changed_fields: list[str]


class CitizenRegistrationHeld(Event):
    """A registration was held for a caseworker (its NINO is another person's record's): the claims
    work queue shows it. It carries no NINO, name or date of birth; the caseworker reads the hold."""

    event_type: ClassVar[str] = "citizen.registration_held"
    hold_id: str
    citizen_id: str
    reason: str


class BenefitAssessed(Event):
    """The benefits service worked out an award for one claim's assessment period."""

    event_type: ClassVar[str] = "benefits.assessed"
    assessment_id: str
    claim_id: str
    benefit: Literal["universal_credit"]
    period_start: str
    period_end: str
    award_pence: int


class AssessedRef(BaseModel):
    """One assessment of a batch: the ids and the award, as `benefits.assessed` carries them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    assessment_id: str
    claim_id: str
    period_start: str
    period_end: str
    award_pence: int


class BenefitsBatchAssessed(Event):
    """The benefits service worked out a page of awards in one request (`POST /v1/assessments/batch`,
    the monthly run): one event for the page rather than one `benefits.assessed` each, so that a day's
    million awards are a few thousand outbox rows and publishes, not a million. It carries what
    `benefits.assessed` does for each (ids, dates and the award: no personal data, decision 4); at most
    500 of them keep it far below SNS's 256 KB."""

    event_type: ClassVar[str] = "benefits.batch_assessed"
    batch_id: str
    benefit: Literal["universal_credit"]
    assessments: list[AssessedRef]


ClaimBenefit = Literal["universal_credit", "new_style_jsa", "new_style_esa"]


class ClaimSubmitted(Event):
    """A citizen submitted a claim; the notifications worker fetches who and how to tell them."""

    event_type: ClassVar[str] = "claims.submitted"
    claim_id: str
    benefit: ClaimBenefit
    claim_date: str


class ClaimStatusChanged(Event):
    """A claim made a move of its lifecycle (docs/claims.md has the table)."""

    event_type: ClassVar[str] = "claims.status_changed"
    claim_id: str
    move: str
    status: str


class ClaimTodoAdded(Event):
    event_type: ClassVar[str] = "claims.todo_added"
    claim_id: str
    todo_id: str
    kind: str


class ClaimTodoDone(Event):
    event_type: ClassVar[str] = "claims.todo_done"
    claim_id: str
    todo_id: str
    kind: str


class ClaimDecisionMade(Event):
    """A decision notice was issued; its text and rights are read from the claims service."""

    event_type: ClassVar[str] = "claims.decision_made"
    claim_id: str
    decision_id: str
    kind: Literal["initial", "human_review", "reconsideration", "appeal"]
    outcome: Literal["award", "disallow"]
    automated: bool


class ClaimMessagePosted(Event):
    """A message in the claim's journal; never its text."""

    event_type: ClassVar[str] = "claims.message_posted"
    claim_id: str
    entry_id: str
    side: Literal["citizen", "dwp"]


class ClaimChangeReported(Event):
    """A change of circumstances was reported on a claim and the award revised (or left to a
    caseworker). No amounts and nothing the citizen said: the claims service holds those."""

    event_type: ClassVar[str] = "claims.change_reported"
    claim_id: str
    change_id: str
    kind: str
    effective_from: str
    status: str
    overpayment: bool
    arrears: bool


EVENT_TYPES: dict[str, type[Event]] = {
    e.event_type: e
    for e in (
        CitizenRegistered,
        CitizenProfileChanged,
        CitizenRecordRectified,
        CitizenRegistrationHeld,
        BenefitAssessed,
        BenefitsBatchAssessed,
        ClaimSubmitted,
        ClaimStatusChanged,
        ClaimTodoAdded,
        ClaimTodoDone,
        ClaimDecisionMade,
        ClaimMessagePosted,
        ClaimChangeReported,
    )
}


# --- the payments service's events (src/dwp/payments); none carries a sort code, account or amount ---


class PaymentsBankDetailsChanged(Event):
    """A citizen gave or changed their bank details. The notifications worker tells them, on the contact
    details the citizen service holds (a change of bank details changes none of those), so that a change
    they did not make reaches them where they are."""

    event_type: ClassVar[str] = "payments.bank_details_changed"
    citizen_id: str
    bank_details_id: str
    first: bool
    held: bool


class PaymentsPaymentHeld(Event):
    """A change of bank details looked like fraud: the next payment waits for a caseworker's check.
    `reasons` are the codes of the rules it matched (payments' fraud rules), never the details."""

    event_type: ClassVar[str] = "payments.payment_held"
    citizen_id: str
    hold_id: str
    reasons: list[str]


class PaymentsHoldDecided(Event):
    event_type: ClassVar[str] = "payments.hold_decided"
    citizen_id: str
    hold_id: str
    outcome: Literal["released", "stopped"]


class PaymentsPaymentReturned(Event):
    """A payment was rejected by the payment system or returned by the bank: claims opens a work item
    for a caseworker and a to-do for the citizen (check their bank details)."""

    event_type: ClassVar[str] = "payments.payment_returned"
    citizen_id: str
    claim_id: str
    award_id: str
    instruction_id: str
    stage: Literal["rejected", "returned"]
    reason_code: str


PAYMENTS_EVENTS: tuple[type[Event], ...] = (
    PaymentsBankDetailsChanged,
    PaymentsPaymentHeld,
    PaymentsHoldDecided,
    PaymentsPaymentReturned,
)
EVENT_TYPES.update({e.event_type: e for e in PAYMENTS_EVENTS})
