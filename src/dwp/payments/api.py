"""HTTP for the payments service: request and response shapes, and routes that call the use cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from dwp.contracts.payments import AwardForPayment, AwardsForPayment, AwardsStored, AwardStoredItem
from dwp.payments import service
from dwp.payments.domain.bank import ACCOUNT_NAME_MAX, BankDetails
from dwp.payments.domain.errors import BankDetailsNotFound, InvalidAward
from dwp.payments.domain.holds import PaymentHold
from dwp.payments.domain.schedule import Advance, Award, Deduction, by_weeks
from dwp.payments.service import PaymentsContext, SessionFacts, SetBankDetails
from dwp.platform.auth import (
    Actor,
    Authenticated,
    Caseworker,
    Forbidden,
    Principal,
    allow_callers,
    require_confidence,
)
from dwp.platform.etag import make_etag, version_from_if_match
from dwp.platform.models import EdgeModel, IsoDate

router = APIRouter(prefix="/v1/payments", tags=["payments"])

ProvenCitizen = Annotated[Principal, require_confidence("P2")]
"""A citizen whose identity One Login proved (P2): giving or changing bank details needs it."""


class Strict(EdgeModel):
    model_config = ConfigDict(str_strip_whitespace=True)


# Shapes only: the rules (digits of any script folded, separators dropped, the modulus check) run once, in
# the domain, and their errors name the field.
class BankDetailsBody(Strict):
    sort_code: str = Field(min_length=1, max_length=20, description="6 numbers, like 30-99-50")
    account_number: str = Field(min_length=1, max_length=20, description="6 to 10 numbers")
    account_name: str = Field(min_length=1, max_length=ACCOUNT_NAME_MAX * 2)
    roll_number: str | None = Field(None, max_length=40, description="Building society roll number")


class BankDetailsView(BaseModel):
    """What a citizen sees of their own bank details: never the whole account number back."""

    id: str
    account: str = Field(description="The sort code and the account number's last 2 digits")
    account_name: str
    roll_number: str | None
    version: int
    updated_at: datetime | None
    payment_held: bool = False


class CaseworkerBankDetailsView(BankDetailsView):
    sort_code: str
    account_number: str


class HoldView(BaseModel):
    id: str
    citizen_id: str
    reasons: list[str]
    rules_version: str
    status: Literal["held", "released", "stopped"]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class HoldDecision(Strict):
    outcome: Literal["release", "stop"]
    reason: str = Field(min_length=1, max_length=500)


class HoldPage(BaseModel):
    items: list[HoldView]


class AuditPage(BaseModel):
    items: list[dict[str, Any]]


def _ctx(request: Request) -> PaymentsContext:
    return request.app.state.payments_context


Ctx = Annotated[PaymentsContext, Depends(_ctx)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
DeviceId = Annotated[
    str | None,
    Header(
        alias="X-Device-Id", max_length=200, description="The BFF's id of the browser (its device cookie)"
    ),
]
SignedInAt = Annotated[
    datetime | None,
    Header(alias="X-Signed-In-At", description="When the session signed in (the BFF's session record)"),
]


def _own(principal: Principal, citizen_id: str) -> None:
    # Another citizen's bank details do not exist as far as this caller can tell: 404, never 403.
    if principal.kind != "citizen" or principal.citizen_id != citizen_id:
        raise BankDetailsNotFound("No bank details")


def _view(details: BankDetails, *, held: bool = False) -> BankDetailsView:
    return BankDetailsView(
        id=details.id,
        account=details.account.masked(),
        account_name=details.account.account_name,
        roll_number=details.account.roll_number,
        version=details.version,
        updated_at=details.updated_at,
        payment_held=held,
    )


def _hold_view(hold: PaymentHold) -> HoldView:
    return HoldView(
        id=hold.id,
        citizen_id=hold.citizen_id,
        reasons=list(hold.reasons),
        rules_version=hold.rules_version,
        status=hold.status,
        created_at=hold.created_at,
        decided_by=hold.decided_by,
        decided_at=hold.decided_at,
    )


@router.put(
    "/citizens/{citizen_id}/bank-details",
    response_model=BankDetailsView,
    summary="Give or change your bank details (a proven identity, P2)",
)
async def put_bank_details(
    citizen_id: str,
    body: BankDetailsBody,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: ProvenCitizen,
    if_match: IfMatch = None,
    device: DeviceId = None,
    signed_in_at: SignedInAt = None,
) -> BankDetailsView:
    _own(principal, citizen_id)
    command = SetBankDetails(
        citizen_id=citizen_id,
        sort_code=body.sort_code,
        account_number=body.account_number,
        account_name=body.account_name,
        roll_number=body.roll_number,
        expected_version=version_from_if_match(if_match),
        session=SessionFacts(device=device or None, signed_in_at=signed_in_at),
    )
    result = await service.set_bank_details(ctx, command, actor=Actor.of(principal, request))
    response.headers["ETag"] = make_etag(result.details.version)
    return _view(result.details, held=result.hold is not None)


@router.get(
    "/citizens/{citizen_id}/bank-details",
    response_model=CaseworkerBankDetailsView | BankDetailsView,
    summary="Read bank details (your own, masked; or as a caseworker, in full and audited)",
)
async def get_bank_details(
    citizen_id: str, request: Request, response: Response, ctx: Ctx, principal: Authenticated
) -> CaseworkerBankDetailsView | BankDetailsView:
    if principal.is_staff:
        details = await service.view_bank_details_as_caseworker(
            ctx, citizen_id=citizen_id, actor=Actor.of(principal, request)
        )
        response.headers["ETag"] = make_etag(details.version)
        held = bool(await service.open_holds(ctx, citizen_id=citizen_id))
        return CaseworkerBankDetailsView(
            **_view(details, held=held).model_dump(),
            sort_code=details.account.sort_code,
            account_number=details.account.account_number,
        )
    if principal.kind != "citizen":
        raise Forbidden("Only the citizen or a caseworker can read bank details")
    _own(principal, citizen_id)
    details = await service.get_bank_details(ctx, citizen_id=citizen_id)
    response.headers["ETag"] = make_etag(details.version)
    held = bool(await service.open_holds(ctx, citizen_id=citizen_id))
    return _view(details, held=held)


@router.get("/holds", response_model=HoldPage, summary="Payments held for a caseworker's check")
async def list_holds(ctx: Ctx, principal: Caseworker) -> HoldPage:
    return HoldPage(items=[_hold_view(h) for h in await service.open_holds(ctx)])


@router.post("/holds/{hold_id}/decision", response_model=HoldView, summary="Release or stop a held payment")
async def decide_hold(
    hold_id: str, body: HoldDecision, request: Request, ctx: Ctx, principal: Caseworker
) -> HoldView:
    hold = await service.decide_hold(
        ctx,
        hold_id=hold_id,
        release=body.outcome == "release",
        reason=body.reason,
        actor=Actor.of(principal, request),
    )
    return _hold_view(hold)


@router.get(
    "/citizens/{citizen_id}/audit", response_model=AuditPage, summary="Every change and read of bank details"
)
async def audit(
    citizen_id: str,
    ctx: Ctx,
    principal: Caseworker,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AuditPage:
    return AuditPage(items=await service.audit_trail(ctx, citizen_id=citizen_id, limit=limit))


# --- awards (from claims and the monthly run) and the citizen's payments ---------------------------------

internal = APIRouter(prefix="/v1/internal/payments", tags=["internal"])
"""Routes for other services only (each names its callers); the gateway never forwards `/v1/internal`."""

AwardSender = Annotated[Principal, allow_callers("claims", "workers")]


class AwardStored(BaseModel):
    award_id: str
    version: int
    links: dict[str, str]


class DeductionLine(BaseModel):
    code: str
    pence: int


class PaymentLineView(BaseModel):
    number: int
    period_start: date
    period_end: date
    due_on: date
    pay_on: date
    moved_because: list[str]
    gross_pence: int
    deductions: list[DeductionLine]
    net_pence: int
    arrears_pence: int = Field(0, description="Paid with this payment for earlier periods a change raised")
    status: str
    reason_code: str | None = None
    week_amounts_pence: list[int] = Field(
        default_factory=list,
        description="New Style JSA and ESA: the award of each benefit week this fortnight pays (the gross)",
    )


class AwardPaymentsView(BaseModel):
    award_id: str
    claim_id: str
    benefit: str
    advance_outstanding_pence: int
    overpayment_outstanding_pence: int = Field(
        0, description="What of an overpayment (a change lowered periods already paid) is still to recover"
    )
    payments: list[PaymentLineView]


class PaymentsPage(BaseModel):
    items: list[AwardPaymentsView]


def _award(award_id: str, body: AwardForPayment) -> Award:
    return by_weeks(_terms_of(award_id, body))


def _terms_of(award_id: str, body: AwardForPayment) -> Award:
    return Award(
        id=award_id,
        claim_id=body.claim_id,
        citizen_id=body.citizen_id,
        benefit=body.benefit,
        first_day=body.first_day,
        nation=body.nation,
        period_amounts=tuple(body.period_amounts),
        deductions=tuple(Deduction(d.code, d.pence) for d in body.deductions),
        advance=Advance(body.advance.pence, body.advance.paid_on, body.advance.instalments)
        if body.advance
        else None,
        deduction_cap_pence=body.deduction_cap_pence,
        week_amounts=tuple(body.week_amounts),
        overpayment_recovery_limit_pence=body.overpayment_recovery_limit_pence,
    )


@internal.put(
    "/awards/{award_id}",
    response_model=AwardStored,
    summary="Give an award's latest terms to pay (claims and the monthly run only)",
)
async def put_award(
    award_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")],
    body: AwardForPayment,
    request: Request,
    ctx: Ctx,
    caller: AwardSender,
) -> AwardStored:
    version = await service.put_award(ctx, _award(award_id, body), actor=Actor.of(caller, request))
    return AwardStored(
        award_id=award_id,
        version=version,
        links={"payments": f"/v1/payments/citizens/{body.citizen_id}/payments"},
    )


@internal.post(
    "/awards",
    response_model=AwardsStored,
    summary="Give many awards' latest terms in one transaction (the monthly run's page)",
)
async def put_awards(body: AwardsForPayment, request: Request, ctx: Ctx, caller: AwardSender) -> AwardsStored:
    seen: set[str] = set()
    for i, item in enumerate(body.items):
        if item.award_id in seen:
            raise InvalidAward("This award is in the page already", field=f"items[{i}].award_id")
        seen.add(item.award_id)
    results = await service.put_awards(
        ctx, [_award(i.award_id, i.terms) for i in body.items], actor=Actor.of(caller, request)
    )
    return AwardsStored(
        items=[
            AwardStoredItem(award_id=item.award_id, outcome=outcome, version=version, detail=detail)
            for item, (outcome, version, detail) in zip(body.items, results, strict=True)
        ]
    )


@router.get(
    "/citizens/{citizen_id}/payments",
    response_model=PaymentsPage,
    summary="Your payments (paid, due, held, returned) with each period's award and deductions",
)
async def list_payments(citizen_id: str, ctx: Ctx, principal: Authenticated) -> PaymentsPage:
    if not principal.is_staff:
        _own(principal, citizen_id)
    found = await service.payments_of(ctx, citizen_id=citizen_id)
    return PaymentsPage(
        items=[
            AwardPaymentsView(
                award_id=a.award.id,
                claim_id=a.award.claim_id,
                benefit=a.award.benefit,
                advance_outstanding_pence=a.advance_outstanding,
                overpayment_outstanding_pence=a.overpayment_outstanding,
                payments=[
                    PaymentLineView(
                        number=line.payment.number,
                        period_start=line.payment.period_start,
                        period_end=line.payment.period_end,
                        due_on=line.payment.due_on,
                        pay_on=line.payment.pay_on,
                        moved_because=list(line.payment.moved_because),
                        gross_pence=line.payment.gross_pence,
                        deductions=[
                            DeductionLine(code=d.code, pence=d.pence) for d in line.payment.deductions
                        ],
                        net_pence=line.payment.net_pence,
                        arrears_pence=line.payment.arrears_pence,
                        status=line.status,
                        reason_code=line.reason_code,
                        week_amounts_pence=list(
                            a.award.week_amounts[2 * line.payment.number : 2 * line.payment.number + 2]
                        ),
                    )
                    for line in a.lines
                ],
            )
            for a in found
        ]
    )


PaymentRunner = Annotated[Principal, allow_callers("workers")]


class PaymentRun(Strict):
    through: IsoDate = Field(description="Send every payment due on or before this day")


class RunReportView(BaseModel):
    planned: int
    sent: int
    accepted: int
    rejected: int
    returned: int
    reconciled: int
    waiting_for_hold: int
    waiting_for_bank_details: int
    still_pending: int
    system_unavailable: bool
    overlapped: bool


@internal.post("/runs", response_model=RunReportView, summary="A payment run (the workers' schedule only)")
async def payment_run(body: PaymentRun, request: Request, ctx: Ctx, caller: PaymentRunner) -> RunReportView:
    report = await service.run_payments(ctx, request.app.state.payment_system, through=body.through)
    return RunReportView(**vars(report))
