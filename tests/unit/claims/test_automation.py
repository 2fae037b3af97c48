"""The automatic path as the workers ask for it (`claims.automation`), and returned payments told to a
claim, on the in-memory unit of work with fake upstreams: it decides only when nothing needs a person,
waits (never fails) while benefits or integrations is down and goes on when asked again, never decides
twice, and a returned payment is one work item and one to-do however often it is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dwp.claims import automation, casework
from dwp.claims.casework import Waiting
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.automation import needs_a_person
from dwp.claims.domain.errors import ClaimNotFound, InvalidAnswers, MoveNotAllowed, NotPermitted
from dwp.claims.domain.model import Actor, Claim, Outcome, Status, TodoKind
from dwp.claims.domain.returns import ids_for, payment_returned
from dwp.claims.domain.work import WorkKind
from dwp.contracts import claims as contract
from dwp.contracts.events import ClaimTodoAdded
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from tests.fakes.casework import CaseworkTestContext, FakeUpstreams

from . import test_casework
from .conftest import CASEWORKER_A, CLAIMANT, START, draft, submitted
from .test_casework import CITIZEN_ID, PERSON

A_ESA = ClaimType.NEW_STYLE_ESA
SYSTEM = Actor("claims", "system")
WHO_DOES: dict[TodoKind, Actor] = {
    TodoKind.CONFIRM_ADDRESS: CLAIMANT,
    TodoKind.ACCEPT_CLAIMANT_COMMITMENT: CLAIMANT,
    TodoKind.UPLOAD_EVIDENCE: SYSTEM,
    TodoKind.VERIFY_IDENTITY: SYSTEM,
}


ctx = test_casework.ctx
upstreams = test_casework.upstreams
"""The casework tests' fixtures: the in-memory unit of work a day after START, and fake upstreams."""


def _store(ctx: CaseworkTestContext, claim: Claim, transitions: list[L.Transition]) -> Claim:
    ctx.data.claims[claim.id] = claim
    for t in transitions:
        for item in t.work_items:
            ctx.data.work[item.id] = item
    return claim


def _done_except(claim: Claim, *left: TodoKind) -> Claim:
    """The claim with every to-do a decision waits for done, but those of the kinds `left`."""
    at = START + timedelta(hours=12)
    for todo in claim.todos:
        if todo.open and todo.kind in WHO_DOES and todo.kind not in left:
            how = "online" if todo.kind == TodoKind.VERIFY_IDENTITY else None
            claim = L.complete_todo(claim, todo.id, actor=WHO_DOES[todo.kind], at=at, how=how).claim
    return claim


def _ready(ctx: CaseworkTestContext, *left: TodoKind, **kw: object) -> Claim:
    story = submitted(**kw)  # type: ignore[arg-type]
    claim = replace(story.claim, claimant=replace(story.claim.claimant, citizen_id=CITIZEN_ID))
    return _store(ctx, _done_except(claim, *left), story.transitions)


# --- when nothing needs a person -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "left", [TodoKind.ACCEPT_CLAIMANT_COMMITMENT, TodoKind.UPLOAD_EVIDENCE, TodoKind.CONFIRM_ADDRESS]
)
async def test_an_open_to_do_a_decision_waits_for_leaves_the_claim_alone(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams, left: TodoKind
) -> None:
    claim = _ready(ctx, left)
    result = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(result, automation.Automatic)
    assert result.left_for_a_person == f"waiting for the citizen: {left.value}"
    assert upstreams.calls == []  # nobody was asked anything
    assert ctx.data.claims[claim.id] == claim  # nor anything changed


async def test_an_unproven_identity_is_waited_for_and_a_work_capability_assessment_is_not(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    story = submitted(A_ESA, verified=False)
    claim = replace(story.claim, claimant=replace(story.claim.claimant, citizen_id=CITIZEN_ID))
    claim = _store(ctx, _done_except(claim, TodoKind.VERIFY_IDENTITY), story.transitions)
    assert claim.open_todos(TodoKind.BOOK_WORK_CAPABILITY_ASSESSMENT)
    left = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(left, automation.Automatic)
    assert left.left_for_a_person == "identity is not proven"
    (todo,) = claim.open_todos(TodoKind.VERIFY_IDENTITY)
    proven = L.complete_todo(claim, todo.id, actor=SYSTEM, at=START + timedelta(hours=13), how="online")
    ctx.data.claims[claim.id] = proven.claim
    decided = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(decided, automation.Automatic)
    assert decided.left_for_a_person is None
    assert decided.claim.status == Status.AWARDED


async def test_when_nothing_needs_a_person_it_awards_as_automated_once(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _ready(ctx)
    result = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(result, automation.Automatic)
    assert result.left_for_a_person is None
    decision = result.claim.latest_decision
    assert decision is not None
    assert (decision.automated, decision.outcome, decision.amount_pence) == (True, Outcome.AWARD, 41_000)
    assert "human_review" in {r.kind for r in decision.rights}  # UK GDPR Art. 22(3)
    assert upstreams.calls == ["citizen", "integrations", "benefits"]
    assert not [w for w in ctx.data.work.values() if w.open and w.claim_id == claim.id]
    # Asked again (the event delivered twice, or a to-do done later): nothing more happens.
    again = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(again, automation.Automatic)
    assert again.left_for_a_person == "the claim is awarded"
    assert len(ctx.data.claims[claim.id].decisions) == 1
    assert upstreams.calls == ["citizen", "integrations", "benefits"]


async def test_a_would_be_disallowance_is_a_work_item_and_is_not_tried_again(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _ready(ctx)
    upstreams.uc_award_pence = 0
    result = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(result, automation.Automatic)
    assert result.left_for_a_person == "left to a decision maker"
    stored = ctx.data.claims[claim.id]
    assert (stored.status, stored.decisions) == (Status.UNDER_ASSESSMENT, ())
    [item] = [w for w in ctx.data.work.values() if w.open and w.kind == WorkKind.ASSESS_CLAIM]
    assert item.note.startswith("nil award")
    calls = list(upstreams.calls)
    again = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(again, automation.Automatic)
    assert again.left_for_a_person == "already left to a person"
    assert upstreams.calls == calls


async def test_a_claim_a_caseworker_has_taken_is_theirs(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _ready(ctx)
    [item] = [w for w in ctx.data.work.values() if w.claim_id == claim.id]
    await casework.take_work_item(ctx, item_id=item.id, actor=CASEWORKER_A)
    result = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(result, automation.Automatic)
    assert result.left_for_a_person == "a caseworker has it"
    assert upstreams.calls == []


@pytest.mark.parametrize("down", ["benefits", "integrations"])
async def test_with_a_service_down_the_claim_waits_with_one_work_item_and_goes_on_when_asked_again(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams, down: str
) -> None:
    claim = _ready(ctx)
    setattr(upstreams, down, "down")
    ids = set()
    for _ in range(2):  # the queue asks again while it is still down: still one work item
        waiting = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
        assert isinstance(waiting, Waiting)
        assert waiting.provider == down
        ids.add(waiting.work_item_id)
    [item] = [w for w in ctx.data.work.values() if w.kind == WorkKind.PROVIDER_UNAVAILABLE]
    assert item.open
    assert ids == {item.id}
    setattr(upstreams, down, "up")
    done = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(done, automation.Automatic)
    assert done.claim.status == Status.AWARDED
    assert not ctx.data.work[item.id].open


async def test_a_joint_claim_waits_for_the_partner_and_an_unknown_claim_is_not_found(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _ready(ctx)
    assert needs_a_person(replace(claim, joint=True), []) == "the partner has not confirmed their part"
    assert needs_a_person(replace(claim, status=Status.DRAFT), []) == "the claim is draft"
    with pytest.raises(ClaimNotFound):
        await automation.decide_when_ready(ctx, upstreams, claim_id="no-such-claim")


# --- returned payments ---------------------------------------------------------------------------------


def _returned(claim: Claim, **kw: object) -> contract.ReturnedPayment:
    values: dict[str, object] = {
        "event_id": "e-1",
        "citizen_id": CITIZEN_ID,
        "claim_id": claim.id,
        "award_id": "award-1",
        "instruction_id": "instr-1",
        "stage": "returned",
        "reason_code": "ARUCS-0",
        "occurred_at": "2026-07-20T10:00:00Z",
    }
    values.update(kw)
    return contract.ReturnedPayment.model_validate(values)


async def test_a_returned_payment_opens_one_work_item_and_one_to_do_however_often_it_is_told(
    ctx: CaseworkTestContext,
) -> None:
    claim = _ready(ctx)
    ctx.data.claims[claim.id] = replace(claim, status=Status.AWARDED)
    first = await automation.open_returned_payment(ctx, _returned(claim))
    again = await automation.open_returned_payment(ctx, _returned(claim, event_id="e-2"))
    assert first.created
    assert not again.created
    assert (first.work_item_id, first.todo_id) == (again.work_item_id, again.todo_id)
    assert (first.work_item_id, first.todo_id) == ids_for("instr-1", "returned")
    item = ctx.data.work[first.work_item_id]
    assert (item.kind, item.claim_id, item.open) == (WorkKind.PAYMENT_RETURNED, claim.id, True)
    assert "ARUCS-0" in item.note
    assert "instr-1" in item.note
    stored = ctx.data.claims[claim.id]
    [todo] = [t for t in stored.todos if t.kind == TodoKind.CHECK_BANK_DETAILS]
    assert (todo.id, todo.subject, todo.open) == (first.todo_id, "returned", True)
    assert [a.action for a in ctx.data.audit] == ["payment_returned"]
    added = [e for e in ctx.uow.store.published(CLAIMS_EVENTS_TOPIC) if isinstance(e, ClaimTodoAdded)]
    assert [(e.todo_id, e.kind) for e in added] == [(todo.id, "check_bank_details")]
    # The same instruction rejected first and returned later are two things to look at.
    rejected = await automation.open_returned_payment(ctx, _returned(claim, stage="rejected"))
    assert rejected.created
    assert rejected.work_item_id != first.work_item_id
    # The citizen (or a caseworker) marks their check done.
    checked = L.complete_todo(stored, todo.id, actor=CLAIMANT, at=START + timedelta(days=2))
    assert not next(t for t in checked.claim.todos if t.id == todo.id).open


async def test_a_returned_payment_of_a_closed_claim_asks_nothing_of_the_citizen(
    ctx: CaseworkTestContext,
) -> None:
    claim = _ready(ctx)
    ctx.data.claims[claim.id] = replace(claim, status=Status.CLOSED)
    ref = await automation.open_returned_payment(ctx, _returned(claim))
    assert ref.created
    assert ref.todo_id is None
    assert ctx.data.work[ref.work_item_id].open
    assert not [t for t in ctx.data.claims[claim.id].todos if t.kind == TodoKind.CHECK_BANK_DETAILS]


async def test_a_returned_payment_for_another_persons_claim_or_a_draft_is_refused(
    ctx: CaseworkTestContext,
) -> None:
    claim = _ready(ctx)
    with pytest.raises(ClaimNotFound):
        await automation.open_returned_payment(ctx, _returned(claim, citizen_id="someone-else"))
    with pytest.raises(ClaimNotFound):
        await automation.open_returned_payment(ctx, _returned(claim, claim_id="no-such-claim"))
    assert not [w for w in ctx.data.work.values() if w.kind == WorkKind.PAYMENT_RETURNED]
    at = datetime(2026, 7, 1, tzinfo=UTC)
    with pytest.raises(MoveNotAllowed):
        payment_returned(draft().claim, at=at, instruction_id="i", stage="returned", reason_code="X")
    with pytest.raises(InvalidAnswers):
        payment_returned(claim, at=at, instruction_id="i", stage="returned", reason_code="x\x00")


def test_only_the_claimant_a_caseworker_or_the_system_marks_a_bank_details_check_done() -> None:
    claim = replace(submitted().claim, status=Status.AWARDED)
    t = payment_returned(claim, at=START, instruction_id="i", stage="rejected", reason_code="R1")
    [todo] = [x for x in t.claim.todos if x.kind == TodoKind.CHECK_BANK_DETAILS]
    with pytest.raises(ClaimNotFound):
        L.complete_todo(t.claim, todo.id, actor=Actor("someone-else", "citizen"), at=START)
    with pytest.raises(NotPermitted):
        L.complete_todo(t.claim, todo.id, actor=Actor("staff-x", "caseworker"), at=START)  # no role
    assert (
        L.complete_todo(t.claim, todo.id, actor=CASEWORKER_A, at=START).claim.version == t.claim.version + 1
    )


# --- New Style JSA and ESA: the National Insurance record -----------------------------------------------


async def test_a_jsa_claim_is_assessed_on_the_ni_record_of_the_two_tax_years_hmrc_holds(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    from dwp.claims.domain.contributions import relevant_tax_years
    from dwp.contracts.integrations import NiYear

    story = submitted(ClaimType.NEW_STYLE_JSA)
    claim = replace(story.claim, claimant=replace(story.claim.claimant, citizen_id=CITIZEN_ID))
    claim = _store(ctx, _done_except(claim), story.transitions)
    upstreams.ni_years = [
        NiYear(tax_year="2022-23", paid_earnings=1_900_000, credited_earnings=0),
        NiYear(tax_year="2023-24", paid_earnings=2_000_000, credited_earnings=50_000),
    ]
    result = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(result, automation.Automatic)
    assert result.claim.status == Status.AWARDED
    [asked] = upstreams.ni_asked
    # Claimed on 10 June 2026 (benefit year from 4 January 2026): 2023-24 and 2024-25.
    assert claim.claim_date is not None
    assert (asked.first_tax_year, asked.last_tax_year) == relevant_tax_years(claim.claim_date) == (2023, 2024)
    assert (asked.national_insurance_number, asked.purpose) == (
        PERSON.national_insurance_number,
        "new-claim-assessment",
    )
    [body] = upstreams.contributory_bodies
    assert body["ni_record"] == [
        {"tax_year": "2022-23", "paid_earnings": 1_900_000, "credited_earnings": 0},
        {"tax_year": "2023-24", "paid_earnings": 2_000_000, "credited_earnings": 50_000},
    ]


async def test_no_ni_record_at_hmrc_is_an_empty_record_and_integrations_down_is_a_wait(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    story = submitted(ClaimType.NEW_STYLE_JSA)
    claim = replace(story.claim, claimant=replace(story.claim.claimant, citizen_id=CITIZEN_ID))
    claim = _store(ctx, _done_except(claim), story.transitions)
    upstreams.integrations = "down"
    waiting = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(waiting, Waiting)
    assert waiting.provider == "integrations"
    upstreams.integrations = "up"
    upstreams.ni_years = None
    upstreams.weekly_pence = 0  # the benefits service finds the conditions not met on an empty record
    left = await automation.decide_when_ready(ctx, upstreams, claim_id=claim.id)
    assert isinstance(left, automation.Automatic)
    assert left.left_for_a_person == "left to a decision maker"
    assert upstreams.contributory_bodies[-1]["ni_record"] == []
    assert ctx.data.claims[claim.id].decisions == ()


def test_the_relevant_tax_years_follow_the_benefit_year() -> None:
    from datetime import date

    from dwp.claims.domain.contributions import benefit_year_start, relevant_tax_years

    assert benefit_year_start(date(2026, 2, 2)) == date(2026, 1, 4)
    assert benefit_year_start(date(2026, 1, 3)) == date(2025, 1, 5)
    # benefit-rules.md: a claim in 2026 looks at 2023/24 and 2024/25.
    assert relevant_tax_years(date(2026, 2, 2)) == (2023, 2024)
    assert relevant_tax_years(date(2026, 1, 3)) == (2022, 2023)
