"""The citizen's to-dos and caseworkers' work items: what a submission opens, who may mark what done,
due dates with their sources, queue filters, assignment and escalation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwp.claims.domain import answers as A
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.errors import (
    CannotAssign,
    ClaimNotFound,
    EvidenceOutstanding,
    NotPermitted,
    TodoClosed,
)
from dwp.claims.domain.model import Status, TodoKind
from dwp.claims.domain.work import (
    QueueFilter,
    WorkItem,
    WorkKind,
    assign,
    complete,
    escalate,
    first_payment_due,
    follow_claim,
    queue_order,
    release,
)

from .conftest import (
    BORN,
    CASEWORKER_A,
    CASEWORKER_B,
    CLAIMANT,
    LEADER,
    OTHER_CITIZEN,
    SYSTEM,
    esa_answers,
    reach,
    submitted,
    uc_answers,
)


def _kinds(todos: tuple) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(t.kind.value, t.subject) for t in todos]


def test_a_person_not_yet_proven_may_submit_and_verifying_identity_is_then_a_to_do() -> None:
    story = submitted(verified=False)
    claim = story.claim
    assert claim.status == Status.SUBMITTED
    assert claim.claimant.subject == CLAIMANT.subject
    assert _kinds(claim.todos) == [
        ("verify_identity", ""),
        ("confirm_address", ""),
        ("accept_claimant_commitment", ""),
        ("upload_evidence", "tenancy_agreement"),
    ]
    work = story.transitions[-1].work_items
    assert [w.kind for w in work] == [WorkKind.ASSESS_CLAIM, WorkKind.VERIFY_IDENTITY_IN_PERSON]
    events = [type(e).__name__ for e in story.transitions[-1].events]
    assert events == ["ClaimSubmitted"] + ["TodoAdded"] * 4


def test_identity_is_verified_online_by_the_system_or_in_person_by_a_caseworker_never_by_the_citizen() -> (
    None
):
    story = submitted(verified=False)
    todo = story.claim.open_todos(TodoKind.VERIFY_IDENTITY)[0]
    with pytest.raises(NotPermitted):
        L.complete_todo(story.claim, todo.id, actor=CLAIMANT, at=story.tick(), how="online")
    with pytest.raises(Exception, match="online or in person"):
        L.complete_todo(story.claim, todo.id, actor=CASEWORKER_A, at=story.tick())
    t = L.complete_todo(
        story.claim, todo.id, actor=CASEWORKER_A, at=story.tick(), how="in_person", proven_date_of_birth=BORN
    )
    assert t.claim.claimant.identity_verified
    assert t.claim.claimant.date_of_birth == BORN
    done = next(x for x in t.claim.todos if x.id == todo.id)
    assert (done.how, done.done_by) == ("in_person", CASEWORKER_A.subject)
    assert t.audit.after["todo"] == todo.id
    with pytest.raises(TodoClosed):
        L.complete_todo(t.claim, todo.id, actor=SYSTEM, at=story.tick(), how="online")
    online = L.complete_todo(story.claim, todo.id, actor=SYSTEM, at=story.tick(), how="online")
    assert online.claim.claimant.identity_verified


def test_the_citizen_accepts_their_commitment_and_confirms_their_address_themselves() -> None:
    story = submitted()
    commitment = story.claim.open_todos(TodoKind.ACCEPT_CLAIMANT_COMMITMENT)[0]
    address = story.claim.open_todos(TodoKind.CONFIRM_ADDRESS)[0]
    with pytest.raises(NotPermitted):
        L.complete_todo(story.claim, commitment.id, actor=CASEWORKER_A, at=story.tick())
    with pytest.raises(ClaimNotFound):
        L.complete_todo(story.claim, commitment.id, actor=OTHER_CITIZEN, at=story.tick())
    story.apply(L.complete_todo(story.claim, commitment.id, actor=CLAIMANT, at=story.tick()))
    story.apply(L.complete_todo(story.claim, address.id, actor=CLAIMANT, at=story.tick()))
    assert story.claim.claimant.address_confirmed
    assert not story.claim.open_todos(TodoKind.ACCEPT_CLAIMANT_COMMITMENT)


def test_esa_asks_for_the_fit_note_and_a_work_capability_assessment_unless_terminally_ill() -> None:
    story = submitted(A.ClaimType.NEW_STYLE_ESA)
    kinds = _kinds(story.claim.todos)
    assert ("book_work_capability_assessment", "") in kinds
    assert ("upload_evidence", "fit_note") in kinds
    ill = esa_answers() | {"treatment": A.TreatmentAnswers(terminally_ill=True)}
    kinds = _kinds(submitted(A.ClaimType.NEW_STYLE_ESA, sections=ill).claim.todos)
    assert ("book_work_capability_assessment", "") not in kinds
    assert ("upload_evidence", "sr1_form") in kinds


def test_uc_evidence_follows_the_answers() -> None:
    health = A.HealthAnswers(A.PersonHealth(True, "depression", "some"))
    childcare = A.ChildcareAnswers(True, A.Amount(20_000), 1)
    income = A.IncomeAnswers(employments=(A.Employment("Shop", date(2020, 1, 1), 10, A.Amount(1)),))
    story = submitted(sections=uc_answers(health=health, childcare=childcare, income=income))
    kinds = _kinds(story.claim.todos)
    assert ("upload_evidence", "childcare_costs") in kinds
    assert ("upload_evidence", "fit_note") in kinds
    assert ("book_work_capability_assessment", "") in kinds
    evidence = story.claim.open_todos(TodoKind.UPLOAD_EVIDENCE)[0]
    assert evidence.due is not None
    assert evidence.due.on == date(2026, 7, 10)
    assert "reg 37(3)" in evidence.due.source


def test_while_evidence_is_outstanding_only_a_caseworker_goes_on_and_says_why() -> None:
    story = reach(Status.AWAITING_EVIDENCE)
    with pytest.raises(EvidenceOutstanding):
        L.start_assessment(story.claim, actor=SYSTEM, at=story.tick())
    with pytest.raises(EvidenceOutstanding):
        L.start_assessment(story.claim, actor=CASEWORKER_A, at=story.tick())
    assert L.start_assessment(
        story.claim, actor=CASEWORKER_A, at=story.tick(), reason="enough"
    ).claim.status == (Status.UNDER_ASSESSMENT)
    for todo in story.claim.open_todos(TodoKind.UPLOAD_EVIDENCE):
        story.apply(L.complete_todo(story.claim, todo.id, actor=SYSTEM, at=story.tick()))
    assert (
        L.start_assessment(story.claim, actor=SYSTEM, at=story.tick()).claim.status == Status.UNDER_ASSESSMENT
    )


def test_evidence_requested_names_what_and_why() -> None:
    story = reach(Status.UNDER_ASSESSMENT)
    with pytest.raises(Exception, match="what evidence"):
        L.request_evidence(
            story.claim, actor=CASEWORKER_A, at=story.tick(), evidence=(), reason="r", new_id=story.new_id
        )
    t = L.request_evidence(
        story.claim,
        actor=CASEWORKER_A,
        at=story.tick(),
        evidence=("bank_statement",),
        reason="capital",
        new_id=story.new_id,
    )
    assert t.audit.reason == "capital"
    assert [type(e).__name__ for e in t.events] == ["EvidenceRequested", "TodoAdded"]


# --- Due dates ---


@pytest.mark.parametrize(
    ("claim_date", "period_end", "payment"),
    [
        (date(2026, 6, 10), date(2026, 7, 9), date(2026, 7, 16)),
        (date(2027, 1, 31), date(2027, 2, 27), date(2027, 3, 6)),  # reg 21(2)(a): next period from 28 Feb
        (date(2028, 1, 30), date(2028, 2, 27), date(2028, 3, 5)),  # reg 21(2)(b): 28 Feb in a leap year
        (date(2026, 12, 20), date(2027, 1, 19), date(2027, 1, 26)),
    ],
)
def test_the_first_uc_payment_is_due_7_days_after_the_first_assessment_period(
    claim_date: date, period_end: date, payment: date
) -> None:
    due = first_payment_due(claim_date)
    assert (due.counted_from, due.on) == (period_end, payment)
    assert due.rule == "first_uc_payment"
    assert "reg 47(2)" in due.source


def test_a_uc_claims_assessment_work_item_is_due_by_the_first_payment() -> None:
    story = submitted()
    work = story.transitions[-1].work_items[0]
    assert work.due == first_payment_due(date(2026, 6, 10))
    jsa = submitted(A.ClaimType.NEW_STYLE_JSA).transitions[-1].work_items[0]
    assert jsa.due is None


# --- Queue, assignment, escalation ---


def _item(n: int, **kw: object) -> WorkItem:
    base = WorkItem(
        f"w{n}",
        WorkKind.ASSESS_CLAIM,
        f"c{n}",
        A.ClaimType.UNIVERSAL_CREDIT,
        Status.SUBMITTED,
        datetime(2026, 6, 1, 9, tzinfo=UTC),
        due=first_payment_due(date(2026, 6, 1)),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


TODAY = date(2026, 7, 20)


def test_queue_filters() -> None:
    items = [
        _item(1),
        _item(2, benefit=A.ClaimType.NEW_STYLE_JSA, due=None),
        _item(3, assigned_to="staff-a"),
        _item(
            4,
            claim_status=Status.AWAITING_EVIDENCE,
            created_at=datetime(2026, 7, 19, 9, tzinfo=UTC),
            due=None,
        ),
        _item(5, escalated=True),
        _item(6, done_at=datetime(2026, 6, 2, tzinfo=UTC)),
    ]

    def ids(f: QueueFilter) -> list[str]:
        return [i.id for i in sorted(items, key=queue_order) if f.matches(i, TODAY)]

    assert ids(QueueFilter()) == ["w1", "w3", "w5", "w2", "w4"]
    assert ids(QueueFilter(benefits=frozenset({A.ClaimType.NEW_STYLE_JSA}))) == ["w2"]
    assert ids(QueueFilter(claim_statuses=frozenset({Status.AWAITING_EVIDENCE}))) == ["w4"]
    assert ids(QueueFilter(assigned=False)) == ["w1", "w5", "w2", "w4"]
    assert ids(QueueFilter(assigned_to="staff-a")) == ["w3"]
    assert ids(QueueFilter(overdue=True)) == ["w1", "w3", "w5"]
    assert ids(QueueFilter(overdue=False)) == ["w2", "w4"]
    assert ids(QueueFilter(older_than_days=10)) == ["w1", "w3", "w5", "w2"]
    assert ids(QueueFilter(escalated=True)) == ["w5"]
    assert ids(QueueFilter(include_done=True, kinds=frozenset({WorkKind.ASSESS_CLAIM}))) == [
        "w1",
        "w3",
        "w5",
        "w6",
        "w2",
        "w4",
    ]


@given(
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 60)),
    st.integers(0, 60),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.booleans()),
)
def test_filters_combine_as_and(
    assigned: bool, due_in: int | None, age: int, want_assigned: bool | None, want_overdue: bool | None
) -> None:
    created = datetime(2026, 7, 20, 9, tzinfo=UTC) - timedelta(days=age)
    due = (
        replace(first_payment_due(date(2026, 6, 1)), on=TODAY + timedelta(days=due_in - 30))
        if due_in is not None
        else None
    )
    item = _item(1, assigned_to="staff-a" if assigned else None, created_at=created, due=due)
    both = QueueFilter(assigned=want_assigned, overdue=want_overdue)
    alone = [QueueFilter(assigned=want_assigned), QueueFilter(overdue=want_overdue)]
    assert both.matches(item, TODAY) == all(f.matches(item, TODAY) for f in alone)
    assert item.overdue(TODAY) == (due is not None and due.on < TODAY)
    assert item.age_days(TODAY) == age


def test_a_caseworker_takes_work_for_themselves_and_a_team_leader_assigns_it_to_others() -> None:
    item = _item(1)
    mine = assign(item, to=CASEWORKER_A.subject, by=CASEWORKER_A)
    assert mine.assigned_to == CASEWORKER_A.subject
    assert mine.version == item.version + 1
    with pytest.raises(NotPermitted):
        assign(item, to=CASEWORKER_B.subject, by=CASEWORKER_A)
    assert assign(item, to=CASEWORKER_B.subject, by=LEADER).assigned_to == CASEWORKER_B.subject
    with pytest.raises(NotPermitted):
        assign(item, to=CLAIMANT.subject, by=CLAIMANT)
    with pytest.raises(NotPermitted):
        release(mine, by=CASEWORKER_B)
    assert release(mine, by=CASEWORKER_A).assigned_to is None


def test_escalation_goes_to_the_team_leaders_with_a_reason() -> None:
    item = assign(_item(1), to=CASEWORKER_A.subject, by=CASEWORKER_A)
    with pytest.raises(CannotAssign) as no_reason:
        escalate(item, by=CASEWORKER_A, reason=" ")
    assert no_reason.value.field == "reason"
    up = escalate(item, by=CASEWORKER_A, reason="possible fraud")
    assert (up.escalated, up.assigned_to, up.escalation_reason) == (True, None, "possible fraud")
    with pytest.raises(NotPermitted):
        assign(up, to=CASEWORKER_A.subject, by=CASEWORKER_A)
    taken = assign(up, to=LEADER.subject, by=LEADER)
    assert QueueFilter(escalated=True, assigned_to=LEADER.subject).matches(taken, TODAY)


def test_done_work_is_done_and_follows_its_claim() -> None:
    item = _item(1)
    done = complete(item, by=CASEWORKER_A, at=datetime(2026, 6, 5, tzinfo=UTC))
    assert not done.open
    assert not done.overdue(TODAY)
    with pytest.raises(Exception, match="already done"):
        complete(done, by=CASEWORKER_A, at=datetime(2026, 6, 6, tzinfo=UTC))
    with pytest.raises(Exception, match="done"):
        assign(done, to=CASEWORKER_A.subject, by=CASEWORKER_A)
    at = datetime(2026, 6, 7, tzinfo=UTC)
    moved = follow_claim(item, Status.UNDER_ASSESSMENT, at)
    assert (moved.claim_status, moved.open) == (Status.UNDER_ASSESSMENT, True)
    assert follow_claim(item, Status.SUBMITTED, at) is item
    withdrawn = follow_claim(item, Status.WITHDRAWN, at)
    assert (withdrawn.open, withdrawn.done_at) == (False, at)


def test_a_withdrawn_claim_asks_nothing_more_of_the_citizen() -> None:
    story = submitted()
    assert story.claim.open_todos()
    story.apply(L.withdraw(story.claim, actor=CLAIMANT, at=story.tick(), reason="found work"))
    assert story.claim.open_todos() == ()
    todo = story.claim.todos[0]
    with pytest.raises(Exception, match="withdrawn"):
        L.complete_todo(story.claim, todo.id, actor=CLAIMANT, at=story.tick())


def test_held_registrations_and_waits_on_a_provider_arrive_as_work_items() -> None:
    from dwp.claims.domain.errors import InvalidAnswers
    from dwp.claims.domain.work import held_registration, waiting_on

    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    held = held_registration(item_id="h1", at=at, held_since=date(2026, 5, 31), reason="nino_in_use")
    assert (held.kind, held.claim_id, held.benefit) == (WorkKind.HELD_REGISTRATION, None, None)
    assert QueueFilter(kinds=frozenset({WorkKind.HELD_REGISTRATION})).matches(held, TODAY)
    assert not QueueFilter(benefits=frozenset({A.ClaimType.UNIVERSAL_CREDIT})).matches(held, TODAY)
    with pytest.raises(InvalidAnswers):
        held_registration(item_id="h2", at=at, held_since=date(2026, 5, 31), reason="")
    wait = waiting_on(
        item_id="p1",
        claim_id="c1",
        benefit=A.ClaimType.NEW_STYLE_ESA,
        status=Status.UNDER_ASSESSMENT,
        at=at,
        provider="integrations",
    )
    assert wait.note == "waiting for integrations"
    assert complete(wait, by=SYSTEM, at=at).done_at == at


def test_claims_waiting_per_caseworker_counts_those_signed_in_in_the_last_15_minutes() -> None:
    from dwp.claims.domain.work import waiting_per_caseworker

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    sign_ins = {
        "a": now - timedelta(minutes=1),
        "b": now - timedelta(minutes=15),
        "c": now - timedelta(minutes=15, seconds=1),
    }
    assert waiting_per_caseworker(30, sign_ins, now) == 15
    assert waiting_per_caseworker(30, {}, now) == 30
    assert waiting_per_caseworker(0, sign_ins, now) == 0


def test_every_caseworker_read_is_audited_with_its_purpose() -> None:
    story = submitted()
    record = L.read_by_caseworker(story.claim, actor=CASEWORKER_A, at=story.tick(), purpose="assessing")
    assert (record.action, record.actor_subject, record.reason) == ("read", CASEWORKER_A.subject, "assessing")
    assert record.before == record.after
    with pytest.raises(NotPermitted):
        L.read_by_caseworker(story.claim, actor=CLAIMANT, at=story.tick(), purpose="x")
    with pytest.raises(Exception, match="enter this"):
        L.read_by_caseworker(story.claim, actor=CASEWORKER_A, at=story.tick(), purpose="")
