"""What a decision's award is made of, for the person it is about: the itemised explanation the
benefits service gave for the assessment period the decision recorded (each element, deduction and the
result, in English and Welsh, with the regulation), as claims keeps it with the period's award."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

from dwp.claims import service
from dwp.claims.domain.errors import ClaimNotFound
from dwp.claims.domain.model import Actor
from dwp.claims.repository import PeriodAward
from dwp.claims.service import ClaimsContext


class _Periods(Protocol):
    """The claims repository's read of a claim's period awards (casework's records have it too)."""

    async def periods_of(self, claim_id: str) -> Sequence[PeriodAward]: ...


async def decision_explanation(
    ctx: ClaimsContext, *, claim_id: str, decision_id: str | None, actor: Actor
) -> list[dict[str, Any]]:
    """The lines of one decision's award (the latest decision's when none is named); none for a
    disallowance or a claim not yet decided. A claim the actor may not see, or a decision not on it, is
    `ClaimNotFound` (the same 404, so nothing leaks)."""
    claim = await service.get_claim(ctx, claim_id=claim_id, actor=actor)
    if decision_id is None:
        latest = claim.latest_decision
        if latest is None:
            return []
        decision_id = latest.id
    elif not any(d.id == decision_id for d in claim.decisions):
        raise ClaimNotFound("there is no such decision on this claim")
    async with ctx.uow(read_only=True) as uow:
        periods = await cast(_Periods, uow.repository).periods_of(claim_id)
    for period in periods:
        if period.decision_id == decision_id:
            lines = period.document.get("explanation") or period.document.get("statement") or []
            return [dict(line) for line in lines]
    return []
