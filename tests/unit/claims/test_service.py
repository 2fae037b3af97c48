"""The claims use cases on the in-memory unit of work: each move saves the claim, its audit record, its
published events and its work items together, or nothing; a citizen reaches only their own claims."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from dwp.claims import service
from dwp.claims.domain import answers as A
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.errors import (
    ClaimNotFound,
    InvalidAnswers,
    InvalidJoinCode,
    MoveNotAllowed,
    PartnerNotConfirmed,
    StaleVersion,
)
from dwp.claims.domain.model import Actor, Outcome, Status, TodoKind
from dwp.claims.service import ClaimantRequest, Person, SaveSection, StartClaim
from dwp.contracts import events as contract
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from tests.fakes.claims import in_memory_context
from tests.fakes.clock import FakeClock
from tests.unit.claims.conftest import ANSWERS, START, uc_answers

ALICE = Actor("onelogin-alice", "citizen")
BOB = Actor("onelogin-bob", "citizen")
STAFF = Actor("staff-a", "caseworker", frozenset({"caseworker"}))


@pytest.fixture
def ctx_store():
    counter = itertools.count(1)
    return in_memory_context(FakeClock(START, tick=timedelta(seconds=1)), lambda: f"id-{next(counter)}")


async def _start(ctx, person: Actor = ALICE, *, verified: bool = True, **kw):
    return await service.start_claim(
        ctx, StartClaim(**kw), person=Person(person, "cit-1" if verified else None, verified)
    )


async def _fill(ctx, claim, sections, actor: Actor = ALICE):
    for name, section in sections.items():
        claim, questions = await service.save_section(
            ctx, SaveSection(claim.id, name, section, claim.version), actor=actor
        )
        for q in questions:
            claim = await service.confirm_question(
                ctx, claim_id=claim.id, key=q.key, actor=actor, expected_version=claim.version
            )
    return claim


@pytest.mark.parametrize("claim_type", list(A.ClaimType))
async def test_start_save_submit_records_everything_in_one_unit(ctx_store, claim_type) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=claim_type)
    assert store.published() == []  # a draft starting is the service's own business
    claim = await _fill(ctx, claim, ANSWERS[claim_type]())
    submitted = await service.submit_claim(
        ctx, claim_id=claim.id, actor=ALICE, declaration="2026-12", expected_version=claim.version
    )
    assert submitted.status == Status.SUBMITTED
    assert store.data.claims[claim.id] == submitted
    published = store.published(CLAIMS_EVENTS_TOPIC)
    assert isinstance(published[0], contract.ClaimSubmitted)
    assert {type(e) for e in published[1:]} == {contract.ClaimTodoAdded}
    assert [w.claim_id for w in store.data.work.values()] == [claim.id]
    assert [r.action for r in store.data.audit][-1] == "submit"
    assert {r.action for r in store.data.audit} >= {"start", "save_section"}


async def test_an_unproven_person_submits_and_verifying_identity_is_a_todo(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, verified=False, claim_type=A.ClaimType.NEW_STYLE_JSA)
    assert claim.claimant.citizen_id is None
    assert not claim.claimant.identity_verified
    claim = await _fill(ctx, claim, ANSWERS[A.ClaimType.NEW_STYLE_JSA]())
    claim = await service.submit_claim(
        ctx, claim_id=claim.id, actor=ALICE, declaration="2026-12", expected_version=claim.version
    )
    assert TodoKind.VERIFY_IDENTITY in {t.kind for t in claim.open_todos()}
    assert len(store.data.work) == 2  # the assessment, and an in-person identity check


async def test_another_citizen_gets_not_found_for_every_use_case(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT)
    before = store.commits
    household = uc_answers()["household"]
    attempts = [
        service.get_claim(ctx, claim_id=claim.id, actor=BOB),
        service.save_section(ctx, SaveSection(claim.id, "household", household, 99), actor=BOB),
        service.withdraw_claim(ctx, claim_id=claim.id, actor=BOB, reason="", expected_version=99),
        service.journal(ctx, claim_id=claim.id, actor=BOB),
        service.post_to_journal(ctx, claim_id=claim.id, actor=BOB, text="hello"),
        service.request_reconsideration(ctx, ClaimantRequest(claim.id, 99, "wrong"), actor=BOB),
    ]
    for attempt in attempts:
        with pytest.raises(ClaimNotFound):  # never StaleVersion or MoveNotAllowed: nothing leaks
            await attempt
    assert await service.claims_of(ctx, subject=BOB.subject) == []
    assert store.commits == before


async def test_a_stale_version_changes_nothing(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT)
    section = uc_answers()["capital"]
    await service.save_section(ctx, SaveSection(claim.id, "capital", section, claim.version), actor=ALICE)
    saved = dict(store.data.claims)
    with pytest.raises(StaleVersion):
        await service.save_section(ctx, SaveSection(claim.id, "capital", section, claim.version), actor=ALICE)
    assert store.data.claims == saved


async def test_a_forbidden_move_is_refused_and_nothing_is_written(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT)
    before = (store.commits, len(store.data.audit))
    with pytest.raises(MoveNotAllowed):
        await service.appeal(ctx, ClaimantRequest(claim.id, claim.version), actor=ALICE)
    assert (store.commits, len(store.data.audit)) == before


async def test_section_problems_point_into_the_section_body(ctx_store) -> None:
    ctx, _ = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT)
    bad = A.HouseholdAnswers(lives_with_partner=True)  # and no partner's details
    with pytest.raises(InvalidAnswers) as refused:
        await service.save_section(ctx, SaveSection(claim.id, "household", bad, claim.version), actor=ALICE)
    assert [p.field for p in refused.value.problems] == ["partner"]


async def test_the_partner_joins_with_the_code_once_and_confirms(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT, joint=True)
    household = A.HouseholdAnswers(True, A.Partner(A.date(1991, 3, 3)))
    claim = await _fill(ctx, claim, uc_answers(household=household))
    with pytest.raises(PartnerNotConfirmed):
        await service.submit_claim(
            ctx, claim_id=claim.id, actor=ALICE, declaration="2026-12", expected_version=claim.version
        )
    claim, code, expires = await service.invite_partner(
        ctx, claim_id=claim.id, actor=ALICE, expected_version=claim.version
    )
    assert expires - START >= service.INVITE_LIFETIME
    assert code not in repr(store.data)  # only its digest is kept
    with pytest.raises(InvalidJoinCode):
        await service.join_claim(ctx, code="AAAA-BBBB-CCCC-DDDD", person=Person(BOB))
    joined = await service.join_claim(ctx, code=code.lower(), person=Person(BOB, "cit-b", True))
    assert joined.partner is not None
    assert joined.partner.subject == BOB.subject
    assert [c.id for c in await service.claims_of(ctx, subject=BOB.subject)] == [claim.id]
    with pytest.raises(InvalidJoinCode):  # a code is used once
        await service.join_claim(ctx, code=code, person=Person(Actor("onelogin-eve", "citizen")))
    joined = await service.confirm_partner(
        ctx, claim_id=claim.id, actor=BOB, declaration="2026-12", expected_version=joined.version
    )
    done = await service.submit_claim(
        ctx, claim_id=claim.id, actor=ALICE, declaration="2026-12", expected_version=joined.version
    )
    assert done.status == Status.SUBMITTED


async def test_a_reconsideration_of_a_decision_opens_work_for_another_decision_maker(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT)
    claim = await _fill(ctx, claim, uc_answers())
    claim = await service.submit_claim(
        ctx, claim_id=claim.id, actor=ALICE, declaration="2026-12", expected_version=claim.version
    )
    # Casework's moves, through the same seam (change_claim) its use cases use.
    claim = await service.change_claim(
        ctx,
        claim_id=claim.id,
        actor=STAFF,
        apply=lambda c: L.start_assessment(c, actor=STAFF, at=ctx.clock()),
    )
    claim = await service.change_claim(
        ctx,
        claim_id=claim.id,
        actor=STAFF,
        apply=lambda c: L.disallow(c, actor=STAFF, at=ctx.clock(), decision_id="d-1", reasons=("capital",)),
    )
    assert claim.latest_decision is not None
    assert claim.latest_decision.outcome == Outcome.DISALLOW
    claim = await service.request_reconsideration(
        ctx, ClaimantRequest(claim.id, claim.version, "my savings are less"), actor=ALICE
    )
    assert claim.status == Status.RECONSIDERATION
    work = [w for w in store.data.work.values() if w.kind.value == "reconsideration"]
    assert work
    assert STAFF.subject in work[0].not_assignable_to


async def test_the_journal_keeps_messages_and_publishes_no_text(ctx_store) -> None:
    ctx, store = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.NEW_STYLE_ESA)
    entry = await service.post_to_journal(ctx, claim_id=claim.id, actor=ALICE, text="My fit note is late")
    assert [e.text for e in await service.journal(ctx, claim_id=claim.id, actor=ALICE)] == [entry.text]
    (event,) = store.published()
    assert isinstance(event, contract.ClaimMessagePosted)
    assert "fit note" not in event.model_dump_json()


async def test_a_partner_code_expires_and_inviting_again_replaces_it(ctx_store) -> None:
    ctx, _ = ctx_store
    claim = await _start(ctx, claim_type=A.ClaimType.UNIVERSAL_CREDIT, joint=True)
    claim, first, _ = await service.invite_partner(
        ctx, claim_id=claim.id, actor=ALICE, expected_version=claim.version
    )
    claim, second, _ = await service.invite_partner(
        ctx, claim_id=claim.id, actor=ALICE, expected_version=claim.version
    )
    with pytest.raises(InvalidJoinCode):  # the first code no longer opens the claim
        await service.join_claim(ctx, code=first, person=Person(BOB))
    ctx.clock.advance(service.INVITE_LIFETIME)  # type: ignore[attr-defined]
    with pytest.raises(InvalidJoinCode):
        await service.join_claim(ctx, code=second, person=Person(BOB))
    assert (await service.get_claim(ctx, claim_id=claim.id, actor=ALICE)).partner.subject is None  # type: ignore[union-attr]
