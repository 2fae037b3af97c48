"""HTTP for changes of circumstances: a citizen reports a change on their awarded claim (If-Match with
the claim's ETag; an Idempotency-Key makes a retry the same report), and reads the changes reported.
Another citizen's claim is a 404, like every claims route."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from pydantic import BaseModel, Field, StrictBool, StrictInt

from dwp.claims import changes
from dwp.claims.deps import Context, actor_of
from dwp.claims.domain.answers import Amount
from dwp.claims.domain.changes import MOST_PENCE, ChangeDetails, ChangeKind, ChangeNotAllowed
from dwp.claims.domain.errors import ClaimsError
from dwp.claims.edge import home_postcode
from dwp.claims.upstreams import Upstreams
from dwp.contracts import claims as contract
from dwp.platform.auth import Authenticated, CitizenPrincipal, Principal, allow_callers
from dwp.platform.errors import PreconditionRequired
from dwp.platform.etag import make_etag, version_from_if_match
from dwp.platform.idempotency import Claim as KeyClaim
from dwp.platform.idempotency import Remember, StoredResponse, idempotent, request_fingerprint
from dwp.platform.models import EdgeModel, IsoDate
from dwp.platform.problems import ErrorMapping, ErrorTable

router = APIRouter(prefix="/v1/claims", tags=["changes of circumstances"])

ClaimId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", max_length=200, description="The claim's ETag (required)")
]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
Workers = Annotated[Principal, allow_callers("workers")]
Pence = Annotated[StrictInt, Field(ge=0, le=MOST_PENCE)]

ERRORS: ErrorTable = {
    ChangeNotAllowed: ErrorMapping(409, "change-not-allowed", "This change cannot be reported here"),
    changes.NotPaidByPeriods: ErrorMapping(
        409, "not-paid-by-periods", "This claim has no award paid by its assessment periods"
    ),
}

internal = APIRouter(prefix="/v1/internal", tags=["internal"])
"""The workers' routes of changes (never forwarded by the gateway)."""


def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.claims_upstreams
    return upstreams


Remote = Annotated[Upstreams, Depends(_upstreams)]


class AmountBody(EdgeModel):
    pence: Pence
    frequency: Literal["weekly", "fortnightly", "four_weekly", "monthly"] = "monthly"


class ChangeBody(EdgeModel):
    """One change; which of the optional fields a kind needs is the domain's rule (errors name them)."""

    kind: Literal[
        "moving_home",
        "rent_changed",
        "partner_joined",
        "partner_left",
        "child_born",
        "child_left",
        "started_work",
        "stopped_work",
        "savings_changed",
        "pension_changed",
        "health_condition_changed",
        "started_caring",
        "stopped_caring",
    ]
    happened_on: IsoDate = Field(description="The day it happened: not in the future, not before the claim")
    rent: AmountBody | None = Field(None, description="moving_home, rent_changed: the rent now")
    tenure: (
        Literal[
            "social_rent",
            "private_rent",
            "shared_ownership",
            "own_with_mortgage",
            "own_outright",
            "living_with_family_or_friends",
            "temporary_accommodation",
        ]
        | None
    ) = None
    bedrooms: Annotated[StrictInt, Field(ge=0, le=20)] | None = None
    date_of_birth: IsoDate | None = Field(None, description="partner_joined, child_born, child_left")
    sex: Literal["F", "M"] | None = None
    employer: Annotated[str, Field(max_length=200)] | None = None
    hours_per_week: Annotated[StrictInt, Field(ge=1, le=168)] | None = None
    pay: AmountBody | None = Field(None, description="started_work: gross pay")
    savings_pence: Pence | None = None
    pension: AmountBody | None = Field(
        None, description="pension_changed (New Style JSA, ESA): your pensions together, now"
    )
    postcode: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        None, description="moving_home: the new home's postcode (a home in Great Britain)"
    )
    condition_affects_work: StrictBool | None = Field(
        None, description="health_condition_changed: whether the condition now affects the work you can do"
    )
    can_work: Literal["yes", "some", "no"] | None = Field(
        None, description="health_condition_changed (UC), when it affects work: can you work at all"
    )
    fit_note_until: IsoDate | None = Field(
        None, description="health_condition_changed (New Style ESA): the new fit note's last day"
    )
    caring_hours_per_week: Annotated[StrictInt, Field(ge=1, le=168)] | None = Field(
        None, description="started_caring: hours a week you spend caring"
    )
    cared_for_gets_qualifying_benefit: StrictBool | None = Field(
        None,
        description="started_caring: the person you care for gets the daily living part of PIP, DLA "
        "middle or highest care, or Attendance Allowance",
    )
    whose: Literal["you", "partner"] = Field(
        "you", description="started_caring, stopped_caring: whose caring (a joint claim's partner)"
    )


class RevisionView(BaseModel):
    period_start: date
    period_end: date
    was_pence: int
    now_pence: int
    paid: bool


class ChangeView(BaseModel):
    id: str
    claim_id: str
    kind: str
    happened_on: date
    reported_on: date
    effective_from: date
    rule: str = Field(description="The regulation that sets the day it counts from")
    status: str
    overpayment_pence: int
    overpayment_cause: str | None
    arrears_pence: int
    revisions: list[RevisionView]
    explanation: list[str]
    work_item_id: str | None = Field(
        None, description="A change a decision maker must look at first (a health condition): their item"
    )
    todo_id: str | None = Field(None, description="What you are asked to do for it, if anything")
    created_at: datetime | None = None


class ChangeList(BaseModel):
    items: list[ChangeView]


def _details(body: ChangeBody) -> ChangeDetails:
    def amount(a: AmountBody | None) -> Amount | None:
        return Amount(a.pence, a.frequency) if a else None

    return ChangeDetails(
        kind=ChangeKind(body.kind),
        happened_on=body.happened_on,
        rent=amount(body.rent),
        tenure=body.tenure,
        bedrooms=body.bedrooms,
        date_of_birth=body.date_of_birth,
        sex=body.sex,
        employer=body.employer,
        hours_per_week=body.hours_per_week,
        pay=amount(body.pay),
        savings_pence=body.savings_pence,
        pension=amount(body.pension),
        postcode=home_postcode(body.postcode) if body.postcode is not None else None,
        condition_affects_work=body.condition_affects_work,
        can_work=body.can_work,
        fit_note_until=body.fit_note_until,
        caring_hours_per_week=body.caring_hours_per_week,
        cared_for_gets_qualifying_benefit=body.cared_for_gets_qualifying_benefit,
        whose=body.whose,
    )


def _view(c: changes.ReportedChange) -> ChangeView:
    r = c.outcome
    return ChangeView(
        id=c.id,
        claim_id=c.claim.id,
        kind=c.kind.value,
        happened_on=c.happened_on,
        reported_on=c.reported_on,
        effective_from=r.effective.from_day,
        rule=r.effective.rule,
        status=c.status,
        overpayment_pence=r.overpayment_pence,
        overpayment_cause=r.cause,
        arrears_pence=r.arrears_pence,
        revisions=[RevisionView(**vars(x)) for x in r.revisions],
        explanation=list(c.explanation),
        work_item_id=c.work_item_id,
        todo_id=c.todo_id,
    )


def _stored_view(row: dict[str, Any]) -> ChangeView:
    document = row["document"]
    return ChangeView(
        id=row["id"],
        claim_id=row["claim_id"],
        kind=row["kind"],
        happened_on=row["happened_on"],
        reported_on=row["reported_on"],
        effective_from=row["effective_from"],
        rule=row["rule"],
        status=row["status"],
        overpayment_pence=row["overpayment_pence"],
        overpayment_cause=row["cause"],
        arrears_pence=row["arrears_pence"],
        revisions=[RevisionView(**x) for x in document["revisions"]],
        explanation=document["explanation"],
        work_item_id=document.get("work_item_id"),
        todo_id=document.get("todo_id"),
        created_at=row["created_at"],
    )


@router.post(
    "/{claim_id}/changes",
    status_code=status.HTTP_201_CREATED,
    response_model=ChangeView,
    summary="Report a change of circumstances (If-Match; an Idempotency-Key makes a retry one report)",
)
async def report_change(
    claim_id: ClaimId,
    body: ChangeBody,
    request: Request,
    ctx: Context,
    upstreams: Remote,
    principal: CitizenPrincipal,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    version = version_from_if_match(if_match)
    if version is None:
        raise PreconditionRequired("send If-Match with the claim's ETag")
    actor = actor_of(principal, request)
    details = _details(body)
    assert ctx.idempotency is not None

    def render(reported: changes.ReportedChange) -> StoredResponse:
        return StoredResponse(
            status=status.HTTP_201_CREATED,
            body=_view(reported).model_dump(mode="json"),
            headers={
                "ETag": make_etag(reported.claim.version),
                "Location": f"/v1/claims/{claim_id}/changes/{reported.id}",
            },
        )

    async def attempt(key: KeyClaim | None) -> StoredResponse:
        return render(
            await changes.report_change(
                ctx,
                upstreams,
                claim_id=claim_id,
                actor=actor,
                details=details,
                expected_version=version,
                remember=Remember(key, render) if key else None,
            )
        )

    answer = await idempotent(
        ctx.idempotency,
        principal=principal.subject,
        key=idempotency_key,
        request_hash=request_fingerprint(request.method, request.url.path, body.model_dump(mode="json")),
        run=attempt,
    )
    return answer.as_response()


@router.get("/{claim_id}/changes", response_model=ChangeList, summary="The changes reported on a claim")
async def list_changes(
    claim_id: ClaimId, request: Request, ctx: Context, principal: Authenticated
) -> ChangeList:
    found = await changes.changes_of(ctx, claim_id=claim_id, actor=actor_of(principal, request))
    return ChangeList(items=[_stored_view(row) for row in found])


@internal.get(
    "/claims/{claim_id}/award-for-payment",
    response_model=contract.AwardToPay,
    summary="The award's terms for payments, as the latest change revised them (the claims inbox)",
)
async def award_for_payment(claim_id: ClaimId, ctx: Context, caller: Workers) -> contract.AwardToPay:
    award_id, terms = await changes.award_for_payment(ctx, claim_id=claim_id)
    return contract.AwardToPay(award_id=award_id, terms=terms)


@internal.post(
    "/awards-for-payment",
    response_model=contract.AwardsToPay,
    summary="A page of awards' terms for payments (the monthly run, after its bulk store)",
)
async def awards_for_payment(
    body: contract.AwardsForPaymentRequest, ctx: Context, caller: Workers
) -> contract.AwardsToPay:
    if len(set(body.claim_ids)) != len(body.claim_ids):
        first = next(i for i, c in enumerate(body.claim_ids) if body.claim_ids.index(c) != i)
        raise ClaimsError("this claim is in the page already", field=f"claim_ids[{first}]")
    found = await changes.awards_for_payment(ctx, claim_ids=body.claim_ids)
    return contract.AwardsToPay(
        items=[
            contract.AwardToPayItem(
                claim_id=claim_id,
                outcome=outcome,
                award=contract.AwardToPay(award_id=award[0], terms=award[1]) if award else None,
            )
            for claim_id, outcome, award in found
        ]
    )
