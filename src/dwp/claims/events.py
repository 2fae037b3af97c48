"""What the claims service tells the rest of the platform: its domain events translated, in this one
place, into the `dwp.contracts` events its outbox publishes. Ids and facts only (decision 4).

Domain events that concern only the claims service (a draft started, a partner invited or joined) are
not published; `publishable` says which are.
"""

from __future__ import annotations

from dwp.claims.domain import events as domain
from dwp.claims.domain.journal import MessagePosted
from dwp.contracts import events as contract

# Each published domain event that is a lifecycle move, and the move it is.
_MOVES: dict[type[domain.ClaimEvent], str] = {
    domain.EvidenceRequested: "request_evidence",
    domain.AssessmentStarted: "start_assessment",
    domain.ClaimWithdrawn: "withdraw",
    domain.ClaimClosed: "close",
    domain.HumanReviewRequested: "request_human_review",
    domain.ReconsiderationRequested: "request_reconsideration",
    domain.AppealLodged: "appeal",
}
_STATUS_AFTER = {
    "request_evidence": "awaiting_evidence",
    "start_assessment": "under_assessment",
    "withdraw": "withdrawn",
    "close": "closed",
    "request_human_review": "human_review",
    "request_reconsideration": "reconsideration",
    "appeal": "appeal",
}
_PRIVATE = (domain.ClaimStarted, domain.PartnerInvited, domain.PartnerJoined, domain.PartnerConfirmed)


def publishable(event: domain.ClaimEvent) -> bool:
    return not isinstance(event, _PRIVATE)


def to_contract(event: domain.ClaimEvent) -> contract.Event:
    """The contract event for a published domain event."""
    if isinstance(event, domain.ClaimSubmitted):
        return contract.ClaimSubmitted(
            claim_id=event.claim_id,
            benefit=event.benefit,
            claim_date=event.claim_date.isoformat(),
        )
    if isinstance(event, domain.DecisionMade):
        return contract.ClaimDecisionMade(
            claim_id=event.claim_id,
            decision_id=event.decision_id,
            kind=event.kind,
            outcome=event.outcome,
            automated=event.automated,
        )
    if isinstance(event, domain.TodoAdded):
        return contract.ClaimTodoAdded(claim_id=event.claim_id, todo_id=event.todo_id, kind=event.kind)
    if isinstance(event, domain.TodoDone):
        return contract.ClaimTodoDone(claim_id=event.claim_id, todo_id=event.todo_id, kind=event.kind)
    if isinstance(event, MessagePosted):
        return contract.ClaimMessagePosted(
            claim_id=event.claim_id,
            entry_id=event.entry_id,
            side=event.side,
        )
    move = _MOVES.get(type(event))
    if move is None:
        raise ValueError(f"{type(event).__name__} is not published")
    return contract.ClaimStatusChanged(claim_id=event.claim_id, move=move, status=_STATUS_AFTER[move])
