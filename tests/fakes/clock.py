"""A clock for tests: it says what the test says, and moves only when asked (or by `tick` per reading, so
that records made one after another have distinct, ordered times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, now: datetime | None = None, *, tick: timedelta = timedelta(0)) -> None:
        self.now = now or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.tick = tick

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def advance(self, by: timedelta) -> None:
        self.now += by
