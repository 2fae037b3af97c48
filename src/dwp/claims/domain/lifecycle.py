"""The claim lifecycle: the table of allowed moves, and one domain function per move that checks it,
and returns the new claim with an audit record and its events (and any work items it opens).

Why a table and not a state-machine library (python-statemachine, transitions): the rules that matter
here are not the arrows but the guards on them (one month from a notice, a different decision maker, an
automatic decision that may only award), and each guard must refuse with an error that names its field.
The libraries model guards as booleans on a mutable model object, whereas our claim is a frozen value
and a move returns a new one. A plain table of (move, from, to, who) is the whole machine; docs/claims.md
prints it and the tests are generated from that page, so the page, the code and the tests cannot differ.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal, NotRequired, TypedDict, Unpack

from dwp.claims.domain import rights
from dwp.claims.domain.answers import SECTIONS, Answers, ClaimType, Section
from dwp.claims.domain.checks import CheckContext, Question, check_claim, check_section
from dwp.claims.domain.dates import uk_date
from dwp.claims.domain.errors import (
    AutomatedDisallowForbidden,
    ClaimNotEditable,
    ClaimNotFound,
    DeclarationRequired,
    EvidenceOutstanding,
    FieldProblem,
    IncompleteClaim,
    InvalidAnswers,
    InvalidJoinCode,
    MoveNotAllowed,
    NotAutomated,
    NotPermitted,
    NotReconsiderable,
    PartnerNotConfirmed,
    ReconsiderationRequired,
    SameDecisionMaker,
    TodoClosed,
    TodoNotFound,
    UnconfirmedAnswers,
    UnknownQuestion,
)
from dwp.claims.domain.events import (
    AppealLodged,
    AssessmentStarted,
    ClaimClosed,
    ClaimEvent,
    ClaimStarted,
    ClaimSubmitted,
    ClaimWithdrawn,
    DecisionMade,
    EvidenceRequested,
    HumanReviewRequested,
    PartnerConfirmed,
    PartnerInvited,
    PartnerJoined,
    ReconsiderationRequested,
    TodoAdded,
    TodoDone,
)
from dwp.claims.domain.model import (
    Actor,
    AuditRecord,
    Challenge,
    Claim,
    Claimant,
    Decision,
    DecisionKind,
    JointPartner,
    Outcome,
    Status,
    Todo,
    TodoKind,
    check_version,
)
from dwp.claims.domain.text import text_problem
from dwp.claims.domain.todos import COMPLETED_BY, role_of, todos_on_submission
from dwp.claims.domain.work import (
    WorkItem,
    WorkKind,
    appeal_response_due,
    evidence_due,
    first_payment_due,
)

NewId = Callable[[], str]
S = Status
TRIBUNAL = "first-tier-tribunal"


@dataclass(frozen=True)
class MoveRule:
    move: str
    sources: frozenset[Status]
    targets: frozenset[Status]
    by: frozenset[str]
    """Who may make it: `claimant` (the claim's own citizen or joint partner), `caseworker`, `system`."""
    summary: str


def _rule(move: str, sources: set[Status], targets: set[Status], by: set[str], summary: str) -> MoveRule:
    return MoveRule(move, frozenset(sources), frozenset(targets), frozenset(by), summary)


DECIDED = {S.AWARDED, S.DISALLOWED}
MOVES: tuple[MoveRule, ...] = (
    _rule("submit", {S.DRAFT}, {S.SUBMITTED}, {"claimant"}, "submit the answers with the declaration"),
    _rule(
        "withdraw",
        {S.DRAFT, S.SUBMITTED, S.AWAITING_EVIDENCE, S.UNDER_ASSESSMENT},
        {S.WITHDRAWN},
        {"claimant"},
        "the claimant withdraws the claim before it is decided",
    ),
    _rule(
        "request_evidence",
        {S.SUBMITTED, S.UNDER_ASSESSMENT},
        {S.AWAITING_EVIDENCE},
        {"caseworker", "system"},
        "ask the citizen for evidence (a to-do each)",
    ),
    _rule(
        "start_assessment",
        {S.SUBMITTED, S.AWAITING_EVIDENCE},
        {S.UNDER_ASSESSMENT},
        {"caseworker", "system"},
        "assess the claim (the system only once no evidence is outstanding)",
    ),
    _rule("award", {S.UNDER_ASSESSMENT}, {S.AWARDED}, {"caseworker", "system"}, "decide to award"),
    _rule(
        "disallow",
        {S.UNDER_ASSESSMENT},
        {S.DISALLOWED},
        {"caseworker"},
        "decide not to award (a person only)",
    ),
    _rule(
        "request_human_review",
        {S.AWARDED},
        {S.HUMAN_REVIEW},
        {"claimant"},
        "ask for a person to review an automatic decision (UK GDPR Art. 22)",
    ),
    _rule("decide_human_review", {S.HUMAN_REVIEW}, DECIDED, {"caseworker"}, "a person decides again"),
    _rule(
        "request_reconsideration",
        DECIDED,
        {S.RECONSIDERATION},
        {"claimant"},
        "ask for a mandatory reconsideration: one month, or late up to 13 months with reasons",
    ),
    _rule(
        "decide_reconsideration",
        {S.RECONSIDERATION},
        DECIDED,
        {"caseworker"},
        "a different decision maker issues the mandatory reconsideration notice",
    ),
    _rule(
        "appeal", DECIDED, {S.APPEAL}, {"claimant"}, "appeal to the tribunal after a reconsideration notice"
    ),
    _rule("record_appeal_outcome", {S.APPEAL}, DECIDED, {"caseworker"}, "record the tribunal's decision"),
    _rule(
        "close", DECIDED, {S.CLOSED}, {"caseworker", "system"}, "the award ends, or a disallowance is final"
    ),
)
RULES: dict[str, MoveRule] = {r.move: r for r in MOVES}


def allowed_moves(status: Status) -> tuple[str, ...]:
    return tuple(r.move for r in MOVES if status in r.sources)


def _allowed_from(claim: Claim, move: str, actor: Actor) -> None:
    """The table first: a move the lifecycle forbids is refused as that, before any other rule (but
    never to a citizen whose claim it is not: for them it does not exist)."""
    if actor.kind == "citizen" and role_of(actor, claim) is None:
        raise ClaimNotFound("There is no such claim")
    if claim.status not in RULES[move].sources:
        raise MoveNotAllowed(move, claim.status.value)


@dataclass(frozen=True)
class Transition:
    """What a change to a claim leaves behind: the new claim, its audit record, its events and any work
    items it opens, all to be saved in one transaction."""

    claim: Claim
    audit: AuditRecord
    events: tuple[ClaimEvent, ...] = ()
    work_items: tuple[WorkItem, ...] = ()


def _authorise(by: frozenset[str], claim: Claim, actor: Actor, move: str) -> str:
    role = role_of(actor, claim)
    if role is None and actor.kind == "citizen":
        # Another citizen's claim does not exist for them (DESIGN.md 3).
        raise ClaimNotFound("There is no such claim")
    if role not in by:
        raise NotPermitted(f"{move} is for the {' or '.join(sorted(by))}")
    assert role is not None
    return role


def _change(
    claim: Claim,
    action: str,
    actor: Actor,
    at: datetime,
    *,
    reason: str | None = None,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
    **changes: object,
) -> tuple[Claim, AuditRecord]:
    new = replace(claim, **changes, version=claim.version + 1)  # type: ignore[arg-type]
    audit = AuditRecord(
        claim_id=claim.id,
        action=action,
        actor_subject=actor.subject,
        actor_kind=actor.kind,
        at=at,
        reason=reason,
        before={"status": claim.status.value, "version": claim.version, **(before or {})},
        after={"status": new.status.value, "version": new.version, **(after or {})},
        request_id=actor.request_id,
    )
    return new, audit


def _move(
    claim: Claim,
    move: str,
    actor: Actor,
    at: datetime,
    to: Status,
    *,
    expected_version: int | None = None,
    **kwargs: object,
) -> tuple[Claim, AuditRecord, str]:
    """Check a move against the table (status, target, who), then make it."""
    rule = RULES[move]
    _allowed_from(claim, move, actor)
    check_version(claim, expected_version)
    if to not in rule.targets:
        raise MoveNotAllowed(move, claim.status.value, f"{move} cannot lead to {to.value}")
    role = _authorise(rule.by, claim, actor, move)
    new, audit = _change(claim, move, actor, at, status=to, **kwargs)  # type: ignore[arg-type]
    return new, audit, role


def _reason(field: str, value: str, *, required: bool = True) -> str:
    problem = text_problem(field, value, required=required)
    if problem is not None:
        raise InvalidAnswers([problem])
    return value


# --- Drafting ------------------------------------------------------------------------------------


def start_claim(
    *, claim_id: str, claim_type: ClaimType, claimant: Claimant, at: datetime, joint: bool = False
) -> Transition:
    """A new draft, keyed on the claimant's One Login subject (proven at P2 or not yet)."""
    if joint and claim_type != ClaimType.UNIVERSAL_CREDIT:
        raise InvalidAnswers([FieldProblem("joint", "only Universal Credit is claimed jointly")])
    claim = Claim(id=claim_id, claim_type=claim_type, claimant=claimant, created_at=at, joint=joint)
    actor = Actor(claimant.subject, "citizen")
    audit = AuditRecord(
        claim_id, "start", actor.subject, "citizen", at, None, {}, {"status": "draft", "version": 1}
    )
    return Transition(claim, audit, (ClaimStarted(claim_id, at, claim_type.value),))


def check_context(claim: Claim, at: datetime) -> CheckContext:
    return CheckContext(claim.claim_type, claim.joint, uk_date(at), claim.claimant.date_of_birth)


def _editable(claim: Claim, actor: Actor, action: str) -> None:
    _authorise(frozenset({"claimant"}), claim, actor, action)
    if claim.status != Status.DRAFT:
        raise ClaimNotEditable("answers can be changed only before the claim is submitted")


def save_section(
    claim: Claim,
    name: str,
    answers: Section,
    *,
    actor: Actor,
    at: datetime,
    expected_version: int | None = None,
) -> tuple[Transition, tuple[Question, ...]]:
    """Save one section of a draft, checked for the claim type; returns the questions to confirm.
    Confirmations of questions that no longer arise are dropped."""
    check_version(claim, expected_version)
    _editable(claim, actor, "save_section")
    questions = check_section(name, answers, check_context(claim, at))
    sections = {**claim.answers.sections, name: answers}
    updated = replace(claim, answers=Answers(sections))
    still = {q.key for q in open_questions(updated, at)}
    new, audit = _change(
        claim,
        "save_section",
        actor,
        at,
        after={"section": name},
        answers=Answers(sections),
        confirmed=claim.confirmed & still,
    )
    return Transition(new, audit), questions


def open_questions(claim: Claim, at: datetime) -> tuple[Question, ...]:
    """Every question the saved answers raise now, confirmed or not (a section that no longer checks
    out, such as one saved before the claimant's date of birth was known, raises none here)."""
    ctx = check_context(claim, at)
    try:
        return check_claim(claim.answers, ctx)
    except InvalidAnswers:
        found: list[Question] = []
        for name, section in claim.answers.sections.items():
            try:
                found.extend(check_section(name, section, ctx))
            except InvalidAnswers:
                continue
        return tuple(found)


TaskState = Literal["not_started", "to_confirm", "completed"]


def task_list(claim: Claim, at: datetime) -> tuple[tuple[str, TaskState], ...]:
    """Each section of the claim with where it stands (the GOV.UK task list pattern): not started,
    saved with answers still to confirm, or completed."""
    waiting = {q.field.split(".")[0] for q in open_questions(claim, at) if q.key not in claim.confirmed}
    return tuple(
        (
            name,
            "not_started"
            if name not in claim.answers.sections
            else "to_confirm"
            if name in waiting
            else "completed",
        )
        for name in SECTIONS[claim.claim_type]
    )


def confirm_answer(
    claim: Claim, key: str, *, actor: Actor, at: datetime, expected_version: int | None = None
) -> Transition:
    """The citizen confirms an unusual answer is right."""
    check_version(claim, expected_version)
    _editable(claim, actor, "confirm_answer")
    if key not in {q.key for q in open_questions(claim, at)}:
        raise UnknownQuestion("there is no such question to confirm on this claim")
    new, audit = _change(
        claim, "confirm_answer", actor, at, after={"question": key}, confirmed=claim.confirmed | {key}
    )
    return Transition(new, audit)


def invite_partner(claim: Claim, *, actor: Actor, at: datetime, code_digest: str) -> Transition:
    """Start inviting the second partner of a joint claim; the service makes the code and keeps only
    its digest here."""
    _editable(claim, actor, "invite_partner")
    if not claim.joint:
        raise PartnerNotConfirmed("only a joint claim has a partner to invite")
    new, audit = _change(claim, "invite_partner", actor, at, partner=JointPartner(code_digest))
    return Transition(new, audit, (PartnerInvited(claim.id, at),))


def join_as_partner(
    claim: Claim, *, actor: Actor, at: datetime, code_digest: str, identity_verified: bool
) -> Transition:
    partner = claim.partner
    if claim.status != Status.DRAFT or partner is None or partner.subject is not None:
        raise InvalidJoinCode("this code is not valid")
    if actor.kind != "citizen" or actor.subject == claim.claimant.subject:
        raise NotPermitted("the partner joins with their own sign-in")
    if not hmac.compare_digest(partner.code_digest, code_digest):
        raise InvalidJoinCode("this code is not valid")
    joined = replace(partner, subject=actor.subject, joined_at=at, identity_verified=identity_verified)
    new, audit = _change(claim, "join_as_partner", actor, at, partner=joined)
    return Transition(new, audit, (PartnerJoined(claim.id, at),))


def confirm_partner(claim: Claim, *, actor: Actor, at: datetime, declaration: str | None) -> Transition:
    """The joined partner confirms their part of the answers, with the declaration."""
    partner = claim.partner
    if (
        partner is None
        or partner.subject is None
        or actor.subject != partner.subject
        or actor.kind != "citizen"
    ):
        raise NotPermitted("only the partner who joined confirms their part")
    if claim.status != Status.DRAFT:
        raise ClaimNotEditable("the claim has been submitted")
    if not declaration:
        raise DeclarationRequired("confirm the declaration that your answers are true")
    new, audit = _change(claim, "confirm_partner", actor, at, partner=replace(partner, confirmed_at=at))
    return Transition(new, audit, (PartnerConfirmed(claim.id, at),))


# --- Moves ---------------------------------------------------------------------------------------


def submit(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    declaration: str | None,
    new_id: NewId,
    expected_version: int | None = None,
) -> Transition:
    """Submit a complete draft. `declaration` is the version of the declaration text accepted."""
    _allowed_from(claim, "submit", actor)
    _authorise(RULES["submit"].by, claim, actor, "submit")
    missing = tuple(s for s in SECTIONS[claim.claim_type] if s not in claim.answers.sections)
    if missing:
        raise IncompleteClaim(missing)
    questions = check_claim(claim.answers, check_context(claim, at))
    unconfirmed = tuple(q.key for q in questions if q.key not in claim.confirmed)
    if unconfirmed:
        raise UnconfirmedAnswers(unconfirmed)
    if claim.joint and (claim.partner is None or claim.partner.confirmed_at is None):
        raise PartnerNotConfirmed("your partner must join the claim and confirm their part first")
    if not declaration:
        raise DeclarationRequired("confirm the declaration that your answers are true and complete")
    claim_date = uk_date(at)
    todos = todos_on_submission(claim, at=at, new_id=new_id)
    new, audit, _ = _move(
        claim,
        "submit",
        actor,
        at,
        S.SUBMITTED,
        expected_version=expected_version,
        after={"claim_date": claim_date.isoformat(), "todos": [t.id for t in todos]},
        declaration=declaration,
        submitted_at=at,
        claim_date=claim_date,
        todos=claim.todos + todos,
    )
    due = first_payment_due(claim_date) if claim.claim_type == ClaimType.UNIVERSAL_CREDIT else None
    work = WorkItem(new_id(), WorkKind.ASSESS_CLAIM, claim.id, claim.claim_type, S.SUBMITTED, at, due=due)
    extra: list[WorkItem] = [work]
    if any(t.kind == TodoKind.VERIFY_IDENTITY for t in todos):
        # For someone who cannot prove their identity online, a Jobcentre checks it in person.
        extra.append(
            WorkItem(
                new_id(), WorkKind.VERIFY_IDENTITY_IN_PERSON, claim.id, claim.claim_type, S.SUBMITTED, at
            )
        )
    events: tuple[ClaimEvent, ...] = (
        ClaimSubmitted(claim.id, at, claim.claim_type.value, claim_date),
        *(TodoAdded(claim.id, at, t.id, t.kind.value) for t in todos),
    )
    return Transition(new, audit, events, tuple(extra))


def withdraw(
    claim: Claim, *, actor: Actor, at: datetime, reason: str = "", expected_version: int | None = None
) -> Transition:
    new, audit, _ = _move(
        claim,
        "withdraw",
        actor,
        at,
        S.WITHDRAWN,
        expected_version=expected_version,
        reason=_reason("reason", reason, required=False) or None,
    )
    return Transition(new, audit, (ClaimWithdrawn(claim.id, at),))


def request_evidence(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    evidence: tuple[str, ...],
    reason: str,
    new_id: NewId,
    expected_version: int | None = None,
) -> Transition:
    """Ask the citizen for evidence: one upload to-do for each thing asked for, due in a month."""
    _allowed_from(claim, "request_evidence", actor)
    if not evidence:
        raise InvalidAnswers([FieldProblem("evidence", "say what evidence is needed", "required")])
    for i, item in enumerate(evidence):
        _reason(f"evidence.{i}", item)
    due = evidence_due(uk_date(at))
    todos = tuple(Todo(new_id(), TodoKind.UPLOAD_EVIDENCE, at, subject=e, due=due) for e in evidence)
    new, audit, _ = _move(
        claim,
        "request_evidence",
        actor,
        at,
        S.AWAITING_EVIDENCE,
        expected_version=expected_version,
        reason=_reason("reason", reason),
        after={"todos": [t.id for t in todos]},
        todos=claim.todos + todos,
    )
    events = (
        EvidenceRequested(claim.id, at, tuple(t.id for t in todos)),
        *(TodoAdded(claim.id, at, t.id, t.kind.value) for t in todos),
    )
    return Transition(new, audit, events)


def start_assessment(
    claim: Claim, *, actor: Actor, at: datetime, reason: str = "", expected_version: int | None = None
) -> Transition:
    """Begin assessing. While evidence is outstanding only a caseworker may go on, and says why."""
    _allowed_from(claim, "start_assessment", actor)
    outstanding = claim.open_todos(TodoKind.UPLOAD_EVIDENCE)
    if (
        claim.status == S.AWAITING_EVIDENCE
        and outstanding
        and (actor.kind != "caseworker" or not reason.strip())
    ):
        raise EvidenceOutstanding(
            f"{len(outstanding)} piece(s) of evidence outstanding: a caseworker may go on without, saying why"
        )
    new, audit, _ = _move(
        claim,
        "start_assessment",
        actor,
        at,
        S.UNDER_ASSESSMENT,
        expected_version=expected_version,
        reason=_reason("reason", reason, required=False) or None,
    )
    return Transition(new, audit, (AssessmentStarted(claim.id, at),))


class DecisionTerms(TypedDict):
    """What a decision maker states on a review, reconsideration or tribunal outcome."""

    decision_id: str
    outcome: Outcome
    reasons: tuple[str, ...]
    amount_pence: NotRequired[int | None]
    assessment_id: NotRequired[str | None]
    expected_version: NotRequired[int | None]


def _decide(
    claim: Claim,
    move: str,
    kind: DecisionKind,
    *,
    actor: Actor,
    at: datetime,
    decision_id: str,
    outcome: Outcome,
    reasons: tuple[str, ...],
    amount_pence: int | None = None,
    expected_version: int | None = None,
    assessment_id: str | None = None,
) -> Transition:
    if not reasons:
        raise InvalidAnswers([FieldProblem("reasons", "give the reasons for the decision", "required")])
    for i, r in enumerate(reasons):
        _reason(f"reasons.{i}", r)
    if outcome == Outcome.AWARD and (amount_pence is None or amount_pence < 0):
        raise InvalidAnswers([FieldProblem("amount_pence", "an award states its amount", "required")])
    if outcome == Outcome.DISALLOW:
        if actor.kind == "system":
            raise AutomatedDisallowForbidden("an automatic decision never disallows: a decision maker must")
        amount_pence = None
    if actor.kind == "system" and not amount_pence:
        # A nil award is a disallowance in all but name, so it too is for a person to make.
        raise AutomatedDisallowForbidden(
            "an automatic decision never makes a nil award: a decision maker must"
        )
    automated = actor.kind == "system"
    notified_on = uk_date(at)
    decision = Decision(
        id=decision_id,
        kind=kind,
        outcome=outcome,
        # A caseworker records the tribunal's decision; the audit record names who recorded it.
        made_by=TRIBUNAL if kind == DecisionKind.APPEAL else actor.subject,
        automated=automated,
        made_at=at,
        notified_on=notified_on,
        reasons=reasons,
        rights=rights.rights_for(kind, notified_on, automated=automated),
        amount_pence=amount_pence,
        assessment_id=assessment_id,
    )
    to = S.AWARDED if outcome == Outcome.AWARD else S.DISALLOWED
    new, audit, _ = _move(
        claim,
        move,
        actor,
        at,
        to,
        expected_version=expected_version,
        reason="; ".join(reasons),
        after={"decision": decision_id, "outcome": outcome.value, "automated": automated},
        decisions=(*claim.decisions, decision),
    )
    return Transition(
        new, audit, (DecisionMade(claim.id, at, decision_id, kind.value, outcome.value, automated),)
    )


def award(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    decision_id: str,
    reasons: tuple[str, ...],
    amount_pence: int,
    assessment_id: str | None = None,
    expected_version: int | None = None,
) -> Transition:
    """Award the claim. Made by the system, it is recorded as automated with the right to a person's
    review stated on its notice."""
    return _decide(
        claim,
        "award",
        DecisionKind.INITIAL,
        outcome=Outcome.AWARD,
        actor=actor,
        at=at,
        decision_id=decision_id,
        reasons=reasons,
        amount_pence=amount_pence,
        expected_version=expected_version,
        assessment_id=assessment_id,
    )


def disallow(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    decision_id: str,
    reasons: tuple[str, ...],
    expected_version: int | None = None,
) -> Transition:
    _allowed_from(claim, "disallow", actor)
    if actor.kind == "system":
        raise AutomatedDisallowForbidden("an automatic decision never disallows: a decision maker must")
    return _decide(
        claim,
        "disallow",
        DecisionKind.INITIAL,
        outcome=Outcome.DISALLOW,
        actor=actor,
        at=at,
        decision_id=decision_id,
        reasons=reasons,
        amount_pence=None,
        expected_version=expected_version,
    )


def _challenged(claim: Claim, kind: str, decision_id: str) -> bool:
    return any(c.kind == kind and c.decision_id == decision_id for c in claim.challenges)


def request_human_review(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    reason: str,
    new_id: NewId,
    expected_version: int | None = None,
) -> Transition:
    """Ask for a person to look again at an automatic decision (UK GDPR Art. 22(3))."""
    _allowed_from(claim, "request_human_review", actor)
    decision = claim.latest_decision
    if decision is None or not decision.automated:
        raise NotAutomated("a person's review is of an automatic decision; ask for a reconsideration instead")
    if _challenged(claim, "human_review", decision.id):
        raise NotAutomated("a person has already been asked to review this decision")
    challenge = Challenge(
        "human_review", decision.id, uk_date(at), reasons=_reason("reason", reason, required=False)
    )
    new, audit, _ = _move(
        claim,
        "request_human_review",
        actor,
        at,
        S.HUMAN_REVIEW,
        expected_version=expected_version,
        reason=reason or None,
        after={"decision": decision.id},
        challenges=(*claim.challenges, challenge),
    )
    work = WorkItem(new_id(), WorkKind.HUMAN_REVIEW, claim.id, claim.claim_type, S.HUMAN_REVIEW, at)
    return Transition(new, audit, (HumanReviewRequested(claim.id, at, decision.id),), (work,))


def decide_human_review(
    claim: Claim, *, actor: Actor, at: datetime, **terms: Unpack[DecisionTerms]
) -> Transition:
    """A person's decision on a review of an automatic decision."""
    return _decide(claim, "decide_human_review", DecisionKind.HUMAN_REVIEW, actor=actor, at=at, **terms)


def request_reconsideration(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    grounds: str,
    late_reasons: str = "",
    new_id: NewId,
    expected_version: int | None = None,
) -> Transition:
    """Ask for a mandatory reconsideration of the latest decision."""
    _allowed_from(claim, "request_reconsideration", actor)
    decision = claim.latest_decision
    if decision is None or decision.kind not in (DecisionKind.INITIAL, DecisionKind.HUMAN_REVIEW):
        raise NotReconsiderable(
            "a reconsideration notice is appealed, not reconsidered again"
            if decision is not None and decision.kind == DecisionKind.RECONSIDERATION
            else "there is no decision to reconsider"
        )
    if _challenged(claim, "reconsideration", decision.id):
        raise NotReconsiderable("this decision has already been reconsidered")
    requested_on = uk_date(at)
    _authorise(RULES["request_reconsideration"].by, claim, actor, "request_reconsideration")
    late = rights.check_in_time(requested_on, decision.notified_on, late_reasons)
    challenge = Challenge("reconsideration", decision.id, requested_on, late, late_reasons if late else "")
    new, audit, _ = _move(
        claim,
        "request_reconsideration",
        actor,
        at,
        S.RECONSIDERATION,
        expected_version=expected_version,
        reason=_reason("grounds", grounds),
        after={"decision": decision.id, "late": late},
        challenges=(*claim.challenges, challenge),
    )
    work = WorkItem(
        new_id(),
        WorkKind.RECONSIDERATION,
        claim.id,
        claim.claim_type,
        S.RECONSIDERATION,
        at,
        not_assignable_to=frozenset({decision.made_by}),
    )
    return Transition(new, audit, (ReconsiderationRequested(claim.id, at, decision.id, late),), (work,))


def decide_reconsideration(
    claim: Claim, *, actor: Actor, at: datetime, **terms: Unpack[DecisionTerms]
) -> Transition:
    """Issue the mandatory reconsideration notice; its decision maker is not the original one."""
    _allowed_from(claim, "decide_reconsideration", actor)
    original = claim.latest_decision
    if original is not None and claim.status == S.RECONSIDERATION and original.made_by == actor.subject:
        raise SameDecisionMaker("a reconsideration is decided by a different decision maker")
    return _decide(claim, "decide_reconsideration", DecisionKind.RECONSIDERATION, actor=actor, at=at, **terms)


def appeal(
    claim: Claim,
    *,
    actor: Actor,
    at: datetime,
    late_reasons: str = "",
    new_id: NewId,
    expected_version: int | None = None,
) -> Transition:
    """Record an appeal to the First-tier Tribunal against the reconsideration notice."""
    _allowed_from(claim, "appeal", actor)
    decision = claim.latest_decision
    if decision is None or decision.kind != DecisionKind.RECONSIDERATION:
        raise ReconsiderationRequired("an appeal can be made only after a mandatory reconsideration notice")
    if _challenged(claim, "appeal", decision.id):
        raise ReconsiderationRequired("this reconsideration notice has already been appealed")
    lodged_on = uk_date(at)
    _authorise(RULES["appeal"].by, claim, actor, "appeal")
    late = rights.check_in_time(lodged_on, decision.notified_on, late_reasons)
    challenge = Challenge("appeal", decision.id, lodged_on, late, late_reasons if late else "")
    new, audit, _ = _move(
        claim,
        "appeal",
        actor,
        at,
        S.APPEAL,
        expected_version=expected_version,
        after={"decision": decision.id, "late": late},
        challenges=(*claim.challenges, challenge),
    )
    work = WorkItem(
        new_id(),
        WorkKind.APPEAL_RESPONSE,
        claim.id,
        claim.claim_type,
        S.APPEAL,
        at,
        due=appeal_response_due(lodged_on),
    )
    return Transition(new, audit, (AppealLodged(claim.id, at, decision.id, late),), (work,))


def record_appeal_outcome(
    claim: Claim, *, actor: Actor, at: datetime, **terms: Unpack[DecisionTerms]
) -> Transition:
    """Record the tribunal's decision on an appeal."""
    return _decide(claim, "record_appeal_outcome", DecisionKind.APPEAL, actor=actor, at=at, **terms)


def close(
    claim: Claim, *, actor: Actor, at: datetime, reason: str, expected_version: int | None = None
) -> Transition:
    """Close an award that has ended, or a disallowance once it can no longer be challenged: closing
    it sooner would take away the rights its notice states."""
    _allowed_from(claim, "close", actor)
    decision = claim.latest_decision
    if claim.status == S.DISALLOWED and decision is not None:
        open_until = max((r.late_until for r in decision.rights if r.late_until), default=None)
        if open_until is not None and uk_date(at) <= open_until:
            raise MoveNotAllowed(
                "close", claim.status.value, f"this decision can be challenged until {open_until.isoformat()}"
            )
    new, audit, _ = _move(
        claim,
        "close",
        actor,
        at,
        S.CLOSED,
        expected_version=expected_version,
        reason=_reason("reason", reason),
    )
    return Transition(new, audit, (ClaimClosed(claim.id, at),))


# --- Reads ---------------------------------------------------------------------------------------


def read_by_caseworker(claim: Claim, *, actor: Actor, at: datetime, purpose: str) -> AuditRecord:
    """Every caseworker read of a claim is audited, with why; nothing about the claim changes."""
    if not actor.is_staff:
        raise NotPermitted("only caseworkers read other people's claims")
    state: dict[str, object] = {"status": claim.status.value, "version": claim.version}
    return AuditRecord(
        claim.id,
        "read",
        actor.subject,
        actor.kind,
        at,
        _reason("purpose", purpose),
        state,
        state,
        actor.request_id,
    )


# --- To-dos --------------------------------------------------------------------------------------


def complete_todo(
    claim: Claim,
    todo_id: str,
    *,
    actor: Actor,
    at: datetime,
    how: str | None = None,
    proven_date_of_birth: date | None = None,
    expected_version: int | None = None,
) -> Transition:
    """Mark a to-do done by someone allowed to (see `todos.COMPLETED_BY`). Verifying identity marks the
    claimant (or partner) proven; confirming the address marks it confirmed."""
    check_version(claim, expected_version)
    todo = next((t for t in claim.todos if t.id == todo_id), None)
    role = role_of(actor, claim)
    if todo is None:
        if actor.kind == "citizen" and role is None:
            raise ClaimNotFound("There is no such claim")
        raise TodoNotFound("there is no such to-do on this claim")
    if role is None and actor.kind == "citizen":
        raise ClaimNotFound("There is no such claim")
    if role not in COMPLETED_BY[todo.kind]:
        raise NotPermitted(
            f"a {todo.kind.value} to-do is marked done by the {' or '.join(sorted(COMPLETED_BY[todo.kind]))}"
        )
    if not todo.open:
        raise TodoClosed("this to-do is already done")
    if claim.status in (S.WITHDRAWN, S.CLOSED):
        raise MoveNotAllowed("complete_todo", claim.status.value)
    if todo.kind == TodoKind.VERIFY_IDENTITY and how not in ("online", "in_person"):
        raise InvalidAnswers([FieldProblem("how", "identity is verified online or in person", "required")])
    done = replace(todo, done_at=at, done_by=actor.subject, how=how)
    todos = tuple(done if t.id == todo_id else t for t in claim.todos)
    changes: dict[str, Any] = {"todos": todos}
    if todo.kind == TodoKind.VERIFY_IDENTITY:
        if todo.subject == "partner" and claim.partner is not None:
            changes["partner"] = replace(claim.partner, identity_verified=True)
        else:
            dob = proven_date_of_birth or claim.claimant.date_of_birth
            changes["claimant"] = replace(claim.claimant, identity_verified=True, date_of_birth=dob)
    elif todo.kind == TodoKind.CONFIRM_ADDRESS:
        changes["claimant"] = replace(claim.claimant, address_confirmed=True)
    new, audit = _change(claim, "complete_todo", actor, at, after={"todo": todo_id, "how": how}, **changes)
    return Transition(new, audit, (TodoDone(claim.id, at, todo_id, todo.kind.value),))
