"""HTTP for the benefits service: estimates, assessments and rates. Routes translate and call use cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status

from dwp.benefits import service
from dwp.benefits.domain import InvalidCircumstances, rates_for
from dwp.benefits.domain.assessment import Assessment
from dwp.benefits.domain.pages import carried_state
from dwp.benefits.schemas import AssessmentBatchRequest, AssessmentRequest, EstimateRequest
from dwp.benefits.service import AssessBatch, AssessClaim, AssessedBatch, BatchItem, BenefitsContext
from dwp.contracts import benefits as contract
from dwp.platform.auth import Actor, Principal, StaffOrService, allow_callers
from dwp.platform.idempotency import Claim, Remember, StoredResponse, idempotent, request_fingerprint
from dwp.platform.openapi import created_link

router = APIRouter(prefix="/v1", tags=["benefits"])


def _ctx(request: Request) -> BenefitsContext:
    return request.app.state.benefits_context


Ctx = Annotated[BenefitsContext, Depends(_ctx)]
Workers = Annotated[Principal, allow_callers("workers")]


@router.post("/estimates", summary="Check what you could get: Universal Credit, New Style JSA and ESA")
async def create_estimate(body: EstimateRequest) -> dict[str, Any]:
    if body.universal_credit is None and body.new_style_jsa is None and body.new_style_esa is None:
        raise InvalidCircumstances(
            "universal_credit", "ask for at least one of universal_credit, new_style_jsa, new_style_esa"
        )
    household = body.uc_household()
    jsa = body.new_style_jsa.to_kwargs() if body.new_style_jsa else None
    esa = body.new_style_esa.to_kwargs() if body.new_style_esa else None
    return service.estimate(uc=household, jsa=jsa, esa=esa, tax_year=body.tax_year)


def _assessment_view(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.id,
        "claim_id": a.claim_id,
        "benefit": a.benefit,
        "assessment_period_start": a.period_start.isoformat(),
        "assessment_period_end": a.period_end.isoformat(),
        "tax_year": a.tax_year,
        "award_pence": a.award_pence,
        "amounts": a.amounts,
        "explanation": a.explanation,
        "carried_state": carried_state(a.amounts),
        "inputs": a.inputs,
        "created_at": a.created_at.isoformat(),
        "links": {"self": f"/v1/assessments/{a.id}"},
    }


def _created(a: Assessment) -> StoredResponse:
    """The answer to a new assessment, as sent and as an Idempotency-Key replays it."""
    return StoredResponse(
        status=status.HTTP_201_CREATED,
        body=_assessment_view(a),
        headers={"Location": f"/v1/assessments/{a.id}"},
    )


@router.post(
    "/assessments",
    status_code=status.HTTP_201_CREATED,
    summary="Work out and store the award for one claim's assessment period",
    responses=created_link("GetAssessment", "/v1/assessments/{assessment_id}", "assessment_id"),
)
async def create_assessment(
    body: AssessmentRequest,
    request: Request,
    ctx: Ctx,
    principal: StaffOrService,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    assert ctx.idempotency is not None
    actor = Actor.of(principal, request)
    inputs = body.model_dump(mode="json")
    command = AssessClaim(
        claim_id=body.claim_id,
        household=body.circumstances.to_domain(),
        payments=[p.to_domain() for p in body.hmrc_earnings] if body.hmrc_earnings is not None else None,
        inputs=inputs,
    )

    async def run(claim: Claim | None) -> StoredResponse:
        remember = Remember(claim, _created) if claim else None
        return _created(await service.assess_claim(ctx, command, actor=actor, remember=remember))

    answer = await idempotent(
        ctx.idempotency,
        principal=principal.subject,
        key=idempotency_key,
        request_hash=request_fingerprint("POST", request.url.path, inputs),
        run=run,
    )
    return answer.as_response()


def _batch_created(batch: AssessedBatch) -> StoredResponse:
    """The answer to a batch (`dwp.contracts.benefits.AssessmentBatch`), as sent and as replayed."""
    items: list[contract.BatchAssessment] = [
        {
            "id": a.id,
            "claim_id": a.claim_id,
            "assessment_period_start": a.period_start.isoformat(),
            "assessment_period_end": a.period_end.isoformat(),
            "tax_year": a.tax_year,
            "award_pence": a.award_pence,
            "carried_state": carried_state(a.amounts),
            "explanation": a.explanation,
        }
        for a in batch.assessments
    ]
    answer: contract.AssessmentBatch = {"batch_id": batch.batch_id, "items": items}
    return StoredResponse(status=status.HTTP_201_CREATED, body=dict(answer))


@router.post(
    "/assessments/batch",
    status_code=status.HTTP_201_CREATED,
    summary="Work out and store a page of awards at once, through the batch engine (the monthly run)",
)
async def create_assessment_batch(
    body: AssessmentBatchRequest,
    request: Request,
    ctx: Ctx,
    principal: Workers,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    assert ctx.idempotency is not None
    actor = Actor.of(principal, request)
    inputs = body.model_dump(mode="json")
    command = AssessBatch(
        items=[
            BatchItem(
                claim_id=item.claim_id,
                household=item.circumstances.to_domain(),
                payments=[p.to_domain() for p in item.hmrc_earnings]
                if item.hmrc_earnings is not None
                else None,
                carried=item.carried_state,
                inputs=raw,
            )
            for item, raw in zip(body.items, inputs["items"], strict=True)
        ]
    )

    async def run(claim: Claim | None) -> StoredResponse:
        remember = Remember(claim, _batch_created) if claim else None
        return _batch_created(await service.assess_batch(ctx, command, actor=actor, remember=remember))

    answer = await idempotent(
        ctx.idempotency,
        principal=principal.subject,
        key=idempotency_key,
        request_hash=request_fingerprint("POST", request.url.path, inputs),
        run=run,
    )
    return answer.as_response()


@router.get("/assessments/{assessment_id}", summary="An assessment with its inputs and explanation")
async def read_assessment(
    assessment_id: Annotated[str, Path(max_length=36)],
    ctx: Ctx,
    principal: StaffOrService,
) -> dict[str, Any]:
    return _assessment_view(await service.get_assessment(ctx, assessment_id=assessment_id))


@router.get("/rates/{tax_year}", summary="Every rate of a tax year, with its source")
async def read_rates(tax_year: Annotated[str, Path(max_length=16)]) -> dict[str, Any]:
    return service.rates_view(rates_for(tax_year))
