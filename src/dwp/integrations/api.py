"""HTTP for the integrations service: internal look-ups for the claims service and the workers, and a
caseworker's read of who looked at a claim's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from dwp.contracts.integrations import (
    BulkEarnings,
    BulkEarningsRequest,
    DataAccessPage,
    Earnings,
    EarningsRequest,
    FitNotes,
    FitNotesRequest,
    NiRecord,
    NiRecordRequest,
)
from dwp.integrations import service
from dwp.integrations.service import IntegrationsContext
from dwp.platform.auth import (
    Actor,
    Authenticated,
    CallerNotAllowed,
    Caseworker,
    Forbidden,
    Principal,
    allow_callers,
)

router = APIRouter(prefix="/v1", tags=["integrations"])

ALLOWED_SERVICES = ("claims", "workers")


async def _claims_staff_or_workers(principal: Authenticated) -> Principal:
    """The claims service, the workers (the monthly run), or a member of staff; nobody else."""
    if principal.kind == "service":
        if principal.subject not in ALLOWED_SERVICES:
            raise CallerNotAllowed(
                f"this route serves {', '.join(ALLOWED_SERVICES)}, not {principal.subject}",
                caller=principal.subject,
                allowed=ALLOWED_SERVICES,
            )
        return principal
    if principal.is_staff:
        return principal
    raise Forbidden("this route is for the claims service, the workers and caseworkers")


Requester = Annotated[Principal, Depends(_claims_staff_or_workers)]


def _ctx(request: Request) -> IntegrationsContext:
    return request.app.state.integrations_context


Ctx = Annotated[IntegrationsContext, Depends(_ctx)]


@router.post(
    "/earnings", response_model=Earnings, summary="PAYE earnings HMRC holds for a person in a period"
)
async def earnings(body: EarningsRequest, request: Request, ctx: Ctx, principal: Requester) -> Earnings:
    return await service.earnings(ctx, body, Actor.of(principal, request))


@router.post(
    "/national-insurance-record",
    response_model=NiRecord,
    summary="The Class 1 National Insurance record HMRC holds for a range of tax years",
)
async def ni_record(body: NiRecordRequest, request: Request, ctx: Ctx, principal: Requester) -> NiRecord:
    return await service.ni_record(ctx, body, Actor.of(principal, request))


@router.post(
    "/earnings/bulk",
    response_model=BulkEarnings,
    summary="PAYE earnings for many people at once (a page of the monthly run); services only",
)
async def bulk_earnings(
    body: BulkEarningsRequest,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, allow_callers(*ALLOWED_SERVICES)],
) -> BulkEarnings:
    return await service.bulk_earnings(ctx, body, Actor.of(principal, request))


@router.post("/fit-notes", response_model=FitNotes, summary="Fit notes the NHS holds for a person")
async def fit_notes(body: FitNotesRequest, request: Request, ctx: Ctx, principal: Requester) -> FitNotes:
    return await service.fit_notes(ctx, body, Actor.of(principal, request))


@router.get("/data-access", response_model=DataAccessPage, summary="Every provider look-up made for a claim")
async def data_access(
    ctx: Ctx,
    principal: Caseworker,
    claim_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> DataAccessPage:
    return DataAccessPage(items=await service.accesses_for_claim(ctx, claim_id, limit))
