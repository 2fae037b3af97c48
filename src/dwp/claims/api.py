"""HTTP for the claims service, the citizen's side: request and response shapes, and routes that call
the use cases. A citizen sees only their own claims (as claimant, or as the partner who joined a joint
claim); anyone else's is 404. Every read carries an ETag; every change needs If-Match (stale: 412,
missing: 428); starting and submitting a claim take an Idempotency-Key."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, Field, StrictBool, TypeAdapter

from dwp.claims import edge, service
from dwp.claims.deps import CitizenActor, Context, actor_of
from dwp.claims.domain.answers import SECTIONS, ClaimType
from dwp.claims.domain.checks import Question
from dwp.claims.domain.errors import FieldProblem, InvalidAnswers
from dwp.claims.domain.journal import LONGEST_MESSAGE, JournalEntry
from dwp.claims.domain.lifecycle import RULES, allowed_moves, open_questions, task_list
from dwp.claims.domain.model import Actor, Claim, Decision
from dwp.claims.service import ClaimantRequest, ClaimsContext, Person, SaveSection, StartClaim
from dwp.platform.auth import LEVELS_OF_CONFIDENCE, CitizenPrincipal, Principal
from dwp.platform.errors import PreconditionRequired
from dwp.platform.etag import make_etag, version_from_if_match
from dwp.platform.idempotency import Claim as KeyClaim
from dwp.platform.idempotency import Remember, StoredResponse, idempotent, request_fingerprint
from dwp.platform.models import EdgeModel
from dwp.platform.openapi import created_link

router = APIRouter(prefix="/v1/claims", tags=["claims"])

ClaimId = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class Strict(EdgeModel):
    """Request bodies: the platform's strict edge model (no unknown fields, no coercion)."""


ShortText = Annotated[str, Field(max_length=2000)]
DECLARATION_VERSION = "2026-12"
"""The version of the declaration text the frontend shows ("the information I have given is true and
complete..."); a submission names the version the claimant accepted."""


ClaimTypeName = Literal["universal_credit", "new_style_jsa", "new_style_esa"]
"""`ClaimType`'s values: an edge model takes the JSON string (strict mode refuses a bare enum)."""


class StartClaimBody(Strict):
    claim_type: ClaimTypeName
    joint: StrictBool = Field(False, description="A joint Universal Credit claim with a partner")


class ConfirmationBody(Strict):
    question: Annotated[str, Field(min_length=1, max_length=300, description="The question's key")]


class DeclarationBody(Strict):
    declaration: Annotated[
        str, Field(min_length=1, max_length=32, description="The version of the declaration accepted")
    ]


class WithdrawalBody(Strict):
    reason: ShortText = ""


class JoinBody(Strict):
    code: Annotated[str, Field(min_length=1, max_length=40)]


class ReconsiderationBody(Strict):
    grounds: ShortText
    late_reasons: ShortText = ""


class AppealBody(Strict):
    late_reasons: ShortText = ""


class HumanReviewBody(Strict):
    reason: ShortText = ""


class MessageBody(Strict):
    text: Annotated[str, Field(max_length=LONGEST_MESSAGE)]


# --- views ---------------------------------------------------------------------------------------


class Task(BaseModel):
    section: str
    state: Literal["not_started", "to_confirm", "completed"]


class QuestionView(BaseModel):
    key: str
    code: str
    field: str
    text: str
    confirmed: bool


class TodoView(BaseModel):
    id: str
    kind: str
    subject: str
    created_at: datetime
    due_on: date | None
    due_rule: str | None
    done_at: datetime | None
    how: str | None


class RightView(BaseModel):
    kind: str
    ask_by: date | None
    late_until: date | None
    source: str


class DecisionView(BaseModel):
    id: str
    kind: str
    outcome: str
    automated: bool
    made_at: datetime
    notified_on: date
    reasons: list[str]
    amount_pence: int | None
    assessment_id: str | None
    rights: list[RightView]


class PartnerView(BaseModel):
    invited: bool
    joined: bool
    confirmed: bool


class ClaimView(BaseModel):
    id: str
    claim_type: ClaimType
    status: str
    role: Literal["claimant", "partner"]
    joint: bool
    identity_verified: bool
    created_at: datetime
    submitted_at: datetime | None
    claim_date: date | None
    version: int
    tasks: list[Task]
    questions: list[QuestionView]
    answers: dict[str, Any]
    todos: list[TodoView]
    partner: PartnerView | None
    decision: DecisionView | None
    moves: list[str] = Field(description="What the claimant may do next")
    links: dict[str, str]


class ClaimSummary(BaseModel):
    id: str
    claim_type: ClaimType
    status: str
    joint: bool
    created_at: datetime
    submitted_at: datetime | None
    version: int
    links: dict[str, str]


class ClaimList(BaseModel):
    items: list[ClaimSummary]


class SavedSection(BaseModel):
    claim: ClaimView
    questions: list[QuestionView] = Field(description="Unusual answers in this section to confirm")


class Invitation(BaseModel):
    code: str = Field(description="Give this to your partner; it is shown once")
    expires_at: datetime
    claim: ClaimView


class TodoList(BaseModel):
    items: list[TodoView]


class DecisionList(BaseModel):
    items: list[DecisionView]


class JournalEntryView(BaseModel):
    id: str
    side: Literal["citizen", "dwp"]
    at: datetime
    text: str
    mine: bool


class Journal(BaseModel):
    items: list[JournalEntryView]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; none on the last")


@cache
def _answers_adapter(claim_type: ClaimType, section: str) -> TypeAdapter[Any]:
    return TypeAdapter(SECTIONS[claim_type][section])


def _todo(t: Any) -> TodoView:
    return TodoView(
        id=t.id,
        kind=t.kind.value,
        subject=t.subject,
        created_at=t.created_at,
        due_on=t.due.on if t.due else None,
        due_rule=t.due.rule if t.due else None,
        done_at=t.done_at,
        how=t.how,
    )


def _decision(d: Decision) -> DecisionView:
    return DecisionView(
        id=d.id,
        kind=d.kind.value,
        outcome=d.outcome.value,
        automated=d.automated,
        made_at=d.made_at,
        notified_on=d.notified_on,
        reasons=list(d.reasons),
        amount_pence=d.amount_pence,
        assessment_id=d.assessment_id,
        rights=[RightView(**asdict(r)) for r in d.rights],
    )


def _question(q: Question, claim: Claim) -> QuestionView:
    confirmed = q.key in claim.confirmed
    return QuestionView(key=q.key, code=q.code, field=q.field, text=q.text, confirmed=confirmed)


CITIZEN_MOVES = frozenset(m for m, rule in RULES.items() if "claimant" in rule.by)


def _view(claim: Claim, *, subject: str, at: datetime) -> ClaimView:
    questions = [_question(q, claim) for q in open_questions(claim, at)]
    partner = claim.partner
    return ClaimView(
        id=claim.id,
        claim_type=claim.claim_type,
        status=claim.status.value,
        role="partner" if partner is not None and partner.subject == subject else "claimant",
        joint=claim.joint,
        identity_verified=claim.claimant.identity_verified,
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
        claim_date=claim.claim_date,
        version=claim.version,
        tasks=[Task(section=name, state=state) for name, state in task_list(claim, at)],
        questions=questions,
        answers={
            name: _answers_adapter(claim.claim_type, name).dump_python(section, mode="json")
            for name, section in claim.answers.sections.items()
        },
        todos=[_todo(t) for t in claim.open_todos()],
        partner=PartnerView(
            invited=True, joined=partner.subject is not None, confirmed=partner.confirmed_at is not None
        )
        if partner is not None
        else None,
        decision=_decision(claim.latest_decision) if claim.latest_decision else None,
        moves=[m for m in allowed_moves(claim.status) if m in CITIZEN_MOVES],
        links={
            "self": f"/v1/claims/{claim.id}",
            "todos": f"/v1/claims/{claim.id}/todos",
            "journal": f"/v1/claims/{claim.id}/journal",
            "decisions": f"/v1/claims/{claim.id}/decisions",
        },
    )


def _summary(claim: Claim) -> ClaimSummary:
    return ClaimSummary(
        id=claim.id,
        claim_type=claim.claim_type,
        status=claim.status.value,
        joint=claim.joint,
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
        version=claim.version,
        links={"self": f"/v1/claims/{claim.id}"},
    )


def _etag(claim: Claim) -> str:
    return make_etag(claim.version)


IfMatch = Annotated[
    str | None, Header(alias="If-Match", max_length=200, description="The claim's ETag (required)")
]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


def _version(if_match: str | None) -> int:
    """The version a change names: If-Match is required on every change to a claim."""
    version = version_from_if_match(if_match)
    if version is None:
        raise PreconditionRequired("send If-Match with the claim's ETag")
    return version


def _person(principal: Principal, request: Request) -> Person:
    level = principal.level_of_confidence
    proven = level in LEVELS_OF_CONFIDENCE and LEVELS_OF_CONFIDENCE.index(level) >= 2  # P2 and above
    return Person(
        actor=actor_of(principal, request),
        citizen_id=principal.citizen_id if proven else None,
        identity_verified=proven,
    )


def _answer(ctx: ClaimsContext, subject: str, status_code: int = 200) -> Callable[[Claim], StoredResponse]:
    def render(claim: Claim) -> StoredResponse:
        headers = {"ETag": _etag(claim)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = f"/v1/claims/{claim.id}"
        return StoredResponse(
            status=status_code,
            body=_view(claim, subject=subject, at=ctx.clock()).model_dump(mode="json"),
            headers=headers,
        )

    return render


async def _once(
    request: Request,
    ctx: ClaimsContext,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    render: Callable[[Claim], StoredResponse],
    run: Callable[[Remember[Claim] | None], Awaitable[Claim]],
) -> Response:
    """Run a use case at most once per Idempotency-Key (its answer recorded in its transaction)."""
    assert ctx.idempotency is not None

    async def attempt(claim: KeyClaim | None) -> StoredResponse:
        return render(await run(Remember(claim, render) if claim else None))

    answer = await idempotent(
        ctx.idempotency,
        principal=principal.subject,
        key=key,
        request_hash=request_fingerprint(request.method, request.url.path, body.model_dump(mode="json")),
        run=attempt,
    )
    return answer.as_response()


def _send(response: Response, claim: Claim, ctx: ClaimsContext, actor: Actor) -> ClaimView:
    """The claim as the citizen sees it, with its ETag on the response."""
    response.headers["ETag"] = _etag(claim)
    return _view(claim, subject=actor.subject, at=ctx.clock())


# --- routes --------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimView,
    summary="Start a claim (a draft); with an Idempotency-Key, the same key twice starts one claim",
    responses=created_link("GetClaim", "/v1/claims/{claim_id}", "claim_id"),
)
async def start_claim(
    body: StartClaimBody,
    request: Request,
    ctx: Context,
    principal: CitizenPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    person = _person(principal, request)
    command = StartClaim(claim_type=ClaimType(body.claim_type), joint=body.joint)
    return await _once(
        request,
        ctx,
        principal,
        idempotency_key,
        body,
        _answer(ctx, principal.subject, status.HTTP_201_CREATED),
        lambda remember: service.start_claim(ctx, command, person=person, remember=remember),
    )


@router.get("", response_model=ClaimList, summary="Your claims, newest first")
async def list_claims(ctx: Context, principal: CitizenPrincipal) -> ClaimList:
    return ClaimList(items=[_summary(c) for c in await service.claims_of(ctx, subject=principal.subject)])


@router.post(
    "/join",
    response_model=ClaimView,
    summary="Join your partner's joint claim with the code they gave you, under your own sign-in",
)
async def join_claim(
    body: JoinBody, request: Request, response: Response, ctx: Context, principal: CitizenPrincipal
) -> ClaimView:
    person = _person(principal, request)
    claim = await service.join_claim(ctx, code=body.code, person=person)
    return _send(response, claim, ctx, person.actor)


@router.get("/{claim_id}", response_model=ClaimView, summary="One of your claims, with its task list")
async def read_claim(claim_id: str, response: Response, ctx: Context, actor: CitizenActor) -> ClaimView:
    claim = await service.get_claim(ctx, claim_id=claim_id, actor=actor)
    return _send(response, claim, ctx, actor)


SECTION_BODY, SECTION_SCHEMAS = edge.section_components()
_SECTION_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": SECTION_BODY}}}}


@router.put(
    "/{claim_id}/sections/{section}",
    response_model=SavedSection,
    openapi_extra=_SECTION_BODY,
    summary="Save one section of a draft; answers that cannot be true are 422, unusual ones questions",
)
async def save_section(
    claim_id: str,
    section: Annotated[str, Field(max_length=40, pattern=r"^[a-z_]{1,40}$")],
    request: Request,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> SavedSection:
    version = _version(if_match)
    # The claim type says which shape the body has; a claim's type never changes, so reading it first
    # (which also refuses another citizen's claim as 404) cannot race with the save.
    current = await service.get_claim(ctx, claim_id=claim_id, actor=actor)
    answers = edge.parse_section(current.claim_type, section, await request.body())
    claim, questions = await service.save_section(
        ctx, SaveSection(claim_id, section, answers, expected_version=version), actor=actor
    )
    return SavedSection(
        claim=_send(response, claim, ctx, actor),
        questions=[_question(q, claim) for q in questions],
    )


@router.post(
    "/{claim_id}/confirmations",
    response_model=ClaimView,
    summary="Confirm that an unusual answer is right",
)
async def confirm_question(
    claim_id: str,
    body: ConfirmationBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    claim = await service.confirm_question(
        ctx,
        claim_id=claim_id,
        key=body.question,
        actor=actor,
        expected_version=_version(if_match),
    )
    return _send(response, claim, ctx, actor)


@router.post(
    "/{claim_id}/partner-invitation",
    status_code=status.HTTP_201_CREATED,
    response_model=Invitation,
    summary="Invite your partner to a joint claim: a code to give them (inviting again replaces it)",
)
async def invite_partner(
    claim_id: str, response: Response, ctx: Context, actor: CitizenActor, if_match: IfMatch = None
) -> Invitation:
    claim, code, expires = await service.invite_partner(
        ctx, claim_id=claim_id, actor=actor, expected_version=_version(if_match)
    )
    response.headers["Cache-Control"] = "no-store"
    return Invitation(code=code, expires_at=expires, claim=_send(response, claim, ctx, actor))


@router.post(
    "/{claim_id}/partner-confirmation",
    response_model=ClaimView,
    summary="The partner who joined confirms their part of a joint claim, with the declaration",
)
async def confirm_partner(
    claim_id: str,
    body: DeclarationBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    claim = await service.confirm_partner(
        ctx,
        claim_id=claim_id,
        actor=actor,
        declaration=body.declaration,
        expected_version=_version(if_match),
    )
    return _send(response, claim, ctx, actor)


@router.post(
    "/{claim_id}/submission",
    response_model=ClaimView,
    summary="Submit the claim with the declaration; with an Idempotency-Key, a retry replays the answer",
)
async def submit_claim(
    claim_id: str,
    body: DeclarationBody,
    request: Request,
    ctx: Context,
    principal: CitizenPrincipal,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    version = _version(if_match)
    actor = actor_of(principal, request)
    return await _once(
        request,
        ctx,
        principal,
        idempotency_key,
        body,
        _answer(ctx, principal.subject),
        lambda remember: service.submit_claim(
            ctx,
            claim_id=claim_id,
            actor=actor,
            declaration=body.declaration,
            expected_version=version,
            remember=remember,
        ),
    )


@router.post("/{claim_id}/withdrawal", response_model=ClaimView, summary="Withdraw the claim")
async def withdraw_claim(
    claim_id: str,
    body: WithdrawalBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    claim = await service.withdraw_claim(
        ctx,
        claim_id=claim_id,
        actor=actor,
        reason=body.reason,
        expected_version=_version(if_match),
    )
    return _send(response, claim, ctx, actor)


@router.get("/{claim_id}/todos", response_model=TodoList, summary="What you need to do for this claim")
async def todos(claim_id: str, response: Response, ctx: Context, actor: CitizenActor) -> TodoList:
    claim = await service.get_claim(ctx, claim_id=claim_id, actor=actor)
    response.headers["ETag"] = _etag(claim)
    return TodoList(items=[_todo(t) for t in claim.open_todos()])


@router.post(
    "/{claim_id}/todos/{todo_id}/completion",
    response_model=ClaimView,
    summary="Mark one of your to-dos done (confirm your address, accept your claimant commitment...)",
)
async def complete_todo(
    claim_id: str,
    todo_id: Annotated[str, Field(max_length=36)],
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    claim = await service.complete_todo(
        ctx,
        claim_id=claim_id,
        todo_id=todo_id,
        actor=actor,
        expected_version=_version(if_match),
    )
    return _send(response, claim, ctx, actor)


@router.get("/{claim_id}/decisions", response_model=DecisionList, summary="Decisions, with your rights")
async def decisions(claim_id: str, response: Response, ctx: Context, actor: CitizenActor) -> DecisionList:
    claim = await service.get_claim(ctx, claim_id=claim_id, actor=actor)
    response.headers["ETag"] = _etag(claim)
    return DecisionList(items=[_decision(d) for d in claim.decisions])


@router.post(
    "/{claim_id}/reconsideration-request",
    response_model=ClaimView,
    summary="Ask for a mandatory reconsideration (within a month of the decision; later with reasons)",
)
async def request_reconsideration(
    claim_id: str,
    body: ReconsiderationBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    command = ClaimantRequest(claim_id, _version(if_match), body.grounds, body.late_reasons)
    claim = await service.request_reconsideration(ctx, command, actor=actor)
    return _send(response, claim, ctx, actor)


@router.post(
    "/{claim_id}/appeal",
    response_model=ClaimView,
    summary="Appeal to the First-tier Tribunal against a mandatory reconsideration notice",
)
async def appeal(
    claim_id: str,
    body: AppealBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    command = ClaimantRequest(claim_id, _version(if_match), late_reasons=body.late_reasons)
    claim = await service.appeal(ctx, command, actor=actor)
    return _send(response, claim, ctx, actor)


@router.post(
    "/{claim_id}/human-review-request",
    response_model=ClaimView,
    summary="Ask for a person to review an automatic decision (UK GDPR Art. 22)",
)
async def request_human_review(
    claim_id: str,
    body: HumanReviewBody,
    response: Response,
    ctx: Context,
    actor: CitizenActor,
    if_match: IfMatch = None,
) -> ClaimView:
    command = ClaimantRequest(claim_id, _version(if_match), grounds=body.reason)
    claim = await service.request_human_review(ctx, command, actor=actor)
    return _send(response, claim, ctx, actor)


def _entry(entry: JournalEntry, subject: str) -> JournalEntryView:
    mine = entry.author == subject
    return JournalEntryView(id=entry.id, side=entry.side, at=entry.at, text=entry.text, mine=mine)


def _cursor(entry: JournalEntry) -> str:
    return base64.urlsafe_b64encode(f"{entry.at.isoformat()}|{entry.id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    """The message a cursor names; one that is not ours is a 422 naming `cursor`."""
    if cursor is None:
        return None
    try:
        at, entry_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        moment = datetime.fromisoformat(at)
    except ValueError as error:
        raise InvalidAnswers(
            [FieldProblem("cursor", "is not a cursor this service gave", "cursor")]
        ) from error
    if moment.tzinfo is None:
        raise InvalidAnswers([FieldProblem("cursor", "is not a cursor this service gave", "cursor")])
    return moment, entry_id


Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
PageSize = Annotated[int, Query(ge=1, le=200)]


@router.get(
    "/{claim_id}/journal", response_model=Journal, summary="Messages between you and DWP, oldest first"
)
async def read_journal(
    claim_id: str, ctx: Context, actor: CitizenActor, cursor: Cursor = None, limit: PageSize = 50
) -> Journal:
    entries = await service.journal(
        ctx, claim_id=claim_id, actor=actor, after=_after(cursor), limit=limit + 1
    )
    page, more = entries[:limit], len(entries) > limit
    return Journal(
        items=[_entry(e, actor.subject) for e in page], next_cursor=_cursor(page[-1]) if more else None
    )


@router.post(
    "/{claim_id}/journal",
    status_code=status.HTTP_201_CREATED,
    response_model=JournalEntryView,
    summary="Send DWP a message about this claim",
)
async def post_message(
    claim_id: str, body: MessageBody, ctx: Context, actor: CitizenActor
) -> JournalEntryView:
    entry = await service.post_to_journal(ctx, claim_id=claim_id, actor=actor, text=body.text)
    return _entry(entry, actor.subject)
