"""The benefits service's batch route (`POST /v1/assessments/batch`, the monthly run's) over HTTP, on
SQLite and on PostgreSQL: the same awards as one by one, stored in one transaction with one event for
the page, idempotent, each refusal naming its item, for the workers' token only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dwp.benefits.domain.uc_kernel import CARRIED
from dwp.benefits.repository import assessments, outbox
from dwp.contracts import benefits as contract
from tests.integration.conftest import bearer
from tests.integration.test_benefits_api import benefits, problem, uc_body

pytestmark = pytest.mark.integration
__all__ = ["benefits"]  # the fixture, shared with the single route's tests

PATH = contract.ASSESSMENT_BATCH_PATH


def item(n: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "claim_id": f"claim-{n:04d}-{uuid.uuid4().hex[:6]}",
        "circumstances": uc_body(
            housing={"tenure": "social", "monthly_rent": 40_000 + n * 500, "bedrooms": 2}
        ),
        "hmrc_earnings": [{"paid_on": "2025-06-20", "gross": 100_000 + n * 1_000, "income_tax": 4_000}],
    }
    body.update(overrides)
    return body


async def counts(client: httpx.AsyncClient) -> tuple[int, list[str]]:
    database = client._transport.app.state.benefits_context.uow.database  # type: ignore[attr-defined]
    async with database.read() as connection:
        rows = (await connection.execute(select(func.count()).select_from(assessments))).scalar_one()
        kinds = (await connection.execute(select(outbox.c.event_type))).scalars().all()
    return int(rows), list(kinds)


async def test_a_page_is_worked_out_as_one_by_one_and_stored_once(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    workers = tokens("service", subject="workers")
    items = [item(n) for n in range(12)]
    key = {"Idempotency-Key": f"monthly:test:{uuid.uuid4().hex}"}
    rows_before, events_before = await counts(benefits)
    created = await benefits.post(PATH, json={"items": items}, headers=bearer(workers, **key))
    assert created.status_code == 201, created.text
    page = created.json()
    assert [a["claim_id"] for a in page["items"]] == [i["claim_id"] for i in items]
    # The same household through the single route: the same award, carried state and explanation.
    for n in (0, 7, 11):
        single = await benefits.post("/v1/assessments", json=items[n], headers=bearer(workers))
        assert single.status_code == 201, single.text
        one, batched = single.json(), page["items"][n]
        assert batched["award_pence"] == one["award_pence"]
        assert batched["explanation"] == one["explanation"]
        assert batched["carried_state"] == one["carried_state"]
        assert set(batched["carried_state"]) == set(CARRIED)
    rows, kinds = await counts(benefits)
    assert rows == rows_before + 12 + 3
    # One event for the page (and one each for the three single assessments).
    assert kinds.count("benefits.batch_assessed") == events_before.count("benefits.batch_assessed") + 1
    # The page's event carries ids and awards only (decision 4).
    database = benefits._transport.app.state.benefits_context.uow.database  # type: ignore[attr-defined]
    async with database.read() as connection:
        envelopes = (
            (
                await connection.execute(
                    select(outbox.c.envelope).where(outbox.c.event_type == "benefits.batch_assessed")
                )
            )
            .scalars()
            .all()
        )
    data = next(e for e in map(json.loads, envelopes) if e["data"]["batch_id"] == page["batch_id"])["data"]
    assert [a["assessment_id"] for a in data["assessments"]] == [a["id"] for a in page["items"]]
    assert set(data["assessments"][0]) == {
        "assessment_id",
        "claim_id",
        "period_start",
        "period_end",
        "award_pence",
    }

    # A repeat (a worker killed after the call, its shard redone) is the same answer, stored once.
    again = await benefits.post(PATH, json={"items": items}, headers=bearer(workers, **key))
    assert (again.status_code, again.json()) == (201, page)
    assert (await counts(benefits))[0] == rows
    other = await benefits.post(PATH, json={"items": items[:3]}, headers=bearer(workers, **key))
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    read = await benefits.get(f"/v1/assessments/{page['items'][4]['id']}", headers=bearer(workers))
    assert read.status_code == 200
    assert read.json()["inputs"]["claim_id"] == items[4]["claim_id"]


async def test_the_carried_state_comes_in_beside_the_household_and_goes_out_with_the_award(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    workers = tokens("service", subject="workers")
    # A household over the benefit cap in its grace period (UC Regs 2013 reg 82): the months left come
    # in as the previous award carried them, and the award carries one fewer.
    capped = item(0)
    capped["circumstances"] = uc_body(
        adults=[{"date_of_birth": "1985-01-01"}],
        children=[{"date_of_birth": "2019-03-01", "sex": "F"}, {"date_of_birth": "2015-03-01", "sex": "M"}],
        housing={"tenure": "private", "monthly_rent": 250_000, "bedrooms": 2,
                 "lha_rates": {"shared": 50_000, "one": 150_000, "two": 200_000, "three": 250_000,
                               "four": 300_000}},
        cap_grace_period=True,
    )  # fmt: skip
    capped.pop("hmrc_earnings")
    with_state = {**capped, "carried_state": {"grace_months_left": 5, "qualifying_earnings_months": 0}}
    r = await benefits.post(PATH, json={"items": [with_state]}, headers=bearer(workers))
    assert r.status_code == 201, r.text
    single = await benefits.post(
        "/v1/assessments",
        json={**capped, "circumstances": {**capped["circumstances"], "grace_months_left": 5}},
        headers=bearer(workers),
    )
    assert single.status_code == 201, single.text
    [batched] = r.json()["items"]
    assert batched["carried_state"] == single.json()["carried_state"]
    assert batched["award_pence"] == single.json()["award_pence"]
    assert batched["carried_state"]["grace_months_left"] == 4


@pytest.mark.parametrize(
    ("bad", "pointer"),
    [
        ({"circumstances": uc_body(adults=[{"date_of_birth": "1800-01-01"}])},
         "#/items/3/circumstances/adults/0/date_of_birth"),
        ({"hmrc_earnings": [{"paid_on": "2025-09-01", "gross": 1}]}, "#/items/3/hmrc_earnings/0/paid_on"),
        ({"circumstances": uc_body(couple=True)}, "#/items/3/circumstances/adults"),
        ({"circumstances": uc_body(assessment_period_start="2025-06-01", assessment_period_end="2025-06-10"),
          "hmrc_earnings": None},
         "#/items/3/circumstances/assessment_period_end"),
        ({"carried_state": {"surplus_of_the_moon": 1}}, "#/items/3/carried_state/surplus_of_the_moon"),
        ({"carried_state": {"grace_months_left": 99}}, "#/items/3/carried_state/grace_months_left"),
        ({"carried_state": {"grace_months_left": True}}, "#/items/3/carried_state/grace_months_left"),
        ({"claim_id": ""}, "#/items/3/claim_id"),
    ],
)  # fmt: skip
async def test_a_refused_item_is_a_problem_naming_it_and_nothing_is_stored(
    benefits: httpx.AsyncClient, tokens: Callable[..., str], bad: dict[str, Any], pointer: str
) -> None:
    workers = tokens("service", subject="workers")
    items = [item(n) for n in range(5)]
    items[3] = {**items[3], **bad}
    before = await counts(benefits)
    r = await benefits.post(PATH, json={"items": items}, headers=bearer(workers))
    problem(r, pointer)
    assert await counts(benefits) == before


async def test_the_page_is_bounded_and_for_the_workers_only(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    workers = tokens("service", subject="workers")
    assert (await benefits.post(PATH, json={"items": []}, headers=bearer(workers))).status_code == 422
    too_many = [item(0)] * (contract.MAX_ASSESSMENT_BATCH + 1)
    r = await benefits.post(PATH, json={"items": too_many}, headers=bearer(workers))
    problem(r, "#/items")
    most = [item(n % 50) for n in range(contract.MAX_ASSESSMENT_BATCH)]
    full = await benefits.post(PATH, json={"items": most}, headers=bearer(workers))
    assert full.status_code == 201, full.text
    assert len(full.json()["items"]) == contract.MAX_ASSESSMENT_BATCH
    body = {"items": [item(0)]}
    assert (await benefits.post(PATH, json=body)).status_code == 401
    for token in (
        tokens(),
        tokens("caseworker", roles=["caseworker"]),
        tokens("service", subject="claims"),
    ):
        refused = await benefits.post(PATH, json=body, headers=bearer(token))
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
