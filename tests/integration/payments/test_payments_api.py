"""Awards given to payments (claims' internal route) and the schedule a citizen sees, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dwp.platform.settings import Settings
from tests.integration.conftest import bearer, service_token

pytestmark = pytest.mark.integration


def award(citizen_id: str, **overrides: object) -> dict:
    body: dict = {
        "claim_id": str(uuid.uuid4()),
        "citizen_id": citizen_id,
        "benefit": "universal_credit",
        "first_day": "2026-11-19",
        "period_amounts": [80_000, 80_000],
        "advance": {"pence": 30_000, "paid_on": "2026-11-26", "instalments": 12},
        "deductions": [{"code": "third-party-rent-arrears", "pence": 1_000}],
    }
    body.update(overrides)
    return body


async def test_claims_gives_an_award_and_its_citizen_sees_the_schedule(
    client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
) -> None:
    citizen, other = str(uuid.uuid4()), str(uuid.uuid4())
    award_id = str(uuid.uuid4())
    claims = bearer(service_token(bootstrapped, "claims"))
    stored = await client.put(f"/v1/internal/payments/awards/{award_id}", json=award(citizen), headers=claims)
    assert stored.status_code == 200, stored.text
    assert stored.json()["version"] == 1
    again = await client.put(f"/v1/internal/payments/awards/{award_id}", json=award(citizen), headers=claims)
    assert again.json()["version"] == 1  # the same terms are the same version, not a new one
    mine = await client.get(
        f"/v1/payments/citizens/{citizen}/payments", headers=bearer(tokens(citizen_id=citizen))
    )
    assert mine.status_code == 200, mine.text
    [view] = mine.json()["items"]
    first = view["payments"][0]
    assert (first["due_on"], first["pay_on"]) == ("2026-12-25", "2026-12-24")
    assert first["moved_because"] == ["2026-12-25 is Christmas Day"]
    assert first["deductions"] == [
        {"code": "advance-recovery", "pence": 2_500},
        {"code": "third-party-rent-arrears", "pence": 1_000},
    ]
    assert first["net_pence"] == 76_500
    assert view["advance_outstanding_pence"] == 25_000
    # Another citizen sees nothing of it: 404, as if there were no such person.
    theirs = await client.get(
        f"/v1/payments/citizens/{citizen}/payments", headers=bearer(tokens(citizen_id=other))
    )
    assert theirs.status_code == 404


async def test_only_claims_and_the_workers_give_awards_and_bad_ones_are_refused(
    client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
) -> None:
    citizen = str(uuid.uuid4())
    path = f"/v1/internal/payments/awards/{uuid.uuid4()}"
    refused = await client.put(
        path, json=award(citizen), headers=bearer(service_token(bootstrapped, "citizen"))
    )
    assert refused.status_code == 403
    assert (
        await client.put(path, json=award(citizen), headers=bearer(tokens(citizen_id=citizen)))
    ).status_code == 403
    claims = bearer(service_token(bootstrapped, "claims"))
    for bad in (
        {"first_day": "9999-12-20"},
        {"period_amounts": [-5]},
        {"advance": {"pence": 100, "paid_on": "2026-11-26", "instalments": 25}},
        {"benefit": "pension_credit"},
        {"deductions": [{"code": "rent\u0000", "pence": 1}]},
    ):
        answer = await client.put(path, json=award(citizen, **bad), headers=claims)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    # An award id already another person's is refused.
    taken = f"/v1/internal/payments/awards/{uuid.uuid4()}"
    assert (await client.put(taken, json=award(citizen), headers=claims)).status_code == 200
    assert (await client.put(taken, json=award(str(uuid.uuid4())), headers=claims)).status_code == 422


async def test_a_held_change_shows_the_next_payment_as_held(
    client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
) -> None:
    citizen = str(uuid.uuid4())
    token = tokens(citizen_id=citizen)
    path = f"/v1/payments/citizens/{citizen}/bank-details"
    first = {"sort_code": "089999", "account_number": "66374958", "account_name": "A Person"}
    assert (await client.put(path, json=first, headers=bearer(token))).status_code == 200
    claims = bearer(service_token(bootstrapped, "claims"))
    # An award that starts tomorrow, so both payment days are after the service's today.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    body = award(citizen, first_day=tomorrow, advance=None)
    stored = await client.put(f"/v1/internal/payments/awards/{uuid.uuid4()}", json=body, headers=claims)
    assert stored.status_code == 200, stored.text
    second = {"sort_code": "107999", "account_number": "88837491", "account_name": "A Person"}
    changed = await client.put(
        path, json=second, headers=bearer(token, **{"If-Match": '"1"', "X-Device-Id": "x"})
    )
    assert changed.json()["payment_held"] is True
    mine = await client.get(f"/v1/payments/citizens/{citizen}/payments", headers=bearer(token))
    # The next payment waits for the caseworker; the one after it is due.
    assert [p["status"] for p in mine.json()["items"][0]["payments"]] == ["held", "due"]
