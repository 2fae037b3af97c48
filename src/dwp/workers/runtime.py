"""What a Lambda container (or the local `workers` process) builds once and reuses for every batch: one
holder per handler, built on first use, replaceable by tests and by the local worker with its own settings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class RuntimeHolder(Generic[T]):
    """A handler's runtime: `get()` builds it once (thread-safe); `use()` replaces it (None: build anew)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._built: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def use(self, built: T | None) -> None:
        with self._lock:
            self._built = built
