"""Sending through GOV.UK Notify with its own client, never the same message twice.

Notify does not deduplicate by `reference`, so the worker makes the reference the event's id and,
whenever it cannot know whether an earlier attempt was accepted (a timeout, a dropped connection, a
5xx, or an event SQS delivers again), asks Notify for that reference (`GET /v2/notifications?
reference=`) before sending. A 429 or a 5xx is tried again with exponential backoff and jitter (the
upstream's `Retry-After` when it gives one) within the call's own time; past that the caller gets
`NotifyUnavailable` and the event is retried later from its queue. Any other 4xx is a fault in what
was sent (a template or personalisation that does not match) and is not retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from dwp.contracts.notify import NotifyChannel
from dwp.workers.ratelimit import SendLimiter

log = structlog.get_logger("workers.notify")

RETRYABLE = frozenset({429, 500, 502, 503, 504})


class NotifyUnavailable(Exception):
    """Notify did not take the message in the time this call had; the event must be tried again later."""


class NotifyRefused(Exception):
    """Notify refused the message for what it is (a 4xx other than 429): retrying cannot help."""


@dataclass(frozen=True)
class Message:
    channel: NotifyChannel
    template_id: str
    personalisation: dict[str, str]
    reference: str
    """The event id: unique per message, and what a retry looks up."""
    email_address: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True)
class SendPolicy:
    attempts: int = 6
    total_seconds: float = 30.0
    backoff_initial: float = 0.2
    backoff_max: float = 5.0


class NotifySender:
    def __init__(
        self,
        client: NotificationsAPIClient,
        limiter: SendLimiter,
        *,
        policy: SendPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._limiter = limiter
        self.policy = policy or SendPolicy()
        self._sleep, self._clock = sleep, clock
        self.requests = 0
        """Requests made to Notify (sends and look-ups), for metrics and tests."""

    def send(self, message: Message, *, may_have_been_sent: bool = False) -> str:
        """Send `message` (or find it already sent); the Notify notification id."""
        try:
            return self._send(message, may_have_been_sent=may_have_been_sent)
        except (NotifyRefused, NotifyUnavailable) as exc:
            # One error line per message Notify did not take: the NotifyFailures alarm's metric filter
            # counts `notify.failed` (docs/runbook.md, "Notify failures").
            log.error("notify.failed", reason=type(exc).__name__, reference=message.reference, error=str(exc))
            raise

    def _send(self, message: Message, *, may_have_been_sent: bool) -> str:
        deadline = self._clock() + self.policy.total_seconds
        unknown = may_have_been_sent
        for attempt in range(1, self.policy.attempts + 1):
            try:
                if unknown and (found := self._already_sent(message.reference)) is not None:
                    log.info("notify.already_sent", reference=message.reference, notification_id=found)
                    return found
                return self._post(message)
            except HTTPError as exc:
                status = exc.status_code
                if status not in RETRYABLE:
                    raise NotifyRefused(f"Notify refused the message: {status} {exc.message}") from exc
                # Only a 429 says for certain that nothing was accepted.
                unknown = unknown or status != 429
                wait = _retry_after(exc) or self._backoff(attempt)
                if attempt == self.policy.attempts or self._clock() + wait > deadline:
                    raise NotifyUnavailable(f"Notify did not take the message: {status}") from exc
                log.info("notify.retry", status=status, attempt=attempt, wait_seconds=round(wait, 3))
                self._sleep(wait)
        raise NotifyUnavailable("Notify did not take the message")  # not reached: the loop returns or raises

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, so workers retrying together spread out."""
        ceiling = min(self.policy.backoff_max, self.policy.backoff_initial * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - spreading retries, not a secret

    def _already_sent(self, reference: str) -> str | None:
        self._take_allowance()
        found = self._client.get_all_notifications(reference=reference)
        notifications = found.get("notifications") or []
        return str(notifications[0]["id"]) if notifications else None

    def _post(self, message: Message) -> str:
        self._take_allowance()
        answer: dict[str, Any]
        if message.channel == "email":
            answer = self._client.send_email_notification(
                email_address=message.email_address,
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=message.reference,
            )
        elif message.channel == "sms":
            answer = self._client.send_sms_notification(
                phone_number=message.phone_number,
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=message.reference,
            )
        else:
            answer = self._client.send_letter_notification(
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=message.reference,
            )
        return str(answer["id"])

    def _take_allowance(self) -> None:
        if not self._limiter.acquire():
            raise NotifyUnavailable("the shared Notify allowance had no room within a minute")
        self.requests += 1


def _retry_after(exc: HTTPError) -> float | None:
    response = exc.response
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
