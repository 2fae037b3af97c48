"""HTTP for a citizen's view of what their award is made of (`explanations.decision_explanation`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from dwp.claims import explanations
from dwp.claims.deps import Context, actor_of
from dwp.platform.auth import CitizenPrincipal

router = APIRouter(prefix="/v1/claims", tags=["claims"])

Id = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
DecisionId = Annotated[str | None, Query(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class Explanation(BaseModel):
    items: list[dict[str, Any]] = Field(
        description="The benefits service's lines: key, kind (element, deduction, note, result), "
        "amount_pence, regulation, text in en and cy"
    )


@router.get(
    "/{claim_id}/explanation",
    response_model=Explanation,
    summary="What a decision's award is made of, line by line, in English and Welsh (the latest decision's "
    "unless `decision_id` names another; none before a decision or for a disallowance)",
)
async def decision_explanation(
    claim_id: Id,
    request: Request,
    ctx: Context,
    principal: CitizenPrincipal,
    decision_id: DecisionId = None,
) -> Explanation:
    lines = await explanations.decision_explanation(
        ctx, claim_id=claim_id, decision_id=decision_id, actor=actor_of(principal, request)
    )
    return Explanation(items=lines)
