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
