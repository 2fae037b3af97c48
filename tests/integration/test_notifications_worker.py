"""The notifications Lambda handler with SQS-shaped events, against the Notify simulator (on a real port,
driven by `notifications-python-client`) and DynamoDB idempotency on the embedded AWS endpoint.

The citizen service is stood in for by a directory of contact details here; the test at the end of
the file runs the real citizen service, SNS, SQS and the workers process together.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from dwp.contracts.citizens import CitizenContact
from dwp.contracts.claims import HeldRegistration, NotificationFacts, WorkItemRef
from dwp.contracts.events import (
    CitizenRegistered,
    EventEnvelope,
    PaymentsBankDetailsChanged,
    PaymentsHoldDecided,
    PaymentsPaymentHeld,
)
from dwp.contracts.notify import LOCAL_API_KEY
from dwp.platform import aws, catalog
from dwp.platform.settings import Settings
from dwp.simulators.notify.app import create_app as notify_app
from dwp.workers import lambda_handlers
from dwp.workers.lambda_handlers import NotificationsRuntime
from dwp.workers.notifications import choose_channel
from dwp.workers.notify import NotifySender, SendPolicy
from dwp.workers.poller import LambdaSqsPoller, LocalContext
from dwp.workers.ratelimit import SendLimiter
from tests.conftest import random_nino
from tests.servers import running

pytestmark = pytest.mark.integration


class Contacts:
    """Contact details by citizen id, as the citizen service's contact read answers them, and claim
    facts as the claims service's `notification-facts` does (`dwp.contracts.claims`)."""

    def __init__(self) -> None:
        self.people: dict[str, CitizenContact] = {}
        self.claims: dict[str, NotificationFacts] = {}
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.holds: dict[str, HeldRegistration] = {}

    def add(self, *, language: str = "en", channels: tuple[str, ...] = ("email",), **extra: Any) -> str:
        citizen_id = str(uuid.uuid4())
        self.people[citizen_id] = CitizenContact.model_validate(
            {"id": citizen_id, "given_name": extra.get("given_name", "Ada"),
             "email": extra.get("email", f"{citizen_id[:8]}@example.com"), "phone": extra.get("phone"),
             "preferred_language": language,
             "contact_preferences": {"channels": list(channels), "welsh_letters": False}}
        )  # fmt: skip
        return citizen_id

    def contact(self, citizen_id: str) -> CitizenContact:
        return self.people[citizen_id]

    def add_claim(self, claim_id: str, *citizen_ids: str | None, benefit: str = "universal_credit") -> None:
        roles = ("claimant", "partner")
        self.claims[claim_id] = NotificationFacts.model_validate(
            {"claim_id": claim_id, "benefit": benefit, "status": "submitted", "language": "en",
             "recipients": [{"role": roles[i], "citizen_id": c, "subject": f"sub-{i}-{claim_id}"}
                            for i, c in enumerate(citizen_ids)]}
        )  # fmt: skip

    def facts(self, claim_id: str, part: dict[str, str]) -> NotificationFacts:
        self.asked.append((claim_id, part))
        return self.claims[claim_id]

    def hold(self, held: HeldRegistration) -> WorkItemRef:
        created = held.hold_id not in self.holds
        self.holds.setdefault(held.hold_id, held)
        return WorkItemRef(work_item_id=f"wi-{held.hold_id}", created=created)


@pytest.fixture(scope="module")
def notify_url() -> Iterator[str]:
    with running(notify_app(api_keys=[LOCAL_API_KEY])) as url:
        yield url


@pytest.fixture
def notify(notify_url: str) -> Iterator[str]:
    httpx.delete(f"{notify_url}/_simulator/control")
    yield notify_url
    httpx.delete(f"{notify_url}/_simulator/control")


def sent_to(notify_url: str, **filters: str) -> list[dict[str, Any]]:
    return httpx.get(f"{notify_url}/_simulator/notifications", params=filters).json()["notifications"]  # type: ignore[no-any-return]


def build_runtime(
    settings: Settings, notify_url: str, contacts: Contacts, **policy: Any
) -> NotificationsRuntime:
    client = NotificationsAPIClient(LOCAL_API_KEY, base_url=notify_url, timeout=policy.pop("timeout", 5))
    sender = NotifySender(
        client, SendLimiter(None), policy=SendPolicy(backoff_initial=0.01, backoff_max=0.05, **policy)
    )
    return NotificationsRuntime.build(settings, directory=contacts, sender=sender)


def registered(citizen_id: str, language: str = "en") -> EventEnvelope:
    event = CitizenRegistered(citizen_id=citizen_id, preferred_language=language, contact_by=["email"])  # type: ignore[arg-type]
    return EventEnvelope.wrap(event, source="citizen")


def record(body: str, *, receives: int = 1) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receives),
            "SentTimestamp": str(int(time.time() * 1000)),
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-2:000000000000:dwp-notifications",
        "awsRegion": "eu-west-2",
    }


def handle(runtime: NotificationsRuntime, *records: dict[str, Any]) -> list[str]:
    answer = runtime.handle({"Records": list(records)}, LocalContext("notifications"))  # type: ignore[arg-type]
    return [f["itemIdentifier"] for f in answer["batchItemFailures"]]


def test_a_poison_message_fails_alone_and_the_rest_of_the_batch_is_sent(
    bootstrapped: Settings, notify: str
) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    first, second = registered(contacts.add()), registered(contacts.add())
    poison = record("{not json")
    failures = handle(runtime, record(first.model_dump_json()), poison, record(second.model_dump_json()))
    assert failures == [poison["messageId"]]
    assert len(sent_to(notify, reference=first.event_id)) == 1
    assert len(sent_to(notify, reference=second.event_id)) == 1


def test_the_same_event_twice_sends_one_notification(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    event = registered(contacts.add())
    assert handle(runtime, record(event.model_dump_json())) == []
    assert handle(runtime, record(event.model_dump_json(), receives=2)) == []  # SQS delivered it again
    assert len(sent_to(notify, reference=event.event_id)) == 1


def test_a_welsh_speaker_gets_the_welsh_template(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    event = registered(contacts.add(language="cy", given_name="Gwen"), language="cy")
    assert handle(runtime, record(event.model_dump_json())) == []
    [sent] = sent_to(notify, reference=event.event_id)
    assert sent["template_key"] == "citizen.registered/email/cy"
    assert sent["subject"] == "Rydych wedi cofrestru gyda'r DWP"
    assert sent["body"].startswith("Annwyl Gwen")


def test_text_message_when_that_is_the_first_preference(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    event = registered(contacts.add(channels=("sms", "email"), phone="+447700900123"))
    assert handle(runtime, record(event.model_dump_json())) == []
    [sent] = sent_to(notify, reference=event.event_id)
    assert (sent["type"], sent["phone_number"], sent["template_key"]) == (
        "sms",
        "+447700900123",
        "citizen.registered/sms/en",
    )


def test_notify_rate_limiting_is_retried_and_delivered_once(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    httpx.put(f"{notify}/_simulator/control", json={"fault": "rate_limit", "retry_after": 0, "times": 2})
    event = registered(contacts.add())
    assert handle(runtime, record(event.model_dump_json())) == []
    assert len(sent_to(notify, reference=event.event_id)) == 1
    assert httpx.get(f"{notify}/_simulator/control").json()["touched"] == 2


def test_notify_down_fails_the_record_and_it_is_delivered_when_notify_is_back(
    bootstrapped: Settings, notify: str
) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts, attempts=3)
    httpx.put(f"{notify}/_simulator/control", json={"fault": "error", "status": 503})
    event = registered(contacts.add())
    message = record(event.model_dump_json())
    assert handle(runtime, message) == [message["messageId"]]  # SQS will deliver it again
    assert sent_to(notify, reference=event.event_id) == []
    httpx.delete(f"{notify}/_simulator/control")
    assert handle(runtime, record(event.model_dump_json(), receives=2)) == []
    assert len(sent_to(notify, reference=event.event_id)) == 1


async def test_after_an_unknown_outcome_the_reference_is_looked_up_not_sent_again(
    bootstrapped: Settings, notify: str
) -> None:
    """Notify took the message but the answer never came back (the client timed out): the retry finds
    it by reference and sends nothing."""
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts, attempts=1, timeout=0.5)
    control = f"{notify}/_simulator/control"
    await asyncio.to_thread(httpx.put, control, json={"fault": "timeout", "hold_seconds": 30, "times": 1})
    event = registered(contacts.add())
    message = record(event.model_dump_json())
    assert await asyncio.to_thread(handle, runtime, message) == [message["messageId"]]
    await asyncio.to_thread(httpx.delete, control)  # the held request now reaches Notify and is accepted
    await wait_for(lambda: len(sent_to(notify, reference=event.event_id)) == 1)
    requests_before = runtime.sender.requests
    assert await asyncio.to_thread(handle, runtime, record(event.model_dump_json(), receives=2)) == []
    assert len(sent_to(notify, reference=event.event_id)) == 1
    assert runtime.sender.requests == requests_before + 1  # one look-up, no second send


def test_channels_follow_preferences_and_post_waits_for_address_lines() -> None:
    contacts = Contacts()
    by_post_then_email = contacts.contact(contacts.add(channels=("post", "email")))
    only_post = contacts.contact(contacts.add(channels=("post",)))
    assert choose_channel(by_post_then_email) == "email"
    assert choose_channel(only_post) is None


def test_a_claim_event_plugs_in_by_its_template_mapping(bootstrapped: Settings, notify: str) -> None:
    """A claims event (names agreed in dwp.contracts.notify) reads whose claim it is, then sends."""
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    citizen_id = contacts.add(language="cy")
    contacts.add_claim("claim-1", citizen_id)
    event = EventEnvelope(
        event_type="claims.todo_added", source="claims",
        data={"claim_id": "claim-1", "todo_id": "t1", "kind": "upload_evidence"},
    )  # fmt: skip
    assert handle(runtime, record(event.model_dump_json())) == []
    [sent] = sent_to(notify, reference=event.event_id)
    assert sent["template_key"] == "claims.todo_added/email/cy"
    assert "anfon tystiolaeth atom ar gyfer eich cais am Credyd Cynhwysol" in sent["body"]


def claim_event(event_type: str, **data: Any) -> EventEnvelope:
    return EventEnvelope(event_type=event_type, source="claims", data=data)


def test_both_partners_of_a_joint_claim_hear_once_each_in_their_own_language(
    bootstrapped: Settings, notify: str
) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    claimant, partner = contacts.add(language="en"), contacts.add(language="cy", given_name="Gwen")
    contacts.add_claim("joint-1", claimant, partner)
    event = claim_event("claims.submitted", claim_id="joint-1", benefit="universal_credit",
                        claim_date="2026-11-30")  # fmt: skip
    message = record(event.model_dump_json())
    assert handle(runtime, message) == []
    assert handle(runtime, record(event.model_dump_json(), receives=2)) == []  # delivered again
    [to_claimant] = sent_to(notify, reference=event.event_id)
    [to_partner] = sent_to(notify, reference=f"{event.event_id}/partner")
    assert to_claimant["template_key"] == "claims.submitted/email/en"
    assert to_partner["template_key"] == "claims.submitted/email/cy"
    assert "Rydym wedi cael eich cais am Credyd Cynhwysol" in to_partner["body"]


def test_a_person_not_yet_registered_is_passed_over_and_the_rest_are_told(
    bootstrapped: Settings, notify: str
) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    partner = contacts.add()
    contacts.add_claim("joint-2", None, partner)  # the claimant is keyed on their One Login subject only
    event = claim_event("claims.submitted", claim_id="joint-2", benefit="universal_credit",
                        claim_date="2026-11-30")  # fmt: skip
    assert handle(runtime, record(event.model_dump_json())) == []
    assert sent_to(notify, reference=event.event_id) == []
    assert len(sent_to(notify, reference=f"{event.event_id}/partner")) == 1


def test_only_a_message_from_dwp_is_worth_telling(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    contacts.add_claim("claim-m", contacts.add(language="cy"), benefit="new_style_esa")
    own = claim_event("claims.message_posted", claim_id="claim-m", entry_id="e1", side="citizen")
    from_dwp = claim_event("claims.message_posted", claim_id="claim-m", entry_id="e2", side="dwp")
    assert handle(runtime, record(own.model_dump_json()), record(from_dwp.model_dump_json())) == []
    assert sent_to(notify, reference=own.event_id) == []
    [sent] = sent_to(notify, reference=from_dwp.event_id)
    assert sent["template_key"] == "claims.message_posted/email/cy"
    assert "Lwfans Cyflogaeth a Chymorth Dull Newydd" in sent["body"]
    assert contacts.asked == [("claim-m", {"entry_id": "e2"})]  # the citizen's own was not even looked up


def test_a_decision_and_a_statement_name_their_part_of_the_claim(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    contacts.add_claim("claim-d", contacts.add(language="cy"))
    decision = claim_event("claims.decision_made", claim_id="claim-d", decision_id="d1", kind="initial",
                           outcome="award", automated=True)  # fmt: skip
    statement = claim_event("claims.statement_ready", claim_id="claim-d", period_end="2026-12-01")
    assert handle(runtime, record(decision.model_dump_json()), record(statement.model_dump_json())) == []
    assert contacts.asked == [("claim-d", {"decision_id": "d1"}), ("claim-d", {"period_end": "2026-12-01"})]
    [told] = sent_to(notify, reference=statement.event_id)
    assert "sy'n dod i ben 1 Rhagfyr 2026 yn barod" in told["body"]
    assert len(sent_to(notify, reference=decision.event_id)) == 1


def test_a_held_registration_becomes_one_work_item_and_no_message(
    bootstrapped: Settings, notify: str
) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    citizen_id = contacts.add()
    held = {"hold_id": "hold-1", "citizen_id": citizen_id, "reason": "nino_in_use"}
    event = EventEnvelope(event_type="citizen.registration_held", source="citizen", data=held)
    assert handle(runtime, record(event.model_dump_json())) == []
    assert handle(runtime, record(event.model_dump_json(), receives=2)) == []
    assert list(contacts.holds) == ["hold-1"]
    assert contacts.holds["hold-1"].event_id == event.event_id
    assert sent_to(notify, reference=event.event_id) == []


def test_bank_details_a_held_payment_and_its_check_are_told_in_the_persons_language(
    bootstrapped: Settings, notify: str
) -> None:
    # The contact details are the citizen service's, which a change of bank details does not touch: the
    # message goes where the person was before the change, and names no account.
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    ada = contacts.add(email="ada-before@example.com")
    gwen = contacts.add(language="cy", given_name="Gwen")
    changed = EventEnvelope.wrap(
        PaymentsBankDetailsChanged(citizen_id=ada, bank_details_id="b-1", first=False, held=True),
        source="payments",
    )
    held = EventEnvelope.wrap(
        PaymentsPaymentHeld(citizen_id=ada, hold_id="h-1", reasons=["new-device-soon-after-sign-in"]),
        source="payments",
    )
    released = EventEnvelope.wrap(
        PaymentsHoldDecided(citizen_id=ada, hold_id="h-1", outcome="released"), source="payments"
    )
    stopped = EventEnvelope.wrap(
        PaymentsHoldDecided(citizen_id=gwen, hold_id="h-2", outcome="stopped"), source="payments"
    )
    first = EventEnvelope.wrap(
        PaymentsBankDetailsChanged(citizen_id=gwen, bank_details_id="b-2", first=True, held=False),
        source="payments",
    )
    events = (changed, held, released, stopped, first)
    assert handle(runtime, *(record(e.model_dump_json()) for e in events)) == []
    [one] = sent_to(notify, reference=changed.event_id)
    assert (one["template_key"], one["email_address"]) == (
        "payments.bank_details_changed/email/en",
        "ada-before@example.com",
    )
    assert one["subject"] == "Your bank details for DWP payments have been changed"
    assert "new-device" not in one["body"]
    [two] = sent_to(notify, reference=held.event_id)
    assert two["subject"] == "We are checking a change to your bank details"
    [three] = sent_to(notify, reference=released.event_id)
    assert "We will pay you into your new account." in three["body"]
    [four] = sent_to(notify, reference=stopped.event_id)
    assert four["template_key"] == "payments.hold_decided/email/cy"
    assert "Nid ydym wedi talu i'r cyfrif newydd" in four["body"]
    [five] = sent_to(notify, reference=first.event_id)
    assert five["subject"] == "Mae eich manylion banc ar gyfer taliadau DWP wedi'u hychwanegu"
    # Delivered again: told once.
    assert handle(runtime, record(changed.model_dump_json(), receives=2)) == []
    assert len(sent_to(notify, reference=changed.event_id)) == 1


def test_an_event_with_no_message_is_done_without_sending(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    event = EventEnvelope(event_type="citizen.profile_changed", source="citizen",
                          data={"citizen_id": contacts.add(), "changed_fields": ["email"]})  # fmt: skip
    assert handle(runtime, record(event.model_dump_json())) == []
    assert sent_to(notify, reference=event.event_id) == []


async def wait_for(condition: Callable[[], Any], within: float = 20) -> Any:
    give_up = time.monotonic() + within
    while True:
        value = await asyncio.to_thread(condition)
        if value:
            return value
        if time.monotonic() > give_up:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def drain(settings: Settings, queue: str) -> list[dict[str, Any]]:
    sqs = aws.client("sqs", settings)
    url = aws.queue_url(settings, queue)
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])  # type: ignore[no-any-return]


async def test_a_poison_message_lands_in_the_dead_letter_queue_after_its_retries(
    bootstrapped: Settings, notify: str
) -> None:
    """Through a real queue with the bootstrap's redrive policy: the poller gives the handler SQS-shaped
    batches, the good message is sent once, the poison one moves to the DLQ after max_receive_count."""
    contacts = Contacts()
    runtime = build_runtime(bootstrapped, notify, contacts)
    queue = catalog.Queue(name=f"dwp-test-{uuid.uuid4().hex[:8]}", topics=(), max_receive_count=3)
    aws.create_queue_with_dlq(bootstrapped, queue)
    sqs = aws.client("sqs", bootstrapped)
    url = aws.queue_url(bootstrapped, queue.name)
    good = registered(contacts.add())
    sqs.send_message(QueueUrl=url, MessageBody="poison: not an event")
    sqs.send_message(QueueUrl=url, MessageBody=good.model_dump_json())
    poller = LambdaSqsPoller(
        bootstrapped,
        queue.name,
        runtime.handle,
        function_name="notifications",
        wait_seconds=1,
        retry_base_seconds=0,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        dead = await wait_for(lambda: drain(bootstrapped, queue.dlq_name), within=40)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    assert [m["Body"] for m in dead] == ["poison: not an event"]
    assert poller.failed == queue.max_receive_count
    assert len(sent_to(notify, reference=good.event_id)) == 1


def test_the_lambda_entry_point_uses_the_process_runtime(bootstrapped: Settings, notify: str) -> None:
    contacts = Contacts()
    lambda_handlers.use_runtime(build_runtime(bootstrapped, notify, contacts))
    try:
        event = registered(contacts.add())
        answer = lambda_handlers.notifications_handler(
            {"Records": [record(event.model_dump_json())]}, LocalContext("notifications")
        )
    finally:
        lambda_handlers.use_runtime(None)
    assert answer == {"batchItemFailures": []}
    assert len(sent_to(notify, reference=event.event_id)) == 1


def test_notifications_class_reads_configured_template_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    from dwp.workers.templates import template_ids

    monkeypatch.setenv("DWP_NOTIFY_TEMPLATES", json.dumps({"citizen.registered/email/en": "configured-id"}))
    ids = template_ids()
    assert ids["citizen.registered/email/en"] == "configured-id"
    assert ids["citizen.registered/email/cy"] != "configured-id"  # the rest keep the local simulator's


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


def _empty_the_workers_queues(settings: Settings) -> None:
    """Receive and delete what waits (not PurgeQueue: SQS allows one purge a queue a minute, and this
    test's SQLite and PostgreSQL runs come within a minute on one endpoint)."""
    sqs = aws.client("sqs", settings)
    for queue in catalog.process("workers").consumes:
        url = aws.queue_url(settings, queue.name)
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


async def test_a_citizen_registers_and_hears_once_in_welsh_through_sns_sqs_and_the_workers_process(
    bootstrapped: Settings, notify: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real citizen service publishes `citizen.registered` through its outbox to SNS; SQS holds it
    for the notifications queue; the workers process polls it and calls the Lambda handler, which reads
    the contact details from the citizen service with its service token and sends through Notify."""
    from dwp.citizen.app import build_app as citizen_app
    from dwp.platform.migrations import upgrade
    from dwp.workers.app import build_app as workers_app
    from dwp.workers.notifications import BackgroundLoop, ServiceDirectory
    from tests.integration.conftest import citizen_token, service_token

    await asyncio.to_thread(upgrade, "citizen", bootstrapped)
    # The embedded endpoint lives for the test session: its queues still hold the events of every test
    # before this one on this pytest worker (hundreds of registrations whose citizens are gone, each a 404
    # to the handler). They are not this test's; left there, this test waited behind the backlog.
    await asyncio.to_thread(_empty_the_workers_queues, bootstrapped)
    with running(citizen_app(bootstrapped)) as citizen_url:
        monkeypatch.setenv("DWP_CITIZEN_URL", citizen_url)
        loop = BackgroundLoop()
        directory = ServiceDirectory(bootstrapped, loop, tokens=MintedServiceToken(bootstrapped))
        client = NotificationsAPIClient(LOCAL_API_KEY, base_url=notify, timeout=5)
        runtime = NotificationsRuntime.build(bootstrapped, directory=directory, notify=client)
        lambda_handlers.use_runtime(runtime)
        workers = workers_app(bootstrapped, retry_base_seconds=0)
        try:
            async with workers.router.lifespan_context(workers):
                citizen_id = str(uuid.uuid4())
                email = f"gwen-{citizen_id[:8]}@example.com"
                async with httpx.AsyncClient(base_url=citizen_url) as http:
                    # As the identity service registers a person proven at P2, on their behalf.
                    created = await http.post(
                        "/v1/internal/citizens",
                        headers={
                            "Authorization": f"Bearer {service_token(bootstrapped, 'identity')}",
                            "On-Behalf-Of": citizen_token(bootstrapped, citizen_id),
                        },
                        json={
                            "given_name": "Gwen", "family_name": "Jones", "date_of_birth": "1985-03-01",
                            "national_insurance_number": random_nino(), "email": email,
                            "preferred_language": "cy", "contact_preferences": {"channels": ["email"]},
                        },
                    )  # fmt: skip
                assert created.status_code == 201, created.text
                [sent] = await wait_for(lambda: sent_to(notify, email_address=email), within=60)
                # The queue goes quiet with nothing else sent to this person.
                await wait_for(lambda: workers.state.pollers[0].handled >= 1)
        finally:
            lambda_handlers.use_runtime(None)
            loop.stop()
    assert sent["template_key"] == "citizen.registered/email/cy"
    assert sent["body"].startswith("Annwyl Gwen")
    assert len(sent_to(notify, email_address=email)) == 1
