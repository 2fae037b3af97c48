"""A message Notify does not take is one `notify.failed` error line (what the Notify failures alarm counts),
whether Notify refused it or stayed down; a message it took writes none."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from notifications_python_client.notifications import NotificationsAPIClient
from structlog.testing import capture_logs

from dwp.contracts.notify import LOCAL_API_KEY
from dwp.simulators.notify.app import create_app as notify_app
from dwp.workers.notify import Message, NotifyRefused, NotifySender, NotifyUnavailable, SendPolicy
from dwp.workers.ratelimit import SendLimiter
from dwp.workers.templates import template_ids
from tests.servers import running


@pytest.fixture(scope="module")
def notify() -> Iterator[str]:
    with running(notify_app(api_keys=[LOCAL_API_KEY])) as url:
        yield url
        httpx.delete(f"{url}/_simulator/control")


def sender(url: str) -> NotifySender:
    client = NotificationsAPIClient(LOCAL_API_KEY, base_url=url, timeout=5)
    return NotifySender(client, SendLimiter(None), policy=SendPolicy(attempts=2, backoff_initial=0.01))


def message(template_id: str) -> Message:
    return Message(
        channel="email",
        template_id=template_id,
        personalisation={"first_name": "Siân"},
        reference=str(uuid.uuid4()),
        email_address="sian@example.com",
    )


def failures(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in logs if line["event"] == "notify.failed"]


def test_a_sent_message_logs_no_failure(notify: str) -> None:
    template = next(iter(template_ids().values()))
    with capture_logs() as logs:
        assert sender(notify).send(message(template))
    assert failures(logs) == []


def test_a_refused_message_is_one_failure_line(notify: str) -> None:
    with capture_logs() as logs, pytest.raises(NotifyRefused):
        sender(notify).send(message(str(uuid.uuid4())))  # no such template: a 400
    [line] = failures(logs)
    assert (line["log_level"], line["reason"]) == ("error", "NotifyRefused")


def test_notify_down_is_one_failure_line_after_the_retries(notify: str) -> None:
    template = next(iter(template_ids().values()))
    httpx.put(f"{notify}/_simulator/control", json={"fault": "error", "status": 503})
    try:
        with capture_logs() as logs, pytest.raises(NotifyUnavailable):
            sender(notify).send(message(template))
    finally:
        httpx.delete(f"{notify}/_simulator/control")
    [line] = failures(logs)
    assert line["reason"] == "NotifyUnavailable"
