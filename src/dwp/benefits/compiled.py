"""Whether the rules kernel must be compiled before it runs: numba's disk cache holds no copy of it.

Compiling takes seconds (tens on a busy machine), once per machine and source version: numba keeps the
result in NUMBA_CACHE_DIR (the data folder locally, `/tmp` in a container). Commands and the benefits
service say so before the wait, rather than sitting silent.
"""

from __future__ import annotations

from typing import Any

COMPILING = "compiling the rules engine (first run only)"


def _cached(dispatcher: Any) -> bool:
    if dispatcher.signatures:  # already compiled or loaded in this process
        return True
    try:
        # numba's own reading of its index: empty when missing, or stale against the source.
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # numba's cache internals moved: say nothing rather than fail
        return True


def must_compile(*, batch: bool = False) -> bool:
    """Whether the next single (or batch) calculation in this process compiles the kernel first."""
    from dwp.benefits.domain import uc_kernel

    return not _cached(uc_kernel.uc_batch if batch else uc_kernel.uc_single)
