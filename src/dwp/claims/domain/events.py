"""What happened to a claim, as domain events (nouns in the past tense). They carry ids and facts,
never personal data (decision 4); the service turns them into `dwp.contracts` events in its outbox."""

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


@dataclass(frozen=True)
class PartnerInvited(ClaimEvent):
    pass


@dataclass(frozen=True)
class PartnerJoined(ClaimEvent):
    pass


@dataclass(frozen=True)
class PartnerConfirmed(ClaimEvent):
    pass


@dataclass(frozen=True)
class ClaimSubmitted(ClaimEvent):
    benefit: str
    claim_date: date


@dataclass(frozen=True)
class EvidenceRequested(ClaimEvent):
    todo_ids: tuple[str, ...]


@dataclass(frozen=True)
class AssessmentStarted(ClaimEvent):
    pass


@dataclass(frozen=True)
class DecisionMade(ClaimEvent):
    """A decision notice was issued: the notifications worker tells the citizen, with their rights."""

    decision_id: str
    kind: str
    outcome: str
    automated: bool


@dataclass(frozen=True)
class ClaimWithdrawn(ClaimEvent):
    pass


@dataclass(frozen=True)
class ClaimClosed(ClaimEvent):
    pass


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
