"""HTTP for the caseworker side and the assessment: routes translate and call `casework`'s use cases.

`router` (under `/v1/claims/casework`, which the gateway forwards with the rest of `/v1/claims`) is for
staff: a caseworker token with the caseworker or team-leader role (a citizen's token, or staff without
the role, get 403); assigning work to others is for team leaders. `internal` (under `/v1/internal`,
never forwarded by the gateway) is for the workers' service token: the monthly run, held registrations
and the automatic decision.

A claim that has to wait for the benefits or integrations service answers 202 with what it waits on
(and the work item that keeps it in view), never a 500.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter

from dwp.claims import automation, casework, metrics
from dwp.claims.casework import Assessed, CaseworkContext, Gathered, Waiting
from dwp.claims.domain.answers import SECTIONS, ClaimType
from dwp.claims.domain.model import TEAM_LEADER, Actor, Claim, Decision, Outcome, Status
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind
from dwp.claims.repository import PeriodAward
from dwp.claims.upstreams import HttpUpstreams, Upstreams
from dwp.contracts import claims as contract
from dwp.platform.auth import Caseworker, Principal, allow_callers, require_role
from dwp.platform.etag import make_etag, version_from_if_match
from dwp.platform.models import EdgeModel
from dwp.platform.problems import ErrorMapping, ErrorTable
from dwp.platform.settings import Settings

router = APIRouter(prefix="/v1/claims/casework", tags=["casework"])
internal = APIRouter(prefix="/v1/internal", tags=["internal"])

SEEN_EVERY = timedelta(seconds=60)
"""A caseworker's presence is written at most once a minute per process: the metric's window is 15."""

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
Purpose = Annotated[
    str, Query(min_length=3, max_length=200, description="Why you are reading it (recorded in the audit)")
]


def _ctx(request: Request) -> CaseworkContext:
    ctx: CaseworkContext = request.app.state.claims_context
    return ctx


def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.claims_upstreams
    return upstreams


Ctx = Annotated[CaseworkContext, Depends(_ctx)]
Remote = Annotated[Upstreams, Depends(_upstreams)]


def _actor(principal: Principal, request: Request) -> Actor:
    request_id = getattr(request.state, "request_id", None)
    if principal.kind == "caseworker":
        return Actor(principal.subject, "caseworker", frozenset(principal.roles), request_id=request_id)
    return Actor(principal.subject, "system", request_id=request_id)


async def _staff(principal: Caseworker, request: Request, ctx: Ctx) -> Actor:
    """A member of staff with a role, noted as signed in (for the scaling metric)."""
    actor = _actor(principal, request)
    seen: dict[str, datetime] | None = getattr(request.app.state, "caseworkers_seen", None)
    if seen is None:
        seen = request.app.state.caseworkers_seen = {}
    now = ctx.clock()
    last = seen.get(actor.subject)
    if last is None or now - last >= SEEN_EVERY:
        await casework.caseworker_seen(ctx, actor=actor)
        seen[actor.subject] = now
    return actor


Staff = Annotated[Actor, Depends(_staff)]


async def _team_leader(
    principal: Annotated[Principal, Depends(require_role(TEAM_LEADER))], staff: Staff
) -> Actor:
    return staff


TeamLeader = Annotated[Actor, Depends(_team_leader)]
Workers = Annotated[Principal, allow_callers("workers")]


# --- views -------------------------------------------------------------------------------------------------


class DueView(BaseModel):
    on: date
    rule: str
    source: str
    counted_from: date


class WorkItemView(BaseModel):
    id: str
    kind: WorkKind
    claim_id: str | None
    benefit: ClaimType | None
    claim_status: Status | None
    created_at: datetime
    due: DueView | None
    overdue: bool
    assigned_to: str | None
    escalated: bool
    escalation_reason: str | None
    done_at: datetime | None
    note: str
    version: int


def _item(item: WorkItem, today: date) -> WorkItemView:
    due = item.due
    return WorkItemView(
        id=item.id,
        kind=item.kind,
        claim_id=item.claim_id,
        benefit=item.benefit,
        claim_status=item.claim_status,
        created_at=item.created_at,
        due=DueView(on=due.on, rule=due.rule, source=due.source, counted_from=due.counted_from)
        if due
        else None,
        overdue=item.overdue(today),
        assigned_to=item.assigned_to,
        escalated=item.escalated,
        escalation_reason=item.escalation_reason,
        done_at=item.done_at,
        note=item.note,
        version=item.version,
    )


class WorkQueuePage(BaseModel):
    items: list[WorkItemView]
    next_cursor: str | None = None


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind.value,
        "outcome": d.outcome.value,
        "made_by": d.made_by,
        "automated": d.automated,
        "made_at": d.made_at.isoformat(),
        "notified_on": d.notified_on.isoformat(),
        "reasons": list(d.reasons),
        "amount_pence": d.amount_pence,
        "assessment_id": d.assessment_id,
        "rights": [
            {
                "kind": r.kind,
                "ask_by": r.ask_by.isoformat() if r.ask_by else None,
                "late_until": r.late_until.isoformat() if r.late_until else None,
                "source": r.source,
            }
            for r in d.rights
        ],
    }


_SECTION_ADAPTERS: dict[ClaimType, dict[str, TypeAdapter[Any]]] = {
    t: {name: TypeAdapter(shape) for name, shape in sections.items()} for t, sections in SECTIONS.items()
}
_TODOS = TypeAdapter(list[dict[str, Any]])


def _claim(claim: Claim) -> dict[str, Any]:
    """A caseworker's view of a claim: its answers, to-dos, decisions and challenges."""
    adapters = _SECTION_ADAPTERS[claim.claim_type]
    return {
        "id": claim.id,
        "benefit": claim.claim_type.value,
        "status": claim.status.value,
        "version": claim.version,
        "joint": claim.joint,
        "claimant": {
            "subject": claim.claimant.subject,
            "citizen_id": claim.claimant.citizen_id,
            "identity_verified": claim.claimant.identity_verified,
            "address_confirmed": claim.claimant.address_confirmed,
        },
        "created_at": claim.created_at.isoformat(),
        "submitted_at": claim.submitted_at.isoformat() if claim.submitted_at else None,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else None,
        "answers": {
            name: adapters[name].dump_python(section, mode="json")
            for name, section in claim.answers.sections.items()
        },
        "todos": _TODOS.dump_python(
            [
                {
                    "id": t.id,
                    "kind": t.kind.value,
                    "subject": t.subject,
                    "created_at": t.created_at,
                    "due_on": t.due.on if t.due else None,
                    "done_at": t.done_at,
                    "how": t.how,
                }
                for t in claim.todos
            ],
            mode="json",
        ),
        "decisions": [_decision(d) for d in claim.decisions],
        "challenges": [
            {
                "kind": c.kind,
                "decision_id": c.decision_id,
                "requested_on": c.requested_on.isoformat(),
                "late": c.late,
            }
            for c in claim.challenges
        ],
    }


def _period(p: PeriodAward) -> dict[str, Any]:
    return {
        "id": p.id,
        "period_start": p.period_start.isoformat(),
        "period_end": p.period_end.isoformat(),
        "award_pence": p.award_pence,
        "assessment_id": p.assessment_id,
        "decision_id": p.decision_id,
        "source": p.source,
        "explanation": p.document.get("explanation") or p.document.get("statement") or [],
        "carried_state": p.document.get("carried_state"),
    }


def _assessed(a: Assessed) -> dict[str, Any]:
    return {
        "benefit": a.benefit.value,
        "period_start": a.period_start.isoformat(),
        "period_end": a.period_end.isoformat(),
        "award_pence": a.award_pence,
        "assessment_id": a.assessment_id,
        "amounts": a.amounts,
        "explanation": a.explanation,
        "earnings_access_id": a.earnings_access_id,
    }


def _waiting(w: Waiting) -> JSONResponse:
    headers = {}
    if w.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(w.retry_after)))
    body = {
        "status": "waiting",
        "waiting_on": w.provider,
        "work_item_id": w.work_item_id,
        "todo_ids": list(w.todo_ids),
        "detail": (
            "The citizen has been asked for evidence; the claim waits for it"
            if w.todo_ids
            else f"The {w.provider} service could not be asked in time; the claim waits with a work item"
        ),
    }
    return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED, headers=headers)


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = make_etag(version)


def _sent(response: Response, item: WorkItem, ctx: CaseworkContext) -> WorkItemView:
    """A work item as the caseworker sees it, with its ETag on the response."""
    _with_etag(response, item.version)
    return _item(item, casework._today(ctx))


# --- the work queue --------------------------------------------------------------------------------------


@router.get("/work-items", response_model=WorkQueuePage, summary="A caseworker queue, soonest due first")
async def queue(
    ctx: Ctx,
    actor: Staff,
    benefit: Annotated[list[ClaimType] | None, Query()] = None,
    claim_status: Annotated[list[Status] | None, Query(alias="status")] = None,
    kind: Annotated[list[WorkKind] | None, Query()] = None,
    older_than_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    assigned: bool | None = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    mine: bool = False,
    overdue: bool | None = None,
    escalated: bool | None = None,
    include_done: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> WorkQueuePage:
    query = QueueFilter(
        benefits=frozenset(benefit) if benefit else None,
        claim_statuses=frozenset(claim_status) if claim_status else None,
        kinds=frozenset(kind) if kind else None,
        older_than_days=older_than_days,
        assigned=assigned,
        assigned_to=actor.subject if mine else assignee,
        overdue=overdue,
        escalated=escalated,
        include_done=include_done,
    )
    page = await casework.work_queue(ctx, actor=actor, query=query, limit=limit, cursor=cursor)
    today = casework._today(ctx)
    return WorkQueuePage(items=[_item(i, today) for i in page.items], next_cursor=page.next_cursor)


@router.get("/work-items/{item_id}", response_model=WorkItemView, summary="One work item")
async def read_work_item(item_id: Id, ctx: Ctx, actor: Staff, response: Response) -> WorkItemView:
    item = await casework.get_work_item(ctx, item_id=item_id, actor=actor)
    return _sent(response, item, ctx)


@router.post("/work-items/{item_id}/take", response_model=WorkItemView, summary="Take a work item yourself")
async def take(
    item_id: Id, ctx: Ctx, actor: Staff, response: Response, if_match: IfMatch = None
) -> WorkItemView:
    item = await casework.take_work_item(
        ctx, item_id=item_id, actor=actor, expected_version=version_from_if_match(if_match)
    )
    return _sent(response, item, ctx)


class AssignBody(EdgeModel):
    assignee: str = Field(min_length=1, max_length=200)


@router.post(
    "/work-items/{item_id}/assign", response_model=WorkItemView, summary="Give a work item to a caseworker"
)
async def assign(
    item_id: Id, body: AssignBody, ctx: Ctx, actor: TeamLeader, response: Response, if_match: IfMatch = None
) -> WorkItemView:
    item = await casework.assign_work_item(
        ctx, item_id=item_id, to=body.assignee, actor=actor, expected_version=version_from_if_match(if_match)
    )
    return _sent(response, item, ctx)


class EscalateBody(EdgeModel):
    reason: str = Field(min_length=1, max_length=1000)


@router.post(
    "/work-items/{item_id}/escalate", response_model=WorkItemView, summary="Send to the team leaders"
)
async def escalate(
    item_id: Id, body: EscalateBody, ctx: Ctx, actor: Staff, response: Response, if_match: IfMatch = None
) -> WorkItemView:
    item = await casework.escalate_work_item(
        ctx,
        item_id=item_id,
        reason=body.reason,
        actor=actor,
        expected_version=version_from_if_match(if_match),
    )
    return _sent(response, item, ctx)


@router.post("/work-items/{item_id}/release", response_model=WorkItemView, summary="Put a work item back")
async def release(
    item_id: Id, ctx: Ctx, actor: Staff, response: Response, if_match: IfMatch = None
) -> WorkItemView:
    item = await casework.release_work_item(
        ctx, item_id=item_id, actor=actor, expected_version=version_from_if_match(if_match)
    )
    return _sent(response, item, ctx)


@router.get("/overview", summary="Claims by status, how long they have waited, processing times")
async def overview(ctx: Ctx, actor: Staff) -> dict[str, Any]:
    view = await casework.overview(ctx, actor=actor)
    return {
        "by_status": view.by_status,
        "waiting_by_age_days": view.waiting_by_age,
        "processing_days": view.processing_days,
        "work_items_waiting": view.work_waiting,
        "caseworkers_signed_in": view.caseworkers_signed_in,
        "waiting_per_caseworker": view.waiting_per_caseworker,
    }


# --- a claim, as a caseworker -------------------------------------------------------------------------------


@router.get("/claims/{claim_id}", summary="Read a claim (every read is audited with its purpose)")
async def read_claim(
    claim_id: Id, purpose: Purpose, ctx: Ctx, actor: Staff, response: Response
) -> dict[str, Any]:
    claim = await casework.read_claim(ctx, claim_id=claim_id, actor=actor, purpose=purpose)
    _with_etag(response, claim.version)
    return _claim(claim)


@router.get("/claims/{claim_id}/audit", summary="Every change to a claim and every read of it")
async def read_audit(claim_id: Id, purpose: Purpose, ctx: Ctx, actor: Staff) -> dict[str, Any]:
    trail = await casework.audit_trail(ctx, claim_id=claim_id, actor=actor, purpose=purpose)
    return {"items": [{**r, "at": r["at"].isoformat()} for r in trail]}


@router.get("/claims/{claim_id}/work-items", response_model=WorkQueuePage, summary="A claim's work items")
async def claim_work(claim_id: Id, ctx: Ctx, actor: Staff) -> WorkQueuePage:
    items = await casework.claim_work(ctx, claim_id=claim_id, actor=actor)
    today = casework._today(ctx)
    return WorkQueuePage(items=[_item(i, today) for i in items])


@router.get("/claims/{claim_id}/assessment-periods", summary="Each assessment period's award")
async def claim_periods(claim_id: Id, ctx: Ctx, actor: Staff) -> dict[str, Any]:
    return {"items": [_period(p) for p in await casework.claim_periods(ctx, claim_id=claim_id, actor=actor)]}


class EvidenceRequest(EdgeModel):
    evidence: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=10)
    reason: str = Field(min_length=1, max_length=1000)


@router.post("/claims/{claim_id}/evidence-requests", summary="Ask the citizen for evidence (a to-do each)")
async def ask_for_evidence(
    claim_id: Id, body: EvidenceRequest, ctx: Ctx, actor: Staff, response: Response, if_match: IfMatch = None
) -> dict[str, Any]:
    claim = await casework.request_evidence(
        ctx,
        claim_id=claim_id,
        evidence=tuple(body.evidence),
        reason=body.reason,
        actor=actor,
        expected_version=version_from_if_match(if_match),
    )
    _with_etag(response, claim.version)
    return _claim(claim)


class StartBody(EdgeModel):
    reason: str = Field("", max_length=1000)


@router.post("/claims/{claim_id}/assessment/start", summary="Start assessing the claim")
async def start(
    claim_id: Id,
    ctx: Ctx,
    actor: Staff,
    response: Response,
    body: Annotated[StartBody | None, Body()] = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    claim = await casework.start_assessment(
        ctx,
        claim_id=claim_id,
        reason=body.reason if body else "",
        actor=actor,
        expected_version=version_from_if_match(if_match),
    )
    _with_etag(response, claim.version)
    return _claim(claim)


class GatherBody(EdgeModel):
    nhs_number: str | None = Field(None, min_length=10, max_length=12, pattern=r"^[0-9 ]+$")


@router.post(
    "/claims/{claim_id}/assessment/evidence", summary="HMRC earnings and NHS fit notes for the claim"
)
async def gather(
    claim_id: Id, ctx: Ctx, remote: Remote, actor: Staff, body: Annotated[GatherBody | None, Body()] = None
) -> Any:
    result = await casework.gather(
        ctx, remote, claim_id=claim_id, actor=actor, nhs_number=body.nhs_number if body else None
    )
    if isinstance(result, Waiting):
        return _waiting(result)
    return _gathered(result)


def _gathered(g: Gathered) -> dict[str, Any]:
    return {
        "period_start": g.period_start.isoformat(),
        "period_end": g.period_end.isoformat(),
        "earnings": g.earnings.model_dump(mode="json") if g.earnings else None,
        "fit_notes": g.fit_notes.model_dump(mode="json") if g.fit_notes else None,
    }


class LhaBody(EdgeModel):
    shared: int = Field(0, ge=0, le=10_000_000)
    one: int = Field(0, ge=0, le=10_000_000)
    two: int = Field(0, ge=0, le=10_000_000)
    three: int = Field(0, ge=0, le=10_000_000)
    four: int = Field(0, ge=0, le=10_000_000)


class AssessBody(EdgeModel):
    lha_rates: LhaBody | None = Field(None, description="The area's monthly LHA rates, for a private rent")


@router.post(
    "/claims/{claim_id}/assessment", summary="Ask the benefits service for the award (not a decision)"
)
async def assess(
    claim_id: Id, ctx: Ctx, remote: Remote, actor: Staff, body: Annotated[AssessBody | None, Body()] = None
) -> Any:
    lha = body.lha_rates.model_dump() if body and body.lha_rates else None
    result = await casework.assess(ctx, remote, claim_id=claim_id, actor=actor, lha_rates=lha)  # type: ignore[arg-type]
    if isinstance(result, Waiting):
        return _waiting(result)
    return _assessed(result)


class DecisionBody(EdgeModel):
    stage: Literal["initial", "human_review", "reconsideration", "appeal"] = "initial"
    outcome: Literal["award", "disallow"]
    """`Outcome`'s values (strict edge models take the JSON string)."""
    reasons: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(min_length=1, max_length=20)
    amount_pence: int | None = Field(
        None, ge=0, le=100_000_000, description="After a review, reconsideration or appeal, an award's amount"
    )
    assessment_id: str | None = Field(None, max_length=64)
    lha_rates: LhaBody | None = None


@router.post("/claims/{claim_id}/decisions", status_code=status.HTTP_201_CREATED, summary="Record a decision")
async def decide(
    claim_id: Id,
    body: DecisionBody,
    ctx: Ctx,
    remote: Remote,
    actor: Staff,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """An initial award is worked out by the benefits service (the amount is its answer, never typed);
    a disallowance needs reasons. A reconsideration is decided by a different decision maker; an appeal
    records the tribunal's decision."""
    version = version_from_if_match(if_match)
    reasons = tuple(body.reasons)
    assessed: Assessed | None = None
    if body.stage == "initial":
        lha = body.lha_rates.model_dump() if body.lha_rates else None
        result = await casework.decide_with_assessment(
            ctx,
            remote,
            claim_id=claim_id,
            actor=actor,
            reasons=reasons,
            outcome=Outcome(body.outcome),
            lha_rates=lha,  # type: ignore[arg-type]
            expected_version=version,
        )
        if isinstance(result, Waiting):
            return _waiting(result)
        claim, assessed = result
    else:
        claim = await casework.record_decision(
            ctx,
            claim_id=claim_id,
            stage=body.stage,
            outcome=Outcome(body.outcome),
            reasons=reasons,
            actor=actor,
            amount_pence=body.amount_pence,
            assessment_id=body.assessment_id,
            expected_version=version,
        )
    _with_etag(response, claim.version)
    decision = claim.latest_decision
    assert decision is not None
    return {
        "claim": _claim(claim),
        "decision": _decision(decision),
        "assessment": _assessed(assessed) if assessed else None,
    }


# --- internal: the workers ---------------------------------------------------------------------------


@internal.post(
    "/work-items/held-registrations",
    response_model=contract.WorkItemRef,
    summary="A registration the citizen service held, as a work item (once per hold)",
    responses={201: {"model": contract.WorkItemRef, "description": "The work item, opened now"}},
)
async def held_registration(
    body: contract.HeldRegistration, ctx: Ctx, caller: Workers, response: Response
) -> contract.WorkItemRef:
    item, created = await casework.open_held_registration(ctx, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return contract.WorkItemRef(work_item_id=item.id, created=created)


@internal.post(
    "/claims/{claim_id}/automatic-decision",
    response_model=contract.AutomaticOutcome,
    summary="The automatic path: award when nothing needs a person (else say why it was left)",
    responses={202: {"description": "Waiting on benefits or integrations, with a work item"}},
)
async def automatic_decision(claim_id: Id, ctx: Ctx, remote: Remote, caller: Workers) -> Any:
    result = await automation.decide_when_ready(ctx, remote, claim_id=claim_id)
    if isinstance(result, Waiting):
        return _waiting(result)
    claim, decision = result.claim, result.claim.latest_decision
    return contract.AutomaticOutcome(
        claim_id=claim.id,
        status=claim.status.value,
        left_for_a_person=result.left_for_a_person,
        decision=_decision(decision) if decision and decision.automated else None,
        assessment=_assessed(result.assessed) if result.assessed else None,
    )


@internal.post(
    "/payment-returns",
    response_model=contract.ReturnedPaymentRef,
    summary="A rejected or returned payment: a caseworker's work item and the citizen's to-do (once each)",
    responses={201: {"model": contract.ReturnedPaymentRef, "description": "Opened now"}},
)
async def payment_returned(
    body: contract.ReturnedPayment, ctx: Ctx, caller: Workers, response: Response
) -> contract.ReturnedPaymentRef:
    ref = await automation.open_returned_payment(ctx, body)
    response.status_code = status.HTTP_201_CREATED if ref.created else status.HTTP_200_OK
    return ref


@internal.get(
    "/claims/{claim_id}/notification-facts",
    response_model=contract.NotificationFacts,
    summary="What a message about a claim event needs (ids, kinds, dates; never free text)",
)
async def notification_facts(
    claim_id: Id,
    ctx: Ctx,
    caller: Workers,
    todo_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    decision_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    entry_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    period_end: date | None = None,
) -> contract.NotificationFacts:
    return await casework.notification_facts(
        ctx,
        claim_id=claim_id,
        todo_id=todo_id,
        decision_id=decision_id,
        entry_id=entry_id,
        period_end=period_end,
    )


@internal.get(
    "/assessment-periods/{period_end}/awards",
    response_model=contract.DueAwardsPage,
    summary="UC awards whose assessment period ends on a day, one shard a page at a time",
)
async def awards_due(
    period_end: date,
    ctx: Ctx,
    remote: Remote,
    caller: Workers,
    shard: Annotated[int, Query(ge=0, lt=contract.MAX_SHARDS)] = 0,
    shards: Annotated[int, Query(ge=1, le=contract.MAX_SHARDS)] = 1,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=contract.MAX_PAGE)] = contract.DEFAULT_PAGE,
) -> Any:
    page = await casework.awards_due(
        ctx, remote, period_end=period_end, shard=shard, shards=shards, cursor=cursor, limit=limit
    )
    if isinstance(page, Waiting):
        return _waiting(page)
    return page


@internal.put(
    "/claims/{claim_id}/assessment-periods/{period_end}/statement",
    response_model=contract.StoredStatement,
    summary="Store a period's award and statement (once per claim and period)",
    responses={201: {"model": contract.StoredStatement, "description": "Stored now"}},
)
async def store_statement(
    claim_id: Id,
    period_end: date,
    body: contract.PeriodStatement,
    ctx: Ctx,
    caller: Workers,
    response: Response,
) -> contract.StoredStatement:
    stored = await casework.store_statement(ctx, claim_id=claim_id, period_end=period_end, body=body)
    response.status_code = status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK
    return stored


@internal.post(
    "/assessment-periods/{period_end}/statements",
    response_model=contract.StoredStatements,
    summary="Store a page of periods' awards and statements in one transaction (each once)",
)
async def store_statements(
    period_end: date, body: contract.PeriodStatements, ctx: Ctx, caller: Workers
) -> contract.StoredStatements:
    return await casework.store_statements(ctx, period_end=period_end, body=body)


ERRORS: ErrorTable = {
    casework.WorkItemNotFound: ErrorMapping(404, "not-found", "Not found"),
    casework.WorkItemTaken: ErrorMapping(409, "work-item-taken", "Someone else has this work item"),
    casework.AssessmentRefused: ErrorMapping(422, "assessment-refused", "The assessment was refused"),
    casework.PartNotFound: ErrorMapping(404, "not-found", "Not found"),
    casework.PeriodNotCurrent: ErrorMapping(409, "period-not-current", "Not the award's current period"),
}
"""The casework errors, for the claims service's one error table (`app.ERRORS` includes them)."""


@asynccontextmanager
async def resources(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """What the casework routes need while the app runs (inside the claims lifespan, after the context):
    the clients for benefits, integrations and citizen (unless a test put its own on the app's state),
    and the scaling metric published once a minute."""
    owned: HttpUpstreams | None = None
    if getattr(app.state, "claims_upstreams", None) is None:
        owned = HttpUpstreams.from_settings(settings)
        app.state.claims_upstreams = owned
    try:
        async with metrics.publishing(app.state.claims_context):
            yield
    finally:
        if owned is not None:
            await owned.aclose()
            app.state.claims_upstreams = None
