"""One deadline per unit of work, carried in a context variable.

A request handler (or a worker handling one message) says how long it may take with `deadline_in`;
every call through `dwp.platform.http` below it, however deep, stops retrying and stops waiting when
that time is up, so the retries of a call never outlive the caller that is waiting for it. Nested
deadlines only ever shorten it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Clock = Callable[[], float]

_deadline: ContextVar[float | None] = ContextVar("dwp_http_deadline", default=None)


@contextmanager
def deadline_in(seconds: float, *, clock: Clock = time.monotonic) -> Iterator[float]:
    """Everything inside must finish within `seconds` (or the enclosing deadline, if sooner).

    Yields the deadline as a time on `clock` (the monotonic clock unless a test injects one).
    """
    candidate = clock() + seconds
    current = _deadline.get()
    deadline = candidate if current is None else min(current, candidate)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    """The deadline in force, as a time on the clock it was set with; None when there is none."""
    return _deadline.get()


def remaining(*, clock: Clock = time.monotonic) -> float | None:
    """Seconds left before the deadline in force (never below zero), or None when there is none."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - clock())
