"""HTTP for the claims service, the citizen's side: request and response shapes, and routes that call
the use cases. A citizen sees only their own claims; anyone else's is 404."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from dwp.claims import service
from dwp.claims.deps import Context
from dwp.claims.domain.model import Claim
from dwp.platform.auth import CitizenPrincipal

router = APIRouter(prefix="/v1/claims", tags=["claims"])


class ClaimSummary(BaseModel):
    id: str
    claim_type: str
    status: str
    joint: bool
    created_at: datetime
    submitted_at: datetime | None
    version: int


class ClaimList(BaseModel):
    items: list[ClaimSummary]


def _summary(claim: Claim) -> ClaimSummary:
    return ClaimSummary(
        id=claim.id,
        claim_type=claim.claim_type.value,
        status=claim.status.value,
        joint=claim.joint,
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
        version=claim.version,
    )


@router.get("", response_model=ClaimList, summary="Your claims, newest first")
async def list_claims(ctx: Context, principal: CitizenPrincipal) -> ClaimList:
    return ClaimList(items=[_summary(c) for c in await service.claims_of(ctx, subject=principal.subject)])
