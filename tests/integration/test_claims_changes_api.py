"""Changes of circumstances through the claims API, with the real benefits service working the periods
out again (the casework suite's stack of apps), on SQLite and PostgreSQL: when a change takes effect
(D&A Regs 2013 Sch 1 paras 20 and 21), the revised periods, an overpayment with its cause, the audit,
the events, the journal message that tells the citizen, and hostile input."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from dwp.claims.domain.dates import assessment_period_end, assessment_period_start
from dwp.claims.domain.model import Claim
from dwp.claims.repository import assessment_periods, outbox
from tests.integration import test_claims_casework_api as casework
from tests.integration.conftest import bearer
from tests.integration.test_claims_casework_api import Stack, problem
from tests.unit.claims.conftest import CLAIMANT

pytestmark = pytest.mark.integration

stack = casework.stack
nhs_key_file = casework.nhs_key_file
"""The casework suite's stack of apps: claims, benefits and integrations, HMRC and NHS simulators."""

TODAY = datetime(2026, 10, 20, 11, 0, tzinfo=UTC)
"""The claim began on 10 June 2026: periods from the 10th; the one from 10 September was paid on the 16th
of October, and 20 October is in the period from 10 October."""


async def awarded(stack: Stack) -> tuple[Claim, int, str]:
    """A UC award with its first four periods stored (each the decided amount); the claim's ETag."""
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    decided = await stack.claims.post(
        f"{base}/decisions", json={"outcome": "award", "reasons": ["Entitled"]}, headers=stack.staff()
    )
    assert decided.status_code == 201, decided.text
    amount = decided.json()["decision"]["amount_pence"]
    assert claim.claim_date is not None
    for n in (1, 2, 3):
        start, end = assessment_period_start(claim.claim_date, n), assessment_period_end(claim.claim_date, n)
        stored = await stack.claims.put(
            f"/v1/internal/claims/{claim.id}/assessment-periods/{end.isoformat()}/statement",
            json={
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "award_pence": amount,
                "run_date": end.isoformat(),
            },
            headers=stack.workers(),
        )
        assert stored.status_code == 201, stored.text
    app: Any = stack.claims._transport.app  # type: ignore[attr-defined]
    app.state.claims_context.clock = lambda: TODAY
    read = await stack.claims.get(f"/v1/claims/{claim.id}", headers=citizen(stack))
    assert read.status_code == 200, read.text
    return claim, amount, read.headers["etag"]


def citizen(stack: Stack, subject: str = CLAIMANT.subject, **headers: str) -> dict[str, str]:
    return bearer(stack.token("citizen", subject=subject), **headers)


async def outbox_of(stack: Stack, claim_id: str) -> list[dict[str, Any]]:
    async with stack.database.read() as session:
        rows = (await session.execute(select(outbox.c.envelope))).all()
    found = [json.loads(r.envelope) for r in rows]
    return [e for e in found if e["data"].get("claim_id") == claim_id]


async def test_savings_told_late_revise_the_paid_periods_and_leave_the_claimants_overpayment(
    stack: Stack,
) -> None:
    claim, amount, etag = await awarded(stack)
    body = {"kind": "savings_changed", "happened_on": "2026-08-15", "savings_pence": 2_000_000}
    path = f"/v1/claims/{claim.id}/changes"
    headers = citizen(stack, **{"If-Match": etag, "Idempotency-Key": str(uuid.uuid4())})
    reported = await stack.claims.post(path, json=body, headers=headers)
    assert reported.status_code == 201, reported.text
    change = reported.json()
    # From the first day of the period it happened in (10 August), since it lowers the award (para 20).
    assert (change["effective_from"], change["rule"][-13:]) == ("2026-08-10", "Sch 1 para 20")
    assert [(r["period_start"], r["was_pence"], r["paid"]) for r in change["revisions"]] == [
        ("2026-08-10", amount, True),
        ("2026-09-10", amount, True),
    ]
    # Over £16,000 of capital there is no award: each period comes down, by the change's effect alone.
    assert amount > 0
    assert all(r["now_pence"] < r["was_pence"] for r in change["revisions"])
    assert change["overpayment_pence"] == sum(r["was_pence"] - r["now_pence"] for r in change["revisions"])
    # Told after the period it happened in ended: the claimant's overpayment, recoverable.
    assert change["overpayment_cause"] == "claimant"
    assert change["status"] == "revised"
    assert reported.headers["etag"] != etag
    # The same key again is the same report; the claim's version moved once.
    again = await stack.claims.post(path, json=body, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] == change["id"]
    # The stored periods are revised; the earlier ones are not.
    async with stack.database.read() as session:
        rows = (
            await session.execute(
                select(assessment_periods.c.period_start, assessment_periods.c.award_pence)
                .where(assessment_periods.c.claim_id == claim.id)
                .order_by(assessment_periods.c.period_start)
            )
        ).all()
    assert [(str(r[0]), r[1]) for r in rows] == [
        ("2026-06-10", amount),
        ("2026-07-10", amount),
        *((r["period_start"], r["now_pence"]) for r in change["revisions"]),
    ]
    # Audited, published (no amounts), and told on the journal.
    trail = await stack.claims.get(
        f"/v1/claims/casework/claims/{claim.id}/audit", params={"purpose": "check"}, headers=stack.staff()
    )
    [audit] = [r for r in trail.json()["items"] if r["action"] == "change_reported"]
    assert audit["reason"].endswith("Sch 1 para 20")
    events = await outbox_of(stack, claim.id)
    [event] = [e for e in events if e["event_type"] == "claims.change_reported"]
    assert event["data"]["change_id"] == change["id"]
    assert "2000000" not in json.dumps(event)
    assert any(e["event_type"] == "claims.message_posted" for e in events)
    journal = await stack.claims.get(f"/v1/claims/{claim.id}/journal", headers=citizen(stack))
    assert any("savings changed" in m["text"] for m in journal.json()["items"]), journal.text
    listed = await stack.claims.get(path, headers=citizen(stack))
    assert [c["id"] for c in listed.json()["items"]] == [change["id"]]
    # The changed answers are what the monthly run now reads.
    read = await stack.claims.get(
        f"/v1/claims/casework/claims/{claim.id}", params={"purpose": "check"}, headers=stack.staff()
    )
    assert read.json()["answers"]["capital"]["savings_pence"] == 2_000_000


async def test_a_birth_told_late_counts_from_the_period_it_was_told_in(stack: Stack) -> None:
    claim, _, etag = await awarded(stack)
    reported = await stack.claims.post(
        f"/v1/claims/{claim.id}/changes",
        json={"kind": "child_born", "happened_on": "2026-08-20", "date_of_birth": "2026-08-20", "sex": "M"},
        headers=citizen(stack, **{"If-Match": etag}),
    )
    assert reported.status_code == 201, reported.text
    change = reported.json()
    # In the claimant's favour and told after the period ended: from the period told in (para 21).
    assert (change["effective_from"], change["rule"][-13:]) == ("2026-10-10", "Sch 1 para 21")
    assert change["revisions"] == []
    assert (change["arrears_pence"], change["overpayment_pence"]) == (0, 0)


async def test_hostile_and_impossible_changes_are_refused_naming_the_field(stack: Stack) -> None:
    claim, _, etag = await awarded(stack)
    path = f"/v1/claims/{claim.id}/changes"
    good = {"kind": "savings_changed", "happened_on": "2026-09-01", "savings_pence": 1}
    cases: list[tuple[dict[str, Any], int]] = [
        ({**good, "happened_on": "2026-10-21"}, 422),  # tomorrow
        ({**good, "happened_on": "9999-12-31"}, 422),
        ({**good, "happened_on": "2026-01-01"}, 422),  # before the claim
        ({**good, "happened_on": "2026-0\u0669-01"}, 422),  # another script's digit
        ({**good, "savings_pence": -5}, 422),
        ({**good, "savings_pence": "5"}, 422),
        ({**good, "surprise": True}, 422),
        ({"kind": "rent_changed", "happened_on": "2026-09-01"}, 422),  # no rent
        (
            {
                "kind": "started_work",
                "happened_on": "2026-09-01",
                "employer": "Acme\x00Ltd",
                "hours_per_week": 10,
                "pay": {"pence": 50_000},
            },
            422,
        ),
        ({"kind": "stopped_work", "happened_on": "2026-09-01", "employer": "\u202eLtd"}, 422),
    ]
    for body, code in cases:
        answer = await stack.claims.post(path, json=body, headers=citizen(stack, **{"If-Match": etag}))
        assert answer.status_code == code, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    future = problem(
        await stack.claims.post(
            path, json={**good, "happened_on": "2026-10-21"}, headers=citizen(stack, **{"If-Match": etag})
        ),
        422,
    )
    assert "happened_on" in json.dumps(future)
    problem(await stack.claims.post(path, json=good, headers=citizen(stack)), 428)
    problem(await stack.claims.post(path, json=good, headers=citizen(stack, **{"If-Match": '"1"'})), 412)
    problem(
        await stack.claims.post(
            path, json=good, headers=citizen(stack, "someone-else", **{"If-Match": etag})
        ),
        404,
    )
    problem(await stack.claims.get(path, headers=citizen(stack, "someone-else")), 404)
    # Nothing refused changed the claim: the ETag still works.
    ok = await stack.claims.post(path, json=good, headers=citizen(stack, **{"If-Match": etag}))
    assert ok.status_code == 201, ok.text


async def test_stopping_work_on_new_style_esa_says_the_amount_cannot_change_and_why(stack: Stack) -> None:
    from dataclasses import replace

    from dwp.claims.domain.answers import ClaimType
    from dwp.claims.domain.model import Outcome
    from dwp.claims.repository import ClaimsRepository
    from tests.unit.claims.conftest import decide, submitted

    story = decide(submitted(ClaimType.NEW_STYLE_ESA), Outcome.AWARD).claim  # claim date 10 June 2026
    claim = replace(
        story, id=str(uuid.uuid4()), claimant=replace(story.claimant, citizen_id=stack.citizen_id)
    )
    async with stack.database.transaction() as connection:
        await ClaimsRepository(connection, stack.cipher).add(claim, claim.created_at)
    app: Any = stack.claims._transport.app  # type: ignore[attr-defined]
    app.state.claims_context.clock = lambda: TODAY
    read = await stack.claims.get(f"/v1/claims/{claim.id}", headers=citizen(stack))
    assert read.status_code == 200, read.text
    reported = await stack.claims.post(
        f"/v1/claims/{claim.id}/changes",
        json={"kind": "stopped_work", "happened_on": "2026-10-01", "employer": "Acme Ltd"},
        headers=citizen(stack, **{"If-Match": read.headers["etag"]}),
    )
    assert reported.status_code == 201, reported.text
    change = reported.json()
    # ESA is not reduced by earnings (ESA Regs 2013 regs 39, 40): nothing for a caseworker to work out.
    assert change["status"] == "no_change_to_amount"
    assert any("does not change what you are paid" in line for line in change["explanation"])
    assert (change["overpayment_pence"], change["arrears_pence"]) == (0, 0)
    # And payments is not given anything for it: the claims inbox is answered 409 for a non-UC claim.
    award = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    assert problem(award, 409)["title"] == "This claim has no award paid by its assessment periods"


async def test_moving_home_to_scotland_moves_the_awards_nation_and_a_home_outside_gb_is_refused(
    stack: Stack,
) -> None:
    claim, _amount, etag = await awarded(stack)
    path = f"/v1/claims/{claim.id}/changes"
    body = {
        "kind": "moving_home",
        "happened_on": "2026-10-01",
        "tenure": "social_rent",
        "bedrooms": 2,
        "rent": {"pence": 60_000, "frequency": "monthly"},
    }
    belfast = await stack.claims.post(
        path, json={**body, "postcode": "BT1 1AA"}, headers=citizen(stack, **{"If-Match": etag})
    )
    assert belfast.status_code == 422, belfast.text
    assert [e["pointer"] for e in belfast.json()["errors"]] == ["#/postcode"]
    moved = await stack.claims.post(
        path, json={**body, "postcode": "eh1 1yz"}, headers=citizen(stack, **{"If-Match": etag})
    )
    assert moved.status_code == 201, moved.text
    terms = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    assert terms.json()["terms"]["nation"] == "scotland"


async def test_a_health_condition_waits_for_an_assessment_with_a_work_item_and_a_to_do(stack: Stack) -> None:
    claim, amount, etag = await awarded(stack)
    path = f"/v1/claims/{claim.id}/changes"
    body = {
        "kind": "health_condition_changed",
        "happened_on": "2026-10-12",
        "condition_affects_work": True,
        "can_work": "no",
    }
    reported = await stack.claims.post(path, json=body, headers=citizen(stack, **{"If-Match": etag}))
    assert reported.status_code == 201, reported.text
    change = reported.json()
    # The LCW and LCWRA elements follow an assessment (UC Regs 2013 regs 27, 28, 39-41): nothing guessed.
    assert change["status"] == "waiting_for_caseworker"
    assert (change["revisions"], change["overpayment_pence"], change["arrears_pence"]) == ([], 0, 0)
    assert change["effective_from"] == "2026-10-10"
    assert change["work_item_id"]
    assert change["todo_id"]
    [item] = [i for i in await stack.work_items(claim.id) if i["kind"] == "change_of_circumstances"]
    assert item["id"] == change["work_item_id"]
    assert "no" not in item["note"].split()  # codes only: never the claimant's answers
    read = await stack.claims.get(f"/v1/claims/{claim.id}", headers=citizen(stack))
    todos = [t for t in read.json()["todos"] if t["id"] == change["todo_id"]]
    assert [t["kind"] for t in todos] == ["book_work_capability_assessment"]
    events = await outbox_of(stack, claim.id)
    assert any(
        e["event_type"] == "claims.todo_added" and e["data"]["todo_id"] == change["todo_id"] for e in events
    )
    # Told again (a second change), a second work item but no second assessment to book.
    again = await stack.claims.post(
        path, json={**body, "can_work": "some"}, headers=citizen(stack, **{"If-Match": read.headers["etag"]})
    )
    assert again.status_code == 201, again.text
    assert again.json()["work_item_id"] not in (None, change["work_item_id"])
    assert again.json()["todo_id"] is None
    # The stored awards are untouched; the listed change shows its item.
    async with stack.database.read() as session:
        stored = (
            await session.execute(
                select(assessment_periods.c.award_pence).where(assessment_periods.c.claim_id == claim.id)
            )
        ).scalars()
        assert set(stored) == {amount}
    listed = (await stack.claims.get(path, headers=citizen(stack))).json()["items"]
    assert {c["work_item_id"] for c in listed} == {change["work_item_id"], again.json()["work_item_id"]}


async def test_caring_started_late_then_stopped_revises_by_the_carer_element(stack: Stack) -> None:
    """By hand: the carer element is £209.34 a month in 2026/27. Caring from 20 August told on 20 October
    is late and in the claimant's favour: from 10 October (para 21), so no paid period moves. Stopping
    on 25 August, told the same day, is against them: from 10 August (para 20), so the periods from 10
    August and 10 September, both paid, each come down by £209.34 (to no less than nil), the claimant's
    overpayment."""
    claim, amount, etag = await awarded(stack)
    path = f"/v1/claims/{claim.id}/changes"
    started = await stack.claims.post(
        path,
        json={"kind": "started_caring", "happened_on": "2026-08-20", "caring_hours_per_week": 35,
              "cared_for_gets_qualifying_benefit": True},
        headers=citizen(stack, **{"If-Match": etag}),
    )  # fmt: skip
    assert started.status_code == 201, started.text
    first = started.json()
    assert (first["effective_from"], first["rule"][-13:]) == ("2026-10-10", "Sch 1 para 21")
    assert (first["status"], first["revisions"], first["work_item_id"]) == (
        "no_change_to_paid_periods",
        [],
        None,
    )
    stopped = await stack.claims.post(
        path,
        json={"kind": "stopped_caring", "happened_on": "2026-08-25"},
        headers=citizen(stack, **{"If-Match": started.headers["etag"]}),
    )
    assert stopped.status_code == 201, stopped.text
    change = stopped.json()
    assert (change["effective_from"], change["rule"][-13:]) == ("2026-08-10", "Sch 1 para 20")
    assert [(r["period_start"], r["was_pence"], r["now_pence"], r["paid"]) for r in change["revisions"]] == [
        ("2026-08-10", amount, max(0, amount - 20_934), True),
        ("2026-09-10", amount, max(0, amount - 20_934), True),
    ]
    assert change["overpayment_pence"] == 2 * min(amount, 20_934)
    assert change["overpayment_cause"] == "claimant"


async def test_health_and_caring_details_that_cannot_be_are_422s_naming_the_field(stack: Stack) -> None:
    claim, _, etag = await awarded(stack)
    path = f"/v1/claims/{claim.id}/changes"
    health = {"kind": "health_condition_changed", "happened_on": "2026-10-01"}
    caring = {"kind": "started_caring", "happened_on": "2026-10-01", "caring_hours_per_week": 40,
              "cared_for_gets_qualifying_benefit": True}  # fmt: skip
    for body, field in (
        (health, "condition_affects_work"),
        ({**health, "condition_affects_work": "yes"}, "condition_affects_work"),
        ({**health, "condition_affects_work": True}, "can_work"),
        ({**health, "condition_affects_work": True, "can_work": "sometimes"}, "can_work"),
        ({**health, "condition_affects_work": False, "fit_note_until": "2026-11-01"}, "fit_note_until"),
        ({**health, "condition_affects_work": False, "fit_note_until": "2026-1\u0661-01"}, "fit_note_until"),
        ({**caring, "caring_hours_per_week": 0}, "caring_hours_per_week"),
        ({**caring, "caring_hours_per_week": 169}, "caring_hours_per_week"),
        ({**caring, "caring_hours_per_week": "35"}, "caring_hours_per_week"),
        ({**caring, "cared_for_gets_qualifying_benefit": None}, "cared_for_gets_qualifying_benefit"),
        ({**caring, "whose": "partner"}, "whose"),  # a single claim has no partner's caring
        ({**caring, "whose": "neighbour"}, "whose"),
        ({"kind": "stopped_caring", "happened_on": "2026-10-01"}, "kind"),  # the claim shows no caring
        ({**caring, "happened_on": "2026-10-21"}, "happened_on"),
    ):
        answer = await stack.claims.post(path, json=body, headers=citizen(stack, **{"If-Match": etag}))
        refused = problem(answer, 422)
        assert field in json.dumps(refused), (body, refused)
    # Nothing refused changed the claim: the ETag still works.
    ok = await stack.claims.post(path, json=caring, headers=citizen(stack, **{"If-Match": etag}))
    assert ok.status_code == 201, ok.text


async def test_an_esa_fit_note_asks_for_the_note_and_jsa_has_no_health_change(stack: Stack) -> None:
    from dataclasses import replace

    from dwp.claims.domain.answers import ClaimType
    from dwp.claims.domain.model import Outcome
    from dwp.claims.repository import ClaimsRepository
    from tests.unit.claims.conftest import decide, submitted

    app: Any = stack.claims._transport.app  # type: ignore[attr-defined]
    app.state.claims_context.clock = lambda: TODAY
    answers = {}
    for benefit in (ClaimType.NEW_STYLE_ESA, ClaimType.NEW_STYLE_JSA):
        story = decide(submitted(benefit), Outcome.AWARD).claim  # claim date 10 June 2026
        # The claim's first fit note was sent (its to-do is not open), so the new one is asked for.
        claim = replace(
            story,
            id=str(uuid.uuid4()),
            claimant=replace(story.claimant, citizen_id=stack.citizen_id),
            todos=tuple(t for t in story.todos if t.subject != "fit_note"),
        )
        async with stack.database.transaction() as connection:
            await ClaimsRepository(connection, stack.cipher).add(claim, claim.created_at)
        read = await stack.claims.get(f"/v1/claims/{claim.id}", headers=citizen(stack))
        answers[benefit] = await stack.claims.post(
            f"/v1/claims/{claim.id}/changes",
            json={"kind": "health_condition_changed", "happened_on": "2026-10-05",
                  "condition_affects_work": True, "fit_note_until": "2027-01-04"},
            headers=citizen(stack, **{"If-Match": read.headers["etag"]}),
        )  # fmt: skip
        if benefit == ClaimType.NEW_STYLE_ESA:
            assert answers[benefit].status_code == 201, answers[benefit].text
            change = answers[benefit].json()
            # Limited capability for work is determined on an assessment (WRA 2007 s.8): a decision
            # maker's, with the new fit note asked for (due in a month).
            assert change["status"] == "waiting_for_caseworker"
            assert change["effective_from"] == "2026-09-30"  # the benefit week from Wednesday 30 September
            fresh = (await stack.claims.get(f"/v1/claims/{claim.id}", headers=citizen(stack))).json()
            [todo] = [t for t in fresh["todos"] if t["id"] == change["todo_id"]]
            assert (todo["kind"], todo["subject"]) == ("upload_evidence", "fit_note")
            kinds = [i["kind"] for i in await stack.work_items(claim.id)]
            assert "change_of_circumstances" in kinds
    assert "kind" in json.dumps(problem(answers[ClaimType.NEW_STYLE_JSA], 422))
