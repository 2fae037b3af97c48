"""When the automatic path may decide a claim, and when it must leave the claim to a person.

The automatic path (`dwp.claims.automation`) runs when a claim is submitted and again each time one of
its to-dos is done. It decides only when nothing needs a person:

- the claim is submitted, awaiting evidence or under assessment (not yet decided, withdrawn or closed);
- a joint claim's partner has joined and confirmed their part;
- the claimant (and partner) have proven their identity;
- none of the to-dos a decision waits for is open: proving identity, confirming the address, evidence,
  and accepting the Claimant Commitment (a condition of entitlement: Welfare Reform Act 2012 s4(1)(e),
  Jobseekers Act 1995 s1(2)(b), Welfare Reform Act 2007 s1(3)(aa)). Booking a work capability
  assessment is not one: the award is made and the assessment follows;
- no caseworker has taken any of its work items, and the automatic path has not already left it to a
  person (a nil award, or a claim it could not assess).

A claim waiting on benefits or integrations (a `provider_unavailable` work item nobody has taken) is
tried again: that is the queue's retry. Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from dwp.claims.domain.model import Claim, Status, TodoKind
from dwp.claims.domain.work import WorkItem, WorkKind

AUTOMATIC_STATUSES = frozenset({Status.SUBMITTED, Status.AWAITING_EVIDENCE, Status.UNDER_ASSESSMENT})
WAITED_FOR = frozenset(
    {
        TodoKind.VERIFY_IDENTITY,
        TodoKind.CONFIRM_ADDRESS,
        TodoKind.UPLOAD_EVIDENCE,
        TodoKind.ACCEPT_CLAIMANT_COMMITMENT,
    }
)
"""The to-dos a decision waits for."""

NOT_ASSESSED_NOTE = "not assessed automatically"
NIL_AWARD_NOTE = "nil award: a decision maker decides"
LEFT_NOTES = (NOT_ASSESSED_NOTE, NIL_AWARD_NOTE)
"""How the automatic path notes an `assess_claim` work item it left to a person (`casework`)."""


def needs_a_person(claim: Claim, items: Iterable[WorkItem]) -> str | None:
    """Why the automatic path may not decide this claim now, or None when it may."""
    if claim.status not in AUTOMATIC_STATUSES:
        return f"the claim is {claim.status.value}"
    if claim.joint and (claim.partner is None or claim.partner.confirmed_at is None):
        return "the partner has not confirmed their part"
    if not claim.claimant.identity_verified or (
        claim.partner is not None and not claim.partner.identity_verified
    ):
        return "identity is not proven"
    waiting = sorted({t.kind.value for t in claim.open_todos() if t.kind in WAITED_FOR})
    if waiting:
        return "waiting for the citizen: " + ", ".join(waiting)
    for item in items:
        if not item.open:
            continue
        if item.assigned_to is not None:
            return "a caseworker has it"
        if item.kind == WorkKind.ASSESS_CLAIM and item.note.startswith(LEFT_NOTES):
            return "already left to a person"
    return None
