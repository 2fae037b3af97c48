"""Sending against the GOV.UK Notify simulator: how fast the worker's path can go, apart from its limit.

Starts the Notify simulator as its own uvicorn process and the embedded AWS endpoint (for the handler's
DynamoDB idempotency records) in this process. Then sends BENCH_MESSAGES emails (10,000 by default), each
figure with its ratio to the first (one thread, one request each: the baseline of the same run):

1. with `NotifySender` (notifications-python-client, one request each), in one thread and in 4;
2. through `notifications_handler`'s runtime in SQS batches of 10 (idempotency record, template choice,
   send), with contact details from memory rather than the citizen service.

The client-side limit is lifted for the measurement (it would cap every figure at 45 a second, Notify's
allowance less 10%): the figures say what the path costs, and the limit says what production does.
"""

from __future__ import annotations

import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifications_python_client.notifications import NotificationsAPIClient  # noqa: E402

from dwp.contracts import notify as keys  # noqa: E402
from dwp.contracts.citizens import CitizenContact  # noqa: E402
from dwp.contracts.claims import HeldRegistration, NotificationFacts, WorkItemRef  # noqa: E402
from dwp.contracts.events import CitizenRegistered, EventEnvelope  # noqa: E402
from dwp.platform.aws import bootstrap  # noqa: E402
from dwp.platform.embedded_aws import EmbeddedAws, wait_for_port  # noqa: E402
from dwp.platform.settings import Settings  # noqa: E402
from dwp.workers.lambda_handlers import NotificationsRuntime  # noqa: E402
from dwp.workers.notify import Message, NotifySender  # noqa: E402
from dwp.workers.poller import LocalContext  # noqa: E402
from dwp.workers.ratelimit import SendLimiter  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
TEMPLATE = keys.local_template_id(keys.template_key(keys.CITIZEN_REGISTERED, "email", "en"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Contacts:
    def __init__(self) -> None:
        self.people: dict[str, CitizenContact] = {}

    def contact(self, citizen_id: str) -> CitizenContact:
        return self.people[citizen_id]

    def facts(self, claim_id: str, part: dict[str, str]) -> NotificationFacts:
        raise KeyError(claim_id)

    def hold(self, held: HeldRegistration) -> WorkItemRef:
        raise KeyError(held.hold_id)


def unlimited_sender(url: str) -> NotifySender:
    return NotifySender(
        NotificationsAPIClient(keys.LOCAL_API_KEY, base_url=url), SendLimiter(None, per_minute=10**9)
    )


def send_many(url: str, count: int) -> list[float]:
    sender = unlimited_sender(url)
    took: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        sender.send(
            Message(
                "email", TEMPLATE, {"first_name": "Ada"}, str(uuid.uuid4()), email_address="ada@example.com"
            )
        )
        took.append(time.perf_counter() - start)
    return took


BASELINE: list[float] = []
"""The first figure reported (one thread, one request each): what the others are a ratio of."""


def report(label: str, count: int, seconds: float, latencies: list[float] | None = None) -> None:
    rate = count / seconds
    BASELINE.append(BASELINE[0] if BASELINE else rate)
    line = f"{label:<52} {rate:8.0f} notifications/s  {rate / BASELINE[0]:5.2f}x"
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        line += f"   p50 {q[49] * 1000:5.1f} ms  p99 {q[98] * 1000:5.1f} ms"
    print(line, flush=True)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call otherwise
    port = free_port()
    # The simulator's 3,000 a minute is lifted as the client's limit is (10,000 messages would take 3.3
    # minutes by design): the figures say what the path costs; the limits say what production does.
    env = {
        **os.environ,
        "DWP_ENV": "local",
        "PYTHONUNBUFFERED": "1",
        "DWP_NOTIFY_SIMULATOR_PER_MINUTE": "1000000",
    }
    log = Path(tempfile.mkdtemp(prefix="dwp-bench-notify-")) / "notify.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "serve", "notify", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    aws = EmbeddedAws(port=free_port()).start()
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        url = f"http://127.0.0.1:{port}"
        send_many(url, 50)  # warm up

        start = time.perf_counter()
        latencies = send_many(url, MESSAGES)
        report("NotifySender, 1 thread", MESSAGES, time.perf_counter() - start, latencies)

        start = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            parts = list(pool.map(lambda _: send_many(url, MESSAGES // 4), range(4)))
        report("NotifySender, 4 threads", sum(map(len, parts)), time.perf_counter() - start)

        settings = Settings(dwp_env="test", aws_endpoint_url=aws.url, dwp_data_dir=Path(tempfile.mkdtemp()))
        bootstrap(settings)
        contacts = Contacts()
        runtime = NotificationsRuntime.build(settings, directory=contacts, sender=unlimited_sender(url))
        batches: list[dict[str, Any]] = []
        for i in range(0, MESSAGES, 10):
            records = []
            for _ in range(min(10, MESSAGES - i)):
                citizen_id = str(uuid.uuid4())
                contacts.people[citizen_id] = CitizenContact.model_validate(
                    {
                        "id": citizen_id,
                        "given_name": "Ada",
                        "email": "ada@example.com",
                        "preferred_language": "en",
                        "contact_preferences": {"channels": ["email"]},
                    }
                )
                event = EventEnvelope.wrap(
                    CitizenRegistered(citizen_id=citizen_id, preferred_language="en", contact_by=["email"]),
                    source="citizen",
                )
                records.append(
                    {
                        "messageId": str(uuid.uuid4()),
                        "receiptHandle": "h",
                        "body": event.model_dump_json(),
                        "attributes": {"ApproximateReceiveCount": "1"},
                        "messageAttributes": {},
                        "md5OfBody": "",
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn",
                        "awsRegion": "eu-west-2",
                    }
                )
            batches.append({"Records": records})
        start = time.perf_counter()
        for batch in batches:
            failed = runtime.handle(batch, LocalContext("notifications"))["batchItemFailures"]  # type: ignore[arg-type]
            assert not failed, failed
        report("notifications handler, batches of 10 (idempotency on)", MESSAGES, time.perf_counter() - start)
        print(f"production limit: {SendLimiter(None)._item.amount} requests a minute = "
              f"{SendLimiter(None)._item.amount / 60:.0f} a second; 10,000 messages take at least "
              f"{10_000 / (SendLimiter(None)._item.amount / 60) / 60:.1f} minutes by design")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
        aws.stop()


if __name__ == "__main__":
    main()
