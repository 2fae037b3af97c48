"""The monthly run against the claims routes as `dwp.contracts.claims` defines them (an ASGI stand-in on a
real port, since the real routes land with the claims service), integrations' earnings route (a stand-in
with faults), the real benefits service, SQS on the embedded AWS endpoint, and the Notify simulator,
where the messages people get are counted."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from dwp.contracts.citizens import CitizenContact
from dwp.contracts.claims import (
    HeldRegistration,
    NotificationFacts,
    WorkItemRef,
    shard_of,
    statement_event_id,
)
from dwp.contracts.notify import LOCAL_API_KEY
from dwp.platform import aws, catalog
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.notify.app import create_app as notify_app
from dwp.workers.lambda_handlers import MonthlyRuntime, NotificationsRuntime
from dwp.workers.monthly import (
    ClaimsWaiting,
    HttpUpstreams,
    MonthlyRun,
    Shard,
    ShardFailed,
    SqsQueues,
    StartRun,
    parse_message,
    run_day,
)
from dwp.workers.notifications import BackgroundLoop, ServiceDirectory
from dwp.workers.notify import NotifySender, SendPolicy
from dwp.workers.poller import LambdaSqsPoller, LocalContext
from dwp.workers.ratelimit import SendLimiter
from tests.fakes.claims_internal import (
    ClaimsState,
    IntegrationsState,
    claims_app,
    generated_awards,
    integrations_app,
)
from tests.servers import running

pytestmark = pytest.mark.integration

DAY = date(2026, 12, 1)


class MintedServiceToken:
    """The workers' service token, signed with the test issuer's key (the identity service's job)."""

    def __init__(self, settings: Settings) -> None:
        from dwp.platform.auth import load_or_create_dev_key, mint_token

        self._token = mint_token(
            load_or_create_dev_key(settings),
            issuer=settings.dwp_jwt_issuer,
            subject="workers",
            kind="service",
        )

    async def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        pass


@pytest.fixture(scope="module")
def notify_url() -> Iterator[str]:
    with running(notify_app(api_keys=[LOCAL_API_KEY])) as url:
        yield url


@dataclass
class World:
    settings: Settings
    claims: ClaimsState
    integrations: IntegrationsState
    notify: str
    shard_queue: catalog.Queue
    notify_queue: catalog.Queue
    loop: BackgroundLoop

    def monthly(self, **options: Any) -> MonthlyRuntime:
        return MonthlyRuntime.build(
            self.settings,
            loop=self.loop,
            tokens=MintedServiceToken(self.settings),
            shard_queue=self.shard_queue.name,
            notify_queue=self.notify_queue.name,
            **options,
        )

    def notifications(self) -> NotificationsRuntime:
        directory = StatementDirectory(self.settings, self.loop)
        client = NotificationsAPIClient(LOCAL_API_KEY, base_url=self.notify, timeout=5)
        sender = NotifySender(
            client, SendLimiter(None), policy=SendPolicy(backoff_initial=0.01, backoff_max=0.05)
        )
        return NotificationsRuntime.build(self.settings, directory=directory, sender=sender)

    def sent(self, **filters: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.notify}/_simulator/notifications", params=filters).json()
        return answer["notifications"]  # type: ignore[no-any-return]


class StatementDirectory:
    """Claim facts from the claims stand-in over HTTP (the real `ServiceDirectory`); contact details made
    up per citizen, as the citizen service would answer them."""

    def __init__(self, settings: Settings, loop: BackgroundLoop) -> None:
        self._http = ServiceDirectory(settings, loop, tokens=MintedServiceToken(settings))

    def contact(self, citizen_id: str) -> CitizenContact:
        return CitizenContact.model_validate(
            {"id": citizen_id, "given_name": "Sam", "email": f"{citizen_id}@example.com",
             "preferred_language": "en", "contact_preferences": {"channels": ["email"]}}
        )  # fmt: skip

    def facts(self, claim_id: str, part: dict[str, str]) -> NotificationFacts:
        return self._http.facts(claim_id, part)

    def hold(self, held: HeldRegistration) -> WorkItemRef:
        return self._http.hold(held)


@pytest.fixture
def world(bootstrapped: Settings, notify_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from dwp.benefits.app import build_app as benefits_app

    upgrade("benefits", bootstrapped)
    claims, integrations = ClaimsState(), IntegrationsState()
    tag = uuid.uuid4().hex[:8]
    shard_queue = catalog.Queue(name=f"dwp-test-run-{tag}", topics=(), max_receive_count=3)
    notify_queue = catalog.Queue(name=f"dwp-test-notify-{tag}", topics=())
    for queue in (shard_queue, notify_queue):
        aws.create_queue_with_dlq(bootstrapped, queue)
    httpx.delete(f"{notify_url}/_simulator/control")
    loop = BackgroundLoop()
    with (
        running(claims_app(claims)) as claims_url,
        running(integrations_app(integrations)) as integrations_url,
        running(benefits_app(bootstrapped)) as benefits_url,
    ):
        monkeypatch.setenv("DWP_CLAIMS_URL", claims_url)
        monkeypatch.setenv("DWP_INTEGRATIONS_URL", integrations_url)
        monkeypatch.setenv("DWP_BENEFITS_URL", benefits_url)
        try:
            yield World(bootstrapped, claims, integrations, notify_url, shard_queue, notify_queue, loop)
        finally:
            loop.stop()


def receive_all(settings: Settings, queue: str) -> list[dict[str, Any]]:
    """Every message waiting in a queue, deleted as read."""
    sqs = aws.client("sqs", settings)
    url = aws.queue_url(settings, queue)
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages"
    ):
        found += batch
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return found


def as_records(messages: list[dict[str, Any]], *, receives: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "attributes": {"ApproximateReceiveCount": str(receives)}, "messageAttributes": {},
             "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "eu-west-2"}
            for m in messages
        ]
    }  # fmt: skip


def handle_in_batches(
    handler: Callable[..., Any], messages: list[dict[str, Any]], function: str
) -> list[str]:
    failed: list[str] = []
    for i in range(0, len(messages), 10):
        answer = handler(as_records(messages[i : i + 10]), LocalContext(function, timeout_seconds=300))
        failed += [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    return failed


def run_day_through_queues(world: World, monthly: MonthlyRuntime, *, shards: int) -> None:
    """The start message, its shards and the notifications they queue, through SQS as Lambda would."""
    start = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "h",
             "Body": json.dumps({"date": DAY.isoformat(), "shards": shards})}  # fmt: skip
    assert handle_in_batches(monthly.handle, [start], "assessment-run") == []
    shard_messages = receive_all(world.settings, world.shard_queue.name)
    assert len(shard_messages) == shards
    assert handle_in_batches(monthly.handle, shard_messages, "assessment-run") == []
    deliver_notifications(world)


def deliver_notifications(world: World) -> int:
    queued = receive_all(world.settings, world.notify_queue.name)
    assert handle_in_batches(world.notifications().handle, queued, "notifications") == []
    return len(queued)


def test_a_day_is_reassessed_stored_and_told_once_and_running_it_again_changes_nothing(world: World) -> None:
    awards = generated_awards(40, DAY)
    world.claims.add(awards + generated_awards(5, date(2026, 12, 2), prefix="other-day"))
    world.integrations.unavailable_times = 2  # HMRC is down for a moment: the look-up is retried
    monthly = world.monthly()
    run_day_through_queues(world, monthly, shards=4)

    assert world.claims.created == 40  # only the day's awards
    assert world.integrations.calls["earnings_503"] == 2
    # One bulk look-up per page of a shard (4 shards of one page each, 2 of them asked again), none single.
    assert (world.integrations.calls["bulk_calls"], world.integrations.calls["single_calls"]) == (6, 0)
    stored = world.claims.statements[(awards[0].claim_id, DAY.isoformat())]
    assert stored["award_pence"] > 0
    assert stored["assessment_id"]
    assert stored["earnings_access_ids"]
    assert stored["lines"]
    assert stored["run_date"] == DAY.isoformat()
    for award in awards:
        [message] = world.sent(reference=statement_event_id(award.claim_id, DAY))
        assert message["template_key"] == "claims.statement_ready/email/en"
        assert "period ending 1 December 2026" in message["body"]

    earnings_before = world.integrations.calls["earnings"]
    run_day_through_queues(world, monthly, shards=4)  # the same day again
    assert world.claims.created == 40
    assert world.integrations.calls["earnings"] == earnings_before  # stored awards are not looked up again
    assert all(len(world.sent(reference=statement_event_id(a.claim_id, DAY))) == 1 for a in awards)


async def test_a_worker_killed_mid_shard_has_its_shard_redone_and_nobody_told_twice(world: World) -> None:
    awards = generated_awards(60, DAY, prefix="killed")
    world.claims.add(awards)
    shard = Shard(day=DAY, shard=0, shards=1, run_id="r1")

    # This process dies part way through the shard: some statements stored, their notifications not queued.
    run = MonthlyRun(
        HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings)),
        SqsQueues(world.settings),
        page=20,
        in_flight=4,
        shard_queue=world.shard_queue.name,
        notify_queue=world.notify_queue.name,
    )
    task = asyncio.create_task(run.run_shard(shard))
    give_up = time.monotonic() + 60
    while world.claims.created < 25:  # into the second page
        assert not task.done()
        assert time.monotonic() < give_up
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stored_before = world.claims.created
    assert 25 <= stored_before < 60
    told_before = await asyncio.to_thread(deliver_notifications, world)
    assert told_before < 60

    # SQS gives the shard to another worker once its visibility ends: the whole shard again.
    monthly = world.monthly()
    message = {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": "h",
        "Body": shard.model_dump_json(by_alias=True),
    }
    assert await asyncio.to_thread(handle_in_batches, monthly.handle, [message], "assessment-run") == []
    await asyncio.to_thread(deliver_notifications, world)

    assert world.claims.created == 60  # each award stored once
    assert world.claims.calls["store"] < 60 + 4  # those stored before the kill were skipped, not re-sent
    for award in awards:
        assert len(world.sent(reference=statement_event_id(award.claim_id, DAY))) == 1, award.claim_id


async def test_a_failing_shard_retries_then_lands_in_its_dead_letter_queue_and_the_rest_are_done(
    world: World,
) -> None:
    awards = generated_awards(30, DAY, prefix="poison")
    world.claims.add(awards)
    bad = awards[7]
    world.integrations.refuse.add(bad.earnings_subjects[0].national_insurance_number)  # HMRC never answers
    monthly = world.monthly(patience=1)  # no waiting for a busy HMRC in this test: it never comes back
    sqs = aws.client("sqs", world.settings)
    url = aws.queue_url(world.settings, world.shard_queue.name)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"date": DAY.isoformat(), "shards": 3}))
    sqs.send_message(QueueUrl=url, MessageBody="not a monthly run message")
    poller = LambdaSqsPoller(
        world.settings,
        world.shard_queue.name,
        monthly.handle,
        function_name="assessment-run",
        timeout_seconds=120,
        wait_seconds=1,
        retry_base_seconds=0,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    dead: list[dict[str, Any]] = []
    try:
        give_up = time.monotonic() + 120
        while len(dead) < 2:
            assert time.monotonic() < give_up, "the dead-letter queue did not fill"
            dead += await asyncio.to_thread(receive_all, world.settings, world.shard_queue.dlq_name)
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    bodies = [m["Body"] for m in dead]
    assert "not a monthly run message" in bodies
    [shard_body] = [b for b in bodies if b != "not a monthly run message"]
    failed_shard = parse_message(shard_body)
    assert isinstance(failed_shard, Shard)
    assert failed_shard.shard == shard_of(bad.claim_id, 3)  # the shard with the award that kept failing
    assert (world.claims.created, len(world.claims.statements)) == (29, 29)  # all but the one award
    assert (bad.claim_id, DAY.isoformat()) not in world.claims.statements
    told = await asyncio.to_thread(deliver_notifications, world)
    assert told >= 29
    assert all(
        len(world.sent(reference=statement_event_id(a.claim_id, DAY))) == (a is not bad) for a in awards
    )


async def test_a_shard_whose_page_claims_cannot_give_yet_fails_to_be_tried_again(world: World) -> None:
    world.claims.add(generated_awards(3, DAY, prefix="waiting"))
    world.claims.waiting_on = "citizen"
    run = MonthlyRun(
        HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings)),
        SqsQueues(world.settings),
        notify_queue=world.notify_queue.name,
    )
    shard = Shard(day=DAY, shard=0, shards=1, run_id="r2")
    with pytest.raises(ClaimsWaiting, match="waiting on citizen"):
        await run.run_shard(shard)
    world.claims.waiting_on = None
    report = await run.run_shard(shard)
    assert (report.calculated, world.claims.created) == (3, 3)


def test_a_held_registration_reaches_the_claims_work_item_route_once(world: World) -> None:
    from dwp.contracts.events import EventEnvelope

    runtime = world.notifications()
    event = EventEnvelope(
        event_type="citizen.registration_held", source="citizen",
        data={"hold_id": "h-1", "citizen_id": "c-1", "reason": "nino_in_use"},
    )  # fmt: skip
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "h", "Body": event.model_dump_json()}
    assert handle_in_batches(runtime.handle, [message, message], "notifications") == []
    assert list(world.claims.holds) == ["h-1"]


def test_the_lambda_entry_point_fans_a_start_out_and_refuses_a_poison_record_alone(world: World) -> None:
    from dwp.workers import lambda_handlers

    lambda_handlers.use_monthly_runtime(world.monthly())
    try:
        start = {"MessageId": "m-start", "ReceiptHandle": "h", "Body": json.dumps({"date": "2026-12-01"})}
        poison = {"MessageId": "m-poison", "ReceiptHandle": "h", "Body": "\u0000{"}
        failed = handle_in_batches(lambda_handlers.assessment_run_handler, [start, poison], "assessment-run")
    finally:
        lambda_handlers.use_monthly_runtime(None)
    assert failed == ["m-poison"]
    shards = [parse_message(m["Body"]) for m in receive_all(world.settings, world.shard_queue.name)]
    assert sorted(s.shard for s in shards if isinstance(s, Shard)) == list(range(16))


def test_the_schedule_message_means_the_uk_day_before() -> None:
    from datetime import UTC, datetime

    start = parse_message(json.dumps({"type": "AssessmentRunRequested", "source": "schedule"}))
    assert isinstance(start, StartRun)
    # 00:30 UTC on 1 July is 01:30 in London (BST): the day before is 30 June.
    assert run_day(start, datetime(2026, 7, 1, 0, 30, tzinfo=UTC)) == date(2026, 6, 30)
    # 23:30 UTC on 30 June is already 1 July in London: the day before is still 30 June.
    assert run_day(start, datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 6, 30)
    with pytest.raises(ValueError, match="date"):
        parse_message('{"kind": "shard", "date": "9999-99-99", "shard": 0, "shards": 1, "run_id": "x"}')
    with pytest.raises(ValueError, match="JSON object"):
        parse_message("[1, 2]")


async def test_an_award_waits_for_a_busy_service_rather_than_failing_its_shard(world: World) -> None:
    """HMRC is unavailable for longer than one call's retries: the award waits (the run is a batch) and
    is done in the same pass, with no shard to redo."""
    world.claims.add(generated_awards(1, DAY, prefix="busy"))
    world.integrations.unavailable_times = 4  # as many as the client's own attempts at one call
    waited: list[float] = []

    async def no_wait(seconds: float) -> None:
        waited.append(seconds)

    run = MonthlyRun(
        HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings)),
        SqsQueues(world.settings),
        notify_queue=world.notify_queue.name,
        sleep=no_wait,
    )
    report = await run.run_shard(Shard(day=DAY, shard=0, shards=1, run_id="r3"))
    assert (report.calculated, report.failed) == (1, [])
    assert waited == [2.0]  # it waited once rather than failing
    assert world.integrations.calls["earnings"] == 5


class KilledAfterCalculating(HttpUpstreams):
    """The benefits batch answers, then this worker dies before claims stores the page."""

    answers: list[str]

    async def calculate_page(self, day: date, items: list[Any]) -> list[Any]:
        calculated = await super().calculate_page(day, items)
        self.answers = [c.assessment_id for c in calculated]
        return calculated

    async def store_page(self, day: date, items: list[Any]) -> list[Any]:
        raise asyncio.CancelledError  # killed between the two calls


async def test_a_worker_killed_between_the_batch_and_the_store_gets_the_same_assessments_back(
    world: World,
) -> None:
    awards = generated_awards(12, DAY, prefix="between")
    world.claims.add(awards)
    shard = Shard(day=DAY, shard=0, shards=1, run_id="r4")
    up = HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings))
    killed = KilledAfterCalculating(up._claims, up._integrations, up._benefits)
    run = MonthlyRun(killed, SqsQueues(world.settings), notify_queue=world.notify_queue.name)
    with pytest.raises(asyncio.CancelledError):
        await run.run_shard(shard)
    assert world.claims.created == 0
    first_ids = killed.answers
    assert len(first_ids) == 12

    # The shard redone: the same page, the same Idempotency-Key, the first answer (no new assessments).
    again = MonthlyRun(up, SqsQueues(world.settings), notify_queue=world.notify_queue.name)
    report = await again.run_shard(shard)
    assert (report.calculated, report.failed) == (12, [])
    stored = [world.claims.statements[(a.claim_id, DAY.isoformat())]["assessment_id"] for a in awards]
    assert stored == first_ids
    assert world.claims.calls["bulk_store"] == 1  # one request for the page
    delivered = await asyncio.to_thread(deliver_notifications, world)
    assert delivered == 12
    assert all(len(world.sent(reference=statement_event_id(a.claim_id, DAY))) == 1 for a in awards)


async def test_an_award_the_rules_refuse_fails_alone_and_the_rest_of_its_page_is_stored(world: World) -> None:
    awards = generated_awards(10, DAY, prefix="refused")
    bad = awards[4]
    awards[4] = bad.model_copy(
        update={"circumstances": {**bad.circumstances, "adults": [{"date_of_birth": "2020-01-01"}]}}
    )  # a six-year-old claimant: the rules refuse the household (a 422 naming the item)
    world.claims.add(awards)
    run = MonthlyRun(
        HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings)),
        SqsQueues(world.settings),
        notify_queue=world.notify_queue.name,
        patience=1,
    )
    shard = Shard(day=DAY, shard=0, shards=1, run_id="r5")
    with pytest.raises(ShardFailed, match="1 of 10"):
        await run.run_shard(shard)
    assert world.claims.created == 9
    assert (bad.claim_id, DAY.isoformat()) not in world.claims.statements
    # Redone (as SQS would): the nine are skipped as stored; the one still fails, and is told nothing.
    with pytest.raises(ShardFailed, match="1 of 10"):
        await run.run_shard(shard)
    assert world.claims.created == 9
    await asyncio.to_thread(deliver_notifications, world)
    assert world.sent(reference=statement_event_id(bad.claim_id, DAY)) == []
    assert len(world.sent(reference=statement_event_id(awards[0].claim_id, DAY))) == 1


async def test_the_per_award_mode_stores_what_the_page_mode_stores(world: World) -> None:
    """The mode the benchmark measures the page routes against: one call an award, the same awards."""
    awards = generated_awards(6, DAY, prefix="per-award")
    world.claims.add(awards)
    up = HttpUpstreams.build(world.settings, tokens=MintedServiceToken(world.settings))
    per_award = MonthlyRun(
        up, SqsQueues(world.settings), notify_queue=world.notify_queue.name, mode="per-award"
    )
    report = await per_award.run_shard(Shard(day=DAY, shard=0, shards=1, run_id="r6"))
    assert (report.calculated, world.claims.calls["bulk_store"], world.claims.calls["store"]) == (6, 0, 6)
    one_by_one = {a.claim_id: world.claims.statements[(a.claim_id, DAY.isoformat())] for a in awards}
    # The same households as a page (another day, so nothing is stored yet): the same awards and lines.
    later = date(2026, 12, 2)
    world.claims.add(generated_awards(6, later, prefix="per-award"))
    paged = await MonthlyRun(up, SqsQueues(world.settings), notify_queue=world.notify_queue.name).run_shard(
        Shard(day=later, shard=0, shards=1, run_id="r7")
    )
    assert paged.calculated == 6
    for claim_id, single in one_by_one.items():
        page = world.claims.statements[(claim_id, later.isoformat())]
        assert page["award_pence"] == single["award_pence"]
        assert [line["kind"] for line in page["lines"]] == [line["kind"] for line in single["lines"]]
