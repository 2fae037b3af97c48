"""The platform's idempotency keys on SQLite and PostgreSQL: claim, replay, reuse, in-flight, release,
lease takeover; and concurrent retries of one registration through the citizen service."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from dwp.citizen.repository import citizens
from dwp.platform.database import Database, new_metadata
from dwp.platform.idempotency import (
    COMPRESSED,
    Claim,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    IdempotencyKeys,
    StoredResponse,
    idempotency_table,
    idempotent,
    request_fingerprint,
)
from dwp.platform.problems import PLATFORM_ERRORS
from dwp.platform.settings import Settings
from tests.fakes.clock import FakeClock
from tests.integration.conftest import on_behalf_of
from tests.integration.test_citizen_api import details

pytestmark = pytest.mark.integration

metadata = new_metadata()
table = idempotency_table(metadata)
ANSWER = StoredResponse(201, {"id": "thing-1"}, {"Location": "/v1/things/thing-1"})


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings, f"idem_{uuid.uuid4().hex[:8]}")
    if database.is_postgres:
        from sqlalchemy import text

        async with database.engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys(database: Database, clock: FakeClock) -> IdempotencyKeys:
    return IdempotencyKeys(database, table, clock=clock, lease_seconds=30, retry_after_seconds=2)


async def finish(keys: IdempotencyKeys, database: Database, claim: Claim, answer: StoredResponse) -> None:
    async with database.transaction() as connection:
        await keys.complete(connection, claim, answer)


async def test_claim_then_replay_the_original_answer(keys: IdempotencyKeys, database: Database) -> None:
    claim = await keys.claim(principal="p", key="k", request_hash="h1")
    assert isinstance(claim, Claim)
    await finish(keys, database, claim, ANSWER)
    replay = await keys.claim(principal="p", key="k", request_hash="h1")
    assert replay == StoredResponse(201, {"id": "thing-1"}, {"Location": "/v1/things/thing-1"}, replayed=True)
    response = replay.as_response()
    assert (response.status_code, response.headers["location"], response.headers["idempotent-replayed"]) == (
        201,
        "/v1/things/thing-1",
        "true",
    )


async def test_a_large_answer_is_recorded_compressed_and_replayed_as_it_was(
    keys: IdempotencyKeys, database: Database
) -> None:
    body = {
        "items": [
            {
                "id": f"a-{i}",
                "award_pence": 40_000 + i,
                "lines": [{"key": "uc.standard", "text": "Standard"}] * 5,
            }
            for i in range(500)
        ]
    }
    claim = await keys.claim(principal="p", key="big", request_hash="h1")
    assert isinstance(claim, Claim)
    await finish(keys, database, claim, StoredResponse(201, body))
    async with database.read() as connection:
        recorded = (
            await connection.execute(select(table.c.response_body).where(table.c.key == "big"))
        ).scalar_one()
    raw = len(json.dumps(body))
    assert recorded.startswith(COMPRESSED)
    assert len(recorded) < raw / 10  # the record keeps a tenth of the JSON or less
    replay = await keys.claim(principal="p", key="big", request_hash="h1")
    assert replay == StoredResponse(201, body, replayed=True)
    assert json.loads(replay.as_response().body) == body


async def test_in_flight_is_409_with_retry_after_and_another_body_is_422(keys: IdempotencyKeys) -> None:
    await keys.claim(principal="p", key="k", request_hash="h1")
    with pytest.raises(IdempotencyKeyInProgress) as in_flight:
        await keys.claim(principal="p", key="k", request_hash="h1")
    problem = PLATFORM_ERRORS[IdempotencyKeyInProgress].problem(in_flight.value)
    assert problem.status == 409
    assert problem.type.endswith("idempotency-key-in-progress")
    assert problem.headers == {"Retry-After": "2"}
    with pytest.raises(IdempotencyKeyReused) as reused:
        await keys.claim(principal="p", key="k", request_hash="h2")
    assert PLATFORM_ERRORS[IdempotencyKeyReused].problem(reused.value).status == 422


async def test_keys_belong_to_their_principal(keys: IdempotencyKeys, database: Database) -> None:
    mine = await keys.claim(principal="alice", key="k", request_hash="h")
    assert isinstance(mine, Claim)
    await finish(keys, database, mine, ANSWER)
    assert isinstance(await keys.claim(principal="bob", key="k", request_hash="h"), Claim)


async def test_a_failed_request_releases_its_key(keys: IdempotencyKeys) -> None:
    async def fails(claim: Claim | None) -> StoredResponse:
        assert claim is not None
        raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await idempotent(keys, principal="p", key="k", request_hash="h", run=fails)
    assert isinstance(await keys.claim(principal="p", key="k", request_hash="h"), Claim)


async def test_an_abandoned_claim_is_taken_over_after_its_lease(
    keys: IdempotencyKeys, database: Database, clock: FakeClock
) -> None:
    first = await keys.claim(principal="p", key="k", request_hash="h")
    assert isinstance(first, Claim)
    clock.advance(timedelta(seconds=29))
    with pytest.raises(IdempotencyKeyInProgress):
        await keys.claim(principal="p", key="k", request_hash="h")
    clock.advance(timedelta(seconds=2))
    second = await keys.claim(principal="p", key="k", request_hash="h")
    assert isinstance(second, Claim)
    assert second.lease != first.lease
    # The first request, if it was only slow, can no longer record its answer: its work rolls back.
    with pytest.raises(IdempotencyKeyInProgress):
        await finish(keys, database, first, ANSWER)
    await finish(keys, database, second, StoredResponse(201, {"id": "second"}))
    replay = await keys.claim(principal="p", key="k", request_hash="h")
    assert isinstance(replay, StoredResponse)
    assert replay.body == {"id": "second"}


async def test_a_request_slower_than_its_lease_keeps_its_key_by_its_heartbeat(
    database: Database, clock: FakeClock
) -> None:
    """The lease is short so that a retry after a kill waits little; a live holder renews it."""
    keys = IdempotencyKeys(database, table, clock=clock, lease_seconds=0.3)
    go_on = asyncio.Event()

    async def slow(claim: Claim | None) -> StoredResponse:
        assert claim is not None
        await go_on.wait()
        await finish(keys, database, claim, ANSWER)
        return ANSWER

    async def locked_until() -> object:
        async with database.read() as connection:
            return (await connection.execute(select(table.c.locked_until))).scalar()

    running = asyncio.create_task(idempotent(keys, principal="p", key="k", request_hash="h", run=slow))
    for _ in range(200):  # until the request has claimed its key
        if await locked_until() is not None:
            break
        await asyncio.sleep(0.02)
    clock.advance(timedelta(seconds=5))  # far past the lease it claimed: only a heartbeat keeps it
    for _ in range(200):  # until the heartbeat has renewed it at the new time
        until = await locked_until()
        assert isinstance(until, datetime)
        if (until if until.tzinfo else until.replace(tzinfo=UTC)) > clock():
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the lease was never renewed")
    with pytest.raises(IdempotencyKeyInProgress):  # not taken over: its holder is alive
        await keys.claim(principal="p", key="k", request_hash="h")
    go_on.set()
    assert await asyncio.wait_for(running, timeout=10) == ANSWER
    assert await keys.claim(principal="p", key="k", request_hash="h") == StoredResponse(
        201, ANSWER.body, ANSWER.headers, replayed=True
    )


async def test_without_a_key_the_request_simply_runs(keys: IdempotencyKeys) -> None:
    calls: list[Claim | None] = []

    async def run(claim: Claim | None) -> StoredResponse:
        calls.append(claim)
        return ANSWER

    assert await idempotent(keys, principal="p", key=None, request_hash="h", run=run) == ANSWER
    assert calls == [None]


async def test_an_answer_the_work_did_not_record_is_recorded_after_it(keys: IdempotencyKeys) -> None:
    async def forgets_to_remember(claim: Claim | None) -> StoredResponse:
        return ANSWER

    assert await idempotent(keys, principal="p", key="k", request_hash="h", run=forgets_to_remember) == ANSWER
    replay = await keys.claim(principal="p", key="k", request_hash="h")
    assert isinstance(replay, StoredResponse)
    assert (replay.status, replay.body, replay.replayed) == (201, {"id": "thing-1"}, True)


def test_fingerprint_ignores_key_order_but_not_content() -> None:
    assert request_fingerprint("post", "/v1/x", {"a": 1, "b": [1, 2]}) == request_fingerprint(
        "POST", "/v1/x", {"b": [1, 2], "a": 1}
    )
    assert request_fingerprint("POST", "/v1/x", {"a": 1}) != request_fingerprint("POST", "/v1/x", {"a": 2})
    assert request_fingerprint("POST", "/v1/x", {"a": 1}) != request_fingerprint("POST", "/v1/y", {"a": 1})


async def test_concurrent_retries_of_one_registration(
    citizen_app: FastAPI, client: httpx.AsyncClient, tokens
) -> None:
    """Ten copies of one registration sent at once with one key: one record; each caller gets the
    original 201 or 409 in progress (never "already registered"); retrying the 409s gets the 201."""
    citizen_id = str(uuid.uuid4())
    headers = on_behalf_of(
        client, tokens(citizen_id=citizen_id), **{"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    )
    body = details()

    async def send() -> httpx.Response:
        return await client.post("/v1/internal/citizens", json=body, headers=headers)

    first_round = await asyncio.gather(*(send() for _ in range(10)))
    statuses = sorted(r.status_code for r in first_round)
    assert set(statuses) <= {201, 409}, [r.text for r in first_round]
    assert statuses.count(201) >= 1
    for response in first_round:
        if response.status_code == 409:
            problem = response.json()
            assert problem["type"].endswith("idempotency-key-in-progress"), problem
            assert response.headers["retry-after"] == "1"
    created = [r.json() for r in first_round if r.status_code == 201]
    assert all(c == created[0] for c in created)
    retried = await asyncio.gather(*(send() for r in first_round if r.status_code == 409))
    assert all(r.status_code == 201 and r.json() == created[0] for r in retried), [r.text for r in retried]
    database = citizen_app.state.citizen_context.uow.database
    async with database.read() as connection:
        count = await connection.execute(
            select(func.count()).select_from(citizens).where(citizens.c.id == citizen_id)
        )
        assert count.scalar_one() == 1
