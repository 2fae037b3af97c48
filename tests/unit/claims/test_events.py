"""Every domain event the claims service publishes has its contract event, which round-trips through
the envelope and carries no personal data; the private ones are not published."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

import pytest

from dwp.claims import events
from dwp.claims.domain import events as domain
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.journal import MessagePosted
from dwp.claims.domain.model import Outcome, Status
from dwp.contracts.events import EventEnvelope

from .conftest import CASEWORKER_A, CLAIMANT, reach, reconsidered

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _every_event_type() -> list[type[domain.ClaimEvent]]:
    found = [c for _, c in inspect.getmembers(domain, inspect.isclass) if issubclass(c, domain.ClaimEvent)]
    return [c for c in found if c is not domain.ClaimEvent] + [MessagePosted]


def _example(kind: type[domain.ClaimEvent]) -> domain.ClaimEvent:
    values = {
        "benefit": "universal_credit",
        "claim_date": date(2026, 6, 1),
        "todo_ids": ("t1",),
        "decision_id": "d1",
        "kind": "initial",
        "outcome": "award",
        "automated": True,
        "late": False,
        "todo_id": "t1",
        "entry_id": "m1",
        "side": "dwp",
    }
    params = [p for p in inspect.signature(kind).parameters if p not in ("claim_id", "occurred_at")]
    return kind("c1", AT, **{p: values[p] for p in params})  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", _every_event_type(), ids=lambda k: k.__name__)
def test_each_published_event_has_a_contract_that_round_trips(kind: type[domain.ClaimEvent]) -> None:
    event = _example(kind)
    if not events.publishable(event):
        with pytest.raises(ValueError, match="not published"):
            events.to_contract(event)
        return
    published = events.to_contract(event)
    envelope = EventEnvelope.wrap(published, source="claims")
    assert EventEnvelope.model_validate_json(envelope.model_dump_json()).unwrap() == published
    assert published.claim_id == "c1"  # type: ignore[attr-defined]


def test_a_status_change_names_the_status_the_table_leads_to() -> None:
    story = reach(Status.DISALLOWED)
    t = L.request_reconsideration(
        story.claim, actor=CLAIMANT, at=story.tick(), grounds="g", new_id=story.new_id
    )
    published = events.to_contract(t.events[0])
    assert published.status == t.claim.status.value == "reconsideration"  # type: ignore[attr-defined]
    story = reconsidered(Outcome.AWARD)
    t = L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id)
    assert events.to_contract(t.events[0]).status == t.claim.status.value  # type: ignore[attr-defined]
    story = reach(Status.SUBMITTED)
    t = L.request_evidence(
        story.claim,
        actor=CASEWORKER_A,
        at=story.tick(),
        evidence=("payslip",),
        reason="r",
        new_id=story.new_id,
    )
    assert events.to_contract(t.events[0]).status == t.claim.status.value  # type: ignore[attr-defined]
