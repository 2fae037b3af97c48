"""What happened to a claim, as domain events (nouns in the past tense). They carry ids and facts,
never personal data (decision 4); the service turns them into `dwp.contracts` events in its outbox.

An event with no facts beyond the claim and the moment is a plain subclass (a frozen dataclass's
subclass inherits its fields, equality and immutability); one that adds facts is a dataclass of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ClaimEvent:
    claim_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class ClaimStarted(ClaimEvent):
    benefit: str


class PartnerInvited(ClaimEvent):
    """The claimant made a code for their partner."""


class PartnerJoined(ClaimEvent):
    """The partner joined the joint claim with the code."""


class PartnerConfirmed(ClaimEvent):
    """The partner confirmed their part, with the declaration."""


@dataclass(frozen=True)
class ClaimSubmitted(ClaimEvent):
    benefit: str
    claim_date: date


@dataclass(frozen=True)
class EvidenceRequested(ClaimEvent):
    todo_ids: tuple[str, ...]


class AssessmentStarted(ClaimEvent):
    """A caseworker started assessing the claim."""


@dataclass(frozen=True)
class DecisionMade(ClaimEvent):
    """A decision notice was issued: the notifications worker tells the citizen, with their rights."""

    decision_id: str
    kind: str
    outcome: str
    automated: bool


class ClaimWithdrawn(ClaimEvent):
    """The claimant withdrew the claim."""


class ClaimClosed(ClaimEvent):
    """The award ended, or a disallowance can no longer be challenged."""


@dataclass(frozen=True)
class HumanReviewRequested(ClaimEvent):
    decision_id: str


@dataclass(frozen=True)
class ReconsiderationRequested(ClaimEvent):
    decision_id: str
    late: bool


@dataclass(frozen=True)
class AppealLodged(ClaimEvent):
    decision_id: str
    late: bool


@dataclass(frozen=True)
class TodoAdded(ClaimEvent):
    todo_id: str
    kind: str


@dataclass(frozen=True)
class TodoDone(ClaimEvent):
    todo_id: str
    kind: str
