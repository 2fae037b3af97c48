"""The workers' own limit on requests to Notify: in one process, and shared through Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from dwp.platform import catalog
from dwp.workers.ratelimit import DEFAULT_PER_MINUTE, SendLimiter


def test_the_default_allowance_is_below_notifys_3000_a_minute() -> None:
    assert DEFAULT_PER_MINUTE == catalog.NOTIFY_PER_MINUTE < 3000


def test_a_full_window_refuses_once_the_caller_can_wait_no_longer() -> None:
    waits: list[float] = []
    limiter = SendLimiter(None, per_minute=3, sleep=waits.append)
    assert all(limiter.acquire() for _ in range(3))
    assert limiter.acquire(most_seconds=0) is False
    assert waits == []  # it gave up rather than sleeping past what it was allowed


def test_a_full_window_waits_for_room(monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = SendLimiter(None, per_minute=1)
    assert limiter.acquire()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        limiter._limiter.storage.reset()  # the window moves on while it sleeps

    limiter._sleep = sleep
    assert limiter.acquire()
    assert len(slept) == 1
    assert 0 < slept[0] <= 1.0
    assert limiter.waited_seconds == slept[0]


@pytest.mark.redis
@pytest.mark.integration
def test_worker_processes_share_one_allowance_through_redis() -> None:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    key = f"test-{uuid.uuid4()}"
    one, other = SendLimiter(url, per_minute=3, key=key), SendLimiter(url, per_minute=3, key=key)
    assert one.acquire()
    assert one.acquire()
    assert other.acquire()
    assert other.acquire(most_seconds=0) is False
    assert one.acquire(most_seconds=0) is False
