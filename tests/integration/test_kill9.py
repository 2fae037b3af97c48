"""The counted kill -9 fault suite (issue 11, "A fault suite that stays"): slow, run by `make faults`.

Two scenarios, each on SQLite and on PostgreSQL: registrations while the citizen process is killed, and
claim submissions while the claims process is killed.

Real processes: the embedded AWS endpoint, the citizen service and the gateway, each its own OS
process. A client registers people through the gateway (a caseworker's in-person registration, each
with its own Idempotency-Key, retried with the same key until it is acknowledged) while the citizen
process is killed with SIGKILL at random moments and started again, as a supervisor would. Afterwards,
on SQLite and on PostgreSQL, it counts rather than reads logs:

- every acknowledged registration is in the database exactly once, with exactly one audit row;
- every one's `citizen.registered` event reaches a consumer of the citizen topic (the test's own SQS
  queue): none lost; deliveries of one event more than once are counted (a relay killed between
  publishing and marking sends again; the consumer's inbox removes them by event id).

The claims scenario prepares complete draft claims through the gateway, then submits each (its own
Idempotency-Key and If-Match, retried with the same ones until acknowledged) while the claims process is
killed; afterwards every acknowledged claim is submitted once (one `submit` audit row) and its
`claims.submitted` event reaches a consumer of the claims topic, once as an event (deliveries counted).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dwp.platform import aws, catalog
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.embedded_aws import wait_for_port
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.conftest import DATABASES, free_port

pytestmark = [pytest.mark.integration, pytest.mark.faults]

REGISTRATIONS = int(os.environ.get("DWP_FAULT_REGISTRATIONS", "300"))
CONCURRENCY = 6
KILLS = int(os.environ.get("DWP_FAULT_KILLS", "3"))


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    port: int
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(  # our own fixed arguments
                [sys.executable, "-m", "dwp.cli", *self.args], env=self.env, stdout=out, stderr=out
            )
        self.starts += 1
        try:  # generous: a start under a shared load (2 cores, several suites) has taken over a minute
            wait_for_port("127.0.0.1", self.port, timeout=180)
        except TimeoutError as exc:
            raise AssertionError(f"{self.name} did not listen: {self.log.read_text()[-2000:]}") from exc
        assert self.popen.poll() is None, f"{self.name} exited: {self.log.read_text()[-2000:]}"

    def kill9(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Tally:
    acknowledged: dict[str, str] = field(default_factory=dict)  # citizen id -> idempotency key
    attempts: int = 0
    statuses: Counter[int | str] = field(default_factory=Counter)


Platform = tuple[Settings, dict[str, Process]]


def _platform(
    request: pytest.FixtureRequest, tmp_path: Path, services: tuple[str, ...]
) -> Iterator[Platform]:
    """The embedded AWS endpoint, `services` (migrated) and the gateway, each its own process."""
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    names = ("aws", *services, "gateway")
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(names):  # all different: a port just freed may be given again
        ports = {name: free_port() for name in names}
    data_dir = tmp_path / ".dwp"
    env = {
        **os.environ,
        "DWP_ENV": "test",
        "DWP_DATA_DIR": str(data_dir),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['aws']}",
        **{f"DWP_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in services},
        "DWP_OUTBOX_INTERVAL_SECONDS": "0.2",
        "DWP_GATEWAY_RATE_LIMIT": "100000/second",
        "DWP_LOG_LEVEL": "warning",
    }
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    settings = Settings(
        dwp_env="test", dwp_data_dir=data_dir, aws_endpoint_url=env["AWS_ENDPOINT_URL"],
        database_url=database_url, redis_url=None,
    )  # fmt: skip
    processes = {
        "aws": Process(
            "aws", ["aws-endpoint", "--port", str(ports["aws"])], env, ports["aws"], tmp_path / "aws.log"
        ),
        **{
            name: Process(
                name, ["serve", name, "--port", str(ports[name])], env, ports[name], tmp_path / f"{name}.log"
            )
            for name in (*services, "gateway")
        },
    }  # fmt: skip
    try:
        processes["aws"].start()
        aws.bootstrap(settings)
        for name in services:
            upgrade(name, settings)
        for name in (*services, "gateway"):
            processes[name].start()
        yield settings, processes
    finally:
        for process in reversed(processes.values()):
            process.stop()


@pytest.fixture(params=DATABASES)
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    yield from _platform(request, tmp_path, ("citizen",))


@pytest.fixture(params=DATABASES)
def claims_platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    yield from _platform(request, tmp_path, ("claims",))


def _consumer_queue(settings: Settings, topic_name: str = catalog.CITIZEN_EVENTS_TOPIC) -> str:
    """The test's own consumer of a topic: a queue subscribed with raw delivery."""
    sqs, sns = aws.client("sqs", settings), aws.client("sns", settings)
    url: str = sqs.create_queue(QueueName=f"fault-count-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = aws.topic_arn(settings, topic_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


async def _register_all(base_url: str, token: str, tally: Tally, done: asyncio.Event) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    offset = random.randrange(0, 999_999 - REGISTRATIONS)  # NINOs unique in the run: a repeat would be held
    for n in range(REGISTRATIONS):
        queue.put_nowait(offset + n)

    async def one(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            number = queue.get_nowait()
            citizen_id, key = str(uuid.uuid4()), f"fault-{uuid.uuid4().hex}"
            body = {
                "citizen_id": citizen_id, "given_name": "Ada", "family_name": "Lovelace",
                "date_of_birth": "1990-01-01", "national_insurance_number": f"JT{number:06d}A",
                "email": "ada@example.com",
                "identity_check": {"documents": ["passport"]},
            }  # fmt: skip
            give_up = time.monotonic() + 120
            while True:  # a client that retries with the same key until it is acknowledged
                assert time.monotonic() < give_up, f"registration {key} never acknowledged: {tally.statuses}"
                tally.attempts += 1
                try:
                    response = await client.post(
                        "/v1/citizens", json=body,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    )  # fmt: skip
                except httpx.TransportError as exc:
                    tally.statuses[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                tally.statuses[response.status_code] += 1
                if response.status_code == 201:
                    tally.acknowledged[citizen_id] = key
                    break
                assert response.status_code in (409, 502, 503, 504), response.text  # never a 500
                await asyncio.sleep(float(response.headers.get("retry-after", "0.1")) / 10)

    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            await asyncio.gather(*(one(client) for _ in range(CONCURRENCY)))
    finally:
        done.set()  # also when a registration failed: the killer stops waiting for it


async def _kill_at_random(
    citizen: Process, tally: Tally, done: asyncio.Event, total: int = REGISTRATIONS
) -> int:
    kills = 0
    marks = sorted(random.sample(range(total // 10, total * 9 // 10), KILLS))
    for mark in marks:
        while len(tally.acknowledged) < mark and not done.is_set():  # noqa: ASYNC110 - watches the client
            await asyncio.sleep(0.01)
        if done.is_set():
            break
        await asyncio.sleep(random.uniform(0, 0.05))  # mid-request, at a random moment
        citizen.kill9()
        kills += 1
        await asyncio.to_thread(citizen.start)  # the supervisor starts it again
    return kills


def _drain(
    settings: Settings,
    queue_url: str,
    expected: set[str],
    timeout: float = 120,
    *,
    event_type: str = "citizen.registered",
    subject: str = "citizen_id",
) -> Counter[str]:
    """Event id -> deliveries of `event_type` events, once every expected subject (the event's `subject`
    field: a citizen's id, a claim's) has one."""
    sqs = aws.client("sqs", settings)
    deliveries: Counter[str] = Counter()
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            envelope = json.loads(message["Body"])
            if envelope.get("event_type") == event_type:
                deliveries[envelope["event_id"]] += 1
                seen.add(str(envelope["data"].get(subject)))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if expected <= seen and not got.get("Messages"):
            break
    missing = expected - seen
    assert not missing, f"{len(missing)} acknowledged {event_type} events never arrived"
    return deliveries


async def _counted(settings: Settings, schema: str, ids: set[str], *queries: Any) -> list[Counter[str]]:
    """For each `select(id, count)` query run on `schema`'s database: id -> count, of `ids` only."""
    from dwp.platform.database import Database

    database = Database(settings, schema)
    try:
        async with database.read() as session:
            return [
                Counter({str(i): int(n) for i, n in await session.execute(query) if str(i) in ids})
                for query in queries
            ]
    finally:
        await database.dispose()


async def _stored(settings: Settings, ids: set[str]) -> tuple[Counter[str], Counter[str]]:
    """Citizen id -> stored rows, and -> `registered` audit rows, of the acknowledged registrations."""
    from dwp.citizen.repository import audit_log, citizens

    audit = audit_log.c
    stored, audited = await _counted(
        settings, "citizen", ids,
        select(citizens.c.id, func.count()).group_by(citizens.c.id),
        select(audit.citizen_id, func.count()).where(audit.action == "registered").group_by(audit.citizen_id),
    )  # fmt: skip
    return stored, audited


@pytest.mark.timeout(900)
async def test_registrations_survive_kill_9_of_the_citizen_process_counted(
    platform: tuple[Settings, dict[str, Process]],
) -> None:
    settings, processes = platform
    queue_url = await asyncio.to_thread(_consumer_queue, settings)
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="caseworker-faults",
        kind="caseworker", roles=["caseworker"],
    )  # fmt: skip
    tally, done = Tally(), asyncio.Event()
    started = time.monotonic()
    registering = asyncio.create_task(
        _register_all(f"http://127.0.0.1:{processes['gateway'].port}", token, tally, done)
    )
    try:
        kills = await _kill_at_random(processes["citizen"], tally, done)
    finally:
        await registering
    elapsed = time.monotonic() - started

    ids = set(tally.acknowledged)
    stored, audited = await _stored(settings, ids)
    deliveries = await asyncio.to_thread(_drain, settings, queue_url, ids)
    duplicated = sum(n - 1 for n in deliveries.values())
    print(  # the closing note's figures
        f"\nfaults[{'postgres' if settings.database_url else 'sqlite'}]: kills={kills} "
        f"acknowledged={len(ids)} attempts={tally.attempts} stored={sum(stored.values())} "
        f"audited={sum(audited.values())} events={len(deliveries)} deliveries={sum(deliveries.values())} "
        f"lost={len(ids - set(stored))} duplicated_deliveries={duplicated} statuses={dict(tally.statuses)} "
        f"seconds={elapsed:.0f}"
    )
    assert kills == KILLS
    assert len(ids) == REGISTRATIONS
    assert set(stored) == ids, f"{len(ids - set(stored))} acknowledged registrations are not stored"
    assert set(stored.values()) == {1}
    assert audited == Counter(dict.fromkeys(ids, 1)), "each registration has exactly one audit row"
    assert len(deliveries) == len(ids), "one distinct citizen.registered event per registration"
    assert 500 not in tally.statuses


# --- claims: submissions while the claims process is killed -----------------------------------------

CLAIMS = int(os.environ.get("DWP_FAULT_CLAIMS", "40"))
RETRIED = (409, 502, 503, 504)
"""What a client retries: a key in flight (409), the claims process down behind the gateway (502-504)."""


async def _retrying(
    send: Callable[[], Awaitable[httpx.Response]], tally: Tally, *, ok: int, give_up: float = 120
) -> httpx.Response:
    """`send` until it answers `ok`, as a client does: the same request, the same headers."""
    deadline = time.monotonic() + give_up
    while True:
        assert time.monotonic() < deadline, f"never acknowledged: {tally.statuses}"
        tally.attempts += 1
        try:
            response = await send()
        except httpx.TransportError as exc:
            tally.statuses[type(exc).__name__] += 1
            await asyncio.sleep(0.05)
            continue
        tally.statuses[response.status_code] += 1
        if response.status_code == ok:
            return response
        assert response.status_code in RETRIED, response.text  # never a 500, never a 412 or 422
        await asyncio.sleep(float(response.headers.get("retry-after", "0.1")) / 10)


async def _draft(client: httpx.AsyncClient, token: str) -> tuple[str, str]:
    """A complete draft claim through the gateway: its id and its ETag, ready to submit."""
    from dwp.claims.domain.answers import ClaimType
    from tests.integration.test_claims_api import section_bodies

    auth = {"Authorization": f"Bearer {token}"}
    started = await client.post(
        "/v1/claims",
        json={"claim_type": "new_style_jsa"},
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert started.status_code == 201, started.text
    claim_id, etag = started.json()["id"], started.headers["etag"]
    for name, body in section_bodies(ClaimType.NEW_STYLE_JSA).items():
        saved = await client.put(
            f"/v1/claims/{claim_id}/sections/{name}", json=body, headers={**auth, "If-Match": etag}
        )
        assert saved.status_code == 200, saved.text
        etag = saved.headers["etag"]
        for question in saved.json()["questions"]:
            confirmed = await client.post(
                f"/v1/claims/{claim_id}/confirmations", json={"question": question["key"]},
                headers={**auth, "If-Match": etag},
            )  # fmt: skip
            assert confirmed.status_code == 200, confirmed.text
            etag = confirmed.headers["etag"]
    return claim_id, etag


async def _submit_all(
    client: httpx.AsyncClient, token: str, drafts: list[tuple[str, str]], tally: Tally, done: asyncio.Event
) -> None:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for draft in drafts:
        queue.put_nowait(draft)

    async def one() -> None:
        while not queue.empty():
            claim_id, etag = queue.get_nowait()
            key = f"fault-submit-{uuid.uuid4().hex}"
            headers = {"Authorization": f"Bearer {token}", "If-Match": etag, "Idempotency-Key": key}
            path, body = f"/v1/claims/{claim_id}/submission", {"declaration": "2026-12"}
            response = await _retrying(
                functools.partial(client.post, path, json=body, headers=headers), tally, ok=200
            )
            assert response.json()["status"] == "submitted"
            tally.acknowledged[claim_id] = key

    try:
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    finally:
        done.set()


async def _claims_stored(settings: Settings, ids: set[str]) -> tuple[Counter[str], Counter[str]]:
    """Claim id -> submitted rows, and -> `submit` audit rows, of the acknowledged claims."""
    from dwp.claims.repository import audit_log, claims

    audit, claim = audit_log.c, claims.c
    submitted, audited = await _counted(
        settings, "claims", ids,
        select(claim.id, func.count()).where(claim.status == "submitted").group_by(claim.id),
        select(audit.claim_id, func.count()).where(audit.action == "submit").group_by(audit.claim_id),
    )  # fmt: skip
    return submitted, audited


@pytest.mark.timeout(900)
async def test_claim_submissions_survive_kill_9_of_the_claims_process_counted(
    claims_platform: Platform,
) -> None:
    settings, processes = claims_platform
    queue_url = await asyncio.to_thread(_consumer_queue, settings, catalog.CLAIMS_EVENTS_TOPIC)
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject=f"onelogin-{uuid.uuid4()}",
        kind="citizen", citizen_id=str(uuid.uuid4()), level_of_confidence="P2",
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{processes['gateway'].port}"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        drafts = [await _draft(client, token) for _ in range(CLAIMS)]
        tally, done = Tally(), asyncio.Event()
        started = time.monotonic()
        submitting = asyncio.create_task(_submit_all(client, token, drafts, tally, done))
        try:
            kills = await _kill_at_random(processes["claims"], tally, done, CLAIMS)
        finally:
            await submitting
    elapsed = time.monotonic() - started

    ids = set(tally.acknowledged)
    submitted, audited = await _claims_stored(settings, ids)
    deliveries = await asyncio.to_thread(
        _drain, settings, queue_url, ids, event_type="claims.submitted", subject="claim_id"
    )
    duplicated = sum(n - 1 for n in deliveries.values())
    print(  # the closing note's figures
        f"\nfaults-claims[{'postgres' if settings.database_url else 'sqlite'}]: kills={kills} "
        f"acknowledged={len(ids)} attempts={tally.attempts} submitted={sum(submitted.values())} "
        f"audited={sum(audited.values())} events={len(deliveries)} deliveries={sum(deliveries.values())} "
        f"lost={len(ids - set(submitted))} duplicated_deliveries={duplicated} "
        f"statuses={dict(tally.statuses)} seconds={elapsed:.0f}"
    )
    assert kills == KILLS
    assert len(ids) == CLAIMS
    assert set(submitted) == ids, f"{len(ids - set(submitted))} acknowledged submissions are not stored"
    assert audited == Counter(dict.fromkeys(ids, 1)), "each claim was submitted exactly once"
    assert len(deliveries) == len(ids), "one distinct claims.submitted event per claim"
    assert 500 not in tally.statuses
