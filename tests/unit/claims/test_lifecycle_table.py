"""The lifecycle's table of moves, read from docs/claims.md: the page agrees with the code, and every
move it allows works from every status it lists while every other status refuses it. The tests are
generated from the page, so a row added to one without the other fails here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.errors import MoveNotAllowed
from dwp.claims.domain.model import Outcome, Status

from .conftest import CASEWORKER_A, CASEWORKER_B, CLAIMANT, SYSTEM, Story, reach, reconsidered

DOC = Path(__file__).parents[3] / "docs" / "claims.md"


def _doc_rows() -> list[tuple[str, frozenset[Status], frozenset[Status], frozenset[str]]]:
    text = DOC.read_text()
    block = text.split("<!-- moves table: kept equal to dwp.claims.domain.lifecycle.MOVES by a test -->")[1]
    block = block.split("<!-- end of moves table -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        move = re.fullmatch(r"`(\w+)`", cells[0])
        assert move, line
        rows.append(
            (
                move.group(1),
                frozenset(Status(s.strip()) for s in cells[1].split(",")),
                frozenset(Status(s.strip()) for s in cells[2].split(",")),
                frozenset(s.strip() for s in cells[3].split(",")),
            )
        )
    return rows


ROWS = _doc_rows()
# In the order of the Status enum, not of the sets: pytest-xdist's workers must collect the same list.
ALLOWED = [
    (move, source, target)
    for move, sources, targets, _ in ROWS
    for source in Status
    if source in sources
    for target in Status
    if target in targets
]
FORBIDDEN = [(move, status) for move, sources, _, _ in ROWS for status in Status if status not in sources]


def test_the_page_and_the_code_have_the_same_table() -> None:
    assert [(r.move, r.sources, r.targets, r.by) for r in L.MOVES] == ROWS


def test_every_status_is_in_the_table_and_only_withdrawn_and_closed_are_final() -> None:
    reached = {t for _, _, targets, _ in ROWS for t in targets} | {Status.DRAFT}
    assert reached == set(Status)
    final = {s for s in Status if not L.allowed_moves(s)}
    assert final == {Status.WITHDRAWN, Status.CLOSED}


def _outcome(target: Status) -> Outcome:
    return Outcome.AWARD if target == Status.AWARDED else Outcome.DISALLOW


def _perform(move: str, story: Story, target: Status) -> L.Transition:
    """Make `move` towards `target` with arguments that satisfy every rule but the table's."""
    if move == "close":
        story.tick(timedelta(days=400))  # a disallowance closes once its rights have run out
    c, at, new_id = story.claim, story.tick(), story.new_id
    decision: dict[str, object] = {
        "decision_id": new_id(),
        "outcome": _outcome(target),
        "reasons": ("reasons",),
        "amount_pence": 500 if target == Status.AWARDED else None,
    }
    calls: dict[str, Callable[[], L.Transition]] = {
        "submit": lambda: L.submit(c, actor=CLAIMANT, at=at, declaration="v1", new_id=new_id),
        "withdraw": lambda: L.withdraw(c, actor=CLAIMANT, at=at, reason="found work"),
        "request_evidence": lambda: L.request_evidence(
            c, actor=CASEWORKER_A, at=at, evidence=("payslip",), reason="pay", new_id=new_id
        ),
        "start_assessment": lambda: L.start_assessment(c, actor=CASEWORKER_A, at=at, reason="going on"),
        "award": lambda: L.award(
            c, actor=SYSTEM, at=at, decision_id=new_id(), reasons=("ok",), amount_pence=1
        ),
        "disallow": lambda: L.disallow(c, actor=CASEWORKER_A, at=at, decision_id=new_id(), reasons=("no",)),
        "request_human_review": lambda: L.request_human_review(
            c, actor=CLAIMANT, at=at, reason="", new_id=new_id
        ),
        "decide_human_review": lambda: L.decide_human_review(c, actor=CASEWORKER_A, at=at, **decision),  # type: ignore[arg-type]
        "request_reconsideration": lambda: L.request_reconsideration(
            c, actor=CLAIMANT, at=at, grounds="wrong", new_id=new_id
        ),
        "decide_reconsideration": lambda: L.decide_reconsideration(c, actor=CASEWORKER_B, at=at, **decision),  # type: ignore[arg-type]
        "appeal": lambda: L.appeal(c, actor=CLAIMANT, at=at, new_id=new_id),
        "record_appeal_outcome": lambda: L.record_appeal_outcome(c, actor=CASEWORKER_A, at=at, **decision),  # type: ignore[arg-type]
        "close": lambda: L.close(c, actor=CASEWORKER_A, at=at, reason="ended"),
    }
    return calls[move]()


def _story_for(move: str, source: Status) -> Story:
    if move == "appeal":
        return reconsidered(_outcome(source))  # an appeal needs a reconsideration notice first
    return reach(source)


@pytest.mark.parametrize(("move", "source", "target"), ALLOWED, ids=[f"{m}:{s}->{t}" for m, s, t in ALLOWED])
def test_every_allowed_move(move: str, source: Status, target: Status) -> None:
    story = _story_for(move, source)
    assert story.claim.status == source
    before = story.claim
    t = _perform(move, story, target)
    assert t.claim.status == target
    assert t.claim.version == before.version + 1
    assert t.audit.action == move
    assert t.audit.before["status"] == source.value
    assert t.audit.after["status"] == target.value
    assert t.audit.at == story.now
    assert t.events, "every move records an event"
    assert all(e.claim_id == before.id for e in t.events)


@pytest.mark.parametrize(("move", "status"), FORBIDDEN, ids=[f"{m}:{s}" for m, s in FORBIDDEN])
def test_every_forbidden_move(move: str, status: Status) -> None:
    story = reach(status)
    target = next(iter(L.RULES[move].targets))
    with pytest.raises(MoveNotAllowed) as raised:
        _perform(move, story, target)
    assert raised.value.field == "status"
    assert raised.value.status == status.value


def test_a_disallowance_is_not_closed_while_it_can_still_be_challenged() -> None:
    story = reach(Status.DISALLOWED)
    with pytest.raises(MoveNotAllowed, match="challenged until"):
        L.close(story.claim, actor=CASEWORKER_A, at=story.tick(), reason="no reply")
    awarded = reach(Status.AWARDED)
    assert L.close(
        awarded.claim, actor=CASEWORKER_A, at=awarded.tick(), reason="found work"
    ).claim.status == (Status.CLOSED)
