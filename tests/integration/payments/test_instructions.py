"""Payment instructions against the payment system simulator over real HTTP, on both databases: a worker
killed between sending and recording (reconciled, nothing paid twice), rejections and returns (an event
for claims), the payment system down (nothing lost or doubled), a held change of bank details."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from dwp.payments import service
from dwp.payments.payment_system import LOCAL_KEY, HttpPaymentSystem
from dwp.payments.repository import outbox
from dwp.platform.http import ResilientClient, RetryPolicy, UpstreamRejected
from dwp.platform.settings import Settings
from dwp.simulators.payments.app import create_app
from tests.integration.conftest import bearer, service_token
from tests.servers import running

pytestmark = pytest.mark.integration

THROUGH = date(2026, 11, 30)


class Killed(BaseException):
    """The worker dies: like a SIGKILL, nothing after this point of the run happens."""


@pytest.fixture
def simulator() -> Iterator[str]:
    with running(create_app()) as url:
        yield url


@pytest.fixture
async def system(simulator: str) -> HttpPaymentSystem:
    client = ResilientClient("payment-system", simulator, policy=RetryPolicy(attempts=2, total_seconds=5))
    return HttpPaymentSystem(client, LOCAL_KEY)


def fresh_account(name: str = "Zoë O'Brien") -> dict:
    """An account of sort code 10-79-99 (modulus 11, weights 8 7 6 5 4 3 2 1) nobody else has."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(7)]
        last = (11 - sum(d * w for d, w in zip(digits, (8, 7, 6, 5, 4, 3, 2), strict=True)) % 11) % 11
        if last < 10:
            return {
                "sort_code": "107999",
                "account_number": "".join(map(str, digits)) + str(last),
                "account_name": name,
            }


async def claimant(
    client: httpx.AsyncClient, tokens: Callable, settings: Settings, *, periods: int = 2
) -> tuple[str, dict, list[str]]:
    """A citizen with bank details and a UC award from 1 September 2026: payments on Wednesday 7 October
    and (7 November being a Saturday) Friday 6 November. Returns the citizen, account and award id."""
    citizen = str(uuid.uuid4())
    account = fresh_account()
    given = await client.put(
        f"/v1/payments/citizens/{citizen}/bank-details",
        json=account,
        headers=bearer(tokens(citizen_id=citizen)),
    )
    assert given.status_code == 200, given.text
    award_id = str(uuid.uuid4())
    body = {
        "claim_id": str(uuid.uuid4()),
        "citizen_id": citizen,
        "benefit": "universal_credit",
        "first_day": "2026-09-01",
        "period_amounts": [61_000] * periods,
    }
    stored = await client.put(
        f"/v1/internal/payments/awards/{award_id}",
        json=body,
        headers=bearer(service_token(settings, "claims")),
    )
    assert stored.status_code == 200, stored.text
    from dwp.payments.domain.schedule import instruction_id

    return citizen, account, [instruction_id(award_id, n) for n in range(periods)]


async def at_simulator(url: str) -> dict:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{url}/_simulator/payments")).json()


async def payments_seen(client: httpx.AsyncClient, tokens: Callable, citizen: str) -> list[tuple[str, str]]:
    answer = await client.get(
        f"/v1/payments/citizens/{citizen}/payments", headers=bearer(tokens(citizen_id=citizen))
    )
    [award] = answer.json()["items"]
    return [(p["pay_on"], p["status"]) for p in award["payments"]]


async def events_of(app: FastAPI, citizen: str) -> list[dict]:
    async with app.state.payments_context.uow.database.read() as session:
        rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.occurred_at))).all()
    found = [json.loads(r.envelope) for r in rows]
    return [e for e in found if e["data"].get("citizen_id") == citizen]


async def test_a_worker_killed_between_sending_and_recording_pays_nobody_twice(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    ada, _, ada_ids = await claimant(client, tokens, bootstrapped)
    _alan, _, alan_ids = await claimant(client, tokens, bootstrapped)
    ours = ada_ids + alan_ids

    async def die(sent: list[str]) -> None:
        raise Killed

    with pytest.raises(Killed):
        await service.run_payments(ctx, system, through=THROUGH, after_send=die)
    # The payment system took them; payments recorded none of its answers.
    seen = (await at_simulator(simulator))["instructions"]
    assert all(seen[i]["paid"] == 1 for i in ours)
    assert [s for _, s in await payments_seen(client, tokens, ada)] == ["pending", "pending"]
    # The next run (through the workers' route) reconciles by instruction id before it sends anything.
    payments_app.state.payment_system = system
    run = await client.post(
        "/v1/internal/payments/runs",
        json={"through": THROUGH.isoformat()},
        headers=bearer(service_token(bootstrapped, "workers")),
    )
    assert run.status_code == 200, run.text
    assert run.json()["reconciled"] >= len(ours)
    seen = (await at_simulator(simulator))["instructions"]
    assert [(seen[i]["submissions"], seen[i]["paid"]) for i in ours] == [(1, 1)] * len(ours)
    assert await payments_seen(client, tokens, ada) == [("2026-10-07", "paid"), ("2026-11-06", "paid")]
    # A run again changes nothing and sends nothing of ours.
    await service.run_payments(ctx, system, through=THROUGH)
    seen = (await at_simulator(simulator))["instructions"]
    assert [seen[i]["submissions"] for i in ours] == [1] * len(ours)
    refused = await client.post(
        "/v1/internal/payments/runs",
        json={"through": "2026-11-30"},
        headers=bearer(service_token(bootstrapped, "claims")),
    )
    assert refused.status_code == 403


async def test_resending_without_reconciling_is_still_one_payment(
    client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings, payments_app: FastAPI, simulator: str
) -> None:
    ctx = payments_app.state.payments_context
    _, _, ids = await claimant(client, tokens, bootstrapped)
    client_ = ResilientClient("payment-system", simulator)
    system = HttpPaymentSystem(client_, LOCAL_KEY)

    async def die(sent: list[str]) -> None:
        raise Killed

    with pytest.raises(Killed):
        await service.run_payments(ctx, system, through=THROUGH, after_send=die)
    # Send the pending ones again as they are (no reconciliation): the system knows the ids.
    await service.send_pending(ctx, system, report=service.RunReport())
    seen = (await at_simulator(simulator))["instructions"]
    assert [(seen[i]["submissions"], seen[i]["paid"]) for i in ids] == [(2, 1), (2, 1)]


async def test_rejected_and_returned_payments_raise_an_event_for_claims_once(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    ada, ada_account, _ = await claimant(client, tokens, bootstrapped, periods=1)
    alan, alan_account, _ = await claimant(client, tokens, bootstrapped, periods=1)
    async with httpx.AsyncClient() as http:
        for account, outcome, code in ((ada_account, "reject", "R04"), (alan_account, "return", "ARUCS-B")):
            rule = {
                **{k: account[k] for k in ("sort_code", "account_number")},
                "outcome": outcome,
                "reason_code": code,
            }
            assert (await http.put(f"{simulator}/_simulator/payments/accounts", json=rule)).status_code == 200
    await service.run_payments(ctx, system, through=THROUGH)
    assert await payments_seen(client, tokens, ada) == [("2026-10-07", "rejected")]
    assert await payments_seen(client, tokens, alan) == [("2026-10-07", "returned")]
    await service.run_payments(ctx, system, through=THROUGH)
    for citizen, stage, code in ((ada, "rejected", "R04"), (alan, "returned", "ARUCS-B")):
        returned = [
            e
            for e in await events_of(payments_app, citizen)
            if e["event_type"] == "payments.payment_returned"
        ]
        assert len(returned) == 1
        assert returned[0]["data"]["stage"] == stage
        assert returned[0]["data"]["reason_code"] == code
        assert "107999" not in json.dumps(returned)  # no bank details in an event
    reasons = (
        await client.get(f"/v1/payments/citizens/{ada}/payments", headers=bearer(tokens(citizen_id=ada)))
    ).json()
    assert reasons["items"][0]["payments"][0]["reason_code"] == "R04"


async def test_the_payment_system_down_loses_nothing_and_doubles_nothing(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    citizen, _, ids = await claimant(client, tokens, bootstrapped)
    async with httpx.AsyncClient() as http:
        await http.put(f"{simulator}/_simulator/control", json={"fault": "error", "status": 503})
        down = await service.run_payments(ctx, system, through=THROUGH)
        assert down.system_unavailable
        assert down.still_pending >= len(ids)
        assert await payments_seen(client, tokens, citizen) == [
            ("2026-10-07", "pending"),
            ("2026-11-06", "pending"),
        ]
        await http.delete(f"{simulator}/_simulator/control")
    back = await service.run_payments(ctx, system, through=THROUGH)
    assert not back.system_unavailable
    seen = (await at_simulator(simulator))["instructions"]
    assert [seen[i]["paid"] for i in ids] == [1, 1]
    assert [s for _, s in await payments_seen(client, tokens, citizen)] == ["paid", "paid"]


async def test_a_held_change_of_bank_details_holds_the_payments_until_a_caseworker_releases_them(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    citizen, _, ids = await claimant(client, tokens, bootstrapped, periods=1)
    changed = await client.put(
        f"/v1/payments/citizens/{citizen}/bank-details",
        json=fresh_account(),
        headers=bearer(tokens(citizen_id=citizen), **{"If-Match": '"1"', "X-Device-Id": "new-phone"}),
    )
    assert changed.json()["payment_held"] is True
    await service.run_payments(ctx, system, through=THROUGH)
    assert ids[0] not in (await at_simulator(simulator))["instructions"]
    staff = bearer(tokens("caseworker", roles=["caseworker"], subject="cw-2"))
    holds = (await client.get("/v1/payments/holds", headers=staff)).json()["items"]
    [hold] = [h for h in holds if h["citizen_id"] == citizen]
    decided = await client.post(
        f"/v1/payments/holds/{hold['id']}/decision",
        json={"outcome": "release", "reason": "Checked"},
        headers=staff,
    )
    assert decided.status_code == 200
    await service.run_payments(ctx, system, through=THROUGH)
    assert (await at_simulator(simulator))["instructions"][ids[0]]["paid"] == 1


async def test_a_stopped_change_pays_nothing_until_the_person_gives_their_bank_details_again(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    citizen, _, ids = await claimant(client, tokens, bootstrapped, periods=1)
    path = f"/v1/payments/citizens/{citizen}/bank-details"
    changed = await client.put(
        path,
        json=fresh_account(),
        headers=bearer(tokens(citizen_id=citizen), **{"If-Match": '"1"', "X-Device-Id": "stolen-phone"}),
    )
    assert changed.json()["payment_held"] is True
    staff = bearer(tokens("caseworker", roles=["caseworker"], subject="cw-3"))
    [hold] = [
        h
        for h in (await client.get("/v1/payments/holds", headers=staff)).json()["items"]
        if h["citizen_id"] == citizen
    ]
    stop = {"outcome": "stop", "reason": "The claimant did not make this change"}
    assert (
        await client.post(f"/v1/payments/holds/{hold['id']}/decision", json=stop, headers=staff)
    ).status_code == 200
    report = await service.run_payments(ctx, system, through=THROUGH)
    assert report.waiting_for_hold >= 1
    assert ids[0] not in (await at_simulator(simulator))["instructions"]
    # The person gives their own account again; a second change so soon is itself checked, and once a
    # caseworker has released that one the payment goes to it.
    again = await client.put(
        path, json=fresh_account(), headers=bearer(tokens(citizen_id=citizen), **{"If-Match": '"2"'})
    )
    assert again.json()["payment_held"] is True
    await service.run_payments(ctx, system, through=THROUGH)
    assert ids[0] not in (await at_simulator(simulator))["instructions"]
    holds = (await client.get("/v1/payments/holds", headers=staff)).json()["items"]
    [second] = [h for h in holds if h["citizen_id"] == citizen]
    assert "changes-in-quick-succession" in second["reasons"]
    release = {"outcome": "release", "reason": "Confirmed with the claimant at the Jobcentre"}
    assert (
        await client.post(f"/v1/payments/holds/{second['id']}/decision", json=release, headers=staff)
    ).status_code == 200
    await service.run_payments(ctx, system, through=THROUGH)
    assert (await at_simulator(simulator))["instructions"][ids[0]]["paid"] == 1


async def test_two_runs_at_once_record_and_pay_each_payment_once(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    citizen, _, ids = await claimant(client, tokens, bootstrapped)
    reports = await asyncio.gather(
        service.run_payments(ctx, system, through=THROUGH), service.run_payments(ctx, system, through=THROUGH)
    )
    seen = (await at_simulator(simulator))["instructions"]
    assert [seen[i]["paid"] for i in ids] == [1, 1]
    assert sum(r.planned for r in reports) >= len(ids)
    assert [s for _, s in await payments_seen(client, tokens, citizen)] == ["paid", "paid"]


async def test_two_readers_of_the_returns_write_its_cursor_at_once_and_neither_fails(
    payments_app: FastAPI,
) -> None:
    """Found in CI: two runs both found no cursor, both inserted it, and one failed on the primary key.
    Each writer here is its own transaction, as each run's is; the last to commit wins."""
    ctx = payments_app.state.payments_context
    name = f"returns-{uuid.uuid4()}"

    async def write(value: str) -> None:
        async with ctx.uow() as uow:
            await uow.repository.set_cursor(name, value)

    await asyncio.gather(*(write(str(n)) for n in range(6)))
    async with ctx.uow(read_only=True) as uow:
        assert await uow.repository.cursor(name) in {str(n) for n in range(6)}


async def test_a_rotated_payment_system_key_is_read_again_and_the_next_call_succeeds(
    simulator: str, make_settings: Any
) -> None:
    """The bureau issues a new key, put in Secrets Manager: the next call is refused 401, the payments
    service reads the secret again once and sends the call once more, with no restart."""
    from dwp.platform import aws, catalog
    from dwp.platform.aws import bootstrap

    settings = make_settings()
    bootstrap(settings)
    manager = aws.client("secretsmanager", settings)
    before = manager.get_secret_value(SecretId=catalog.PAYMENT_SYSTEM_KEY_SECRET)["SecretString"]
    assert before == LOCAL_KEY  # dwp bootstrap: the simulator's local key
    system = HttpPaymentSystem.from_settings(settings)
    system._client = ResilientClient(
        "payment-system", simulator, policy=RetryPolicy(attempts=2, total_seconds=5)
    )
    try:
        assert (await system.returns(None)).items is not None
        rotated = f"rotated-{uuid.uuid4().hex}"
        async with httpx.AsyncClient(base_url=simulator) as control:
            assert (await control.put("/_simulator/key", json={"key": rotated})).status_code == 200
        manager.put_secret_value(SecretId=catalog.PAYMENT_SYSTEM_KEY_SECRET, SecretString=rotated)
        key = system._key
        assert not isinstance(key, str)
        reads = key.secret.reads
        assert (await system.returns(None)).items is not None
        assert key.secret.reads == reads + 1
        # A refusal that is no rotation (the secret unchanged) is not sent again: one read, one refusal.
        async with httpx.AsyncClient(base_url=simulator) as control:
            await control.put("/_simulator/key", json={"key": f"other-{uuid.uuid4().hex}"})
        with pytest.raises(UpstreamRejected) as refused:
            await system.returns(None)
        assert refused.value.status == 401
        assert key.secret.reads == reads + 2
    finally:
        manager.put_secret_value(SecretId=catalog.PAYMENT_SYSTEM_KEY_SECRET, SecretString=before)
        await system.aclose()
