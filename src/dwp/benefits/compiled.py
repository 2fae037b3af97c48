"""The compiled rules kernel: whether it must be compiled first, and the benefits service's way of getting
it without making anyone wait.

Compiling takes seconds (tens on a busy machine), once per machine and source version: numba keeps the
result in NUMBA_CACHE_DIR (the data folder locally, `/tmp` in a container). Commands say so before the
wait ("compiling the rules engine (first run only)"), rather than sitting silent.

The benefits service does not wait (`RulesEngine`): it answers at once with the kernel's source
interpreted (`dwp.benefits.domain.jit`: the same source, the same answers to the penny, a test holds the
two together), single households and batch pages alike, while a subprocess compiles the kernel into
numba's cache at a lower priority (numba holds the GIL for seconds at a time while it compiles, which in
the service's own process would stall its event loop, `/health/live` included); then a thread of the
service loads the compiled kernel from that cache, runs it once on the service's own paths, and switches
to it. If the subprocess fails, the thread compiles in the service instead; if that fails too, the
service goes on answering with the interpreted source and its readiness says why.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import structlog

COMPILING = "compiling the rules engine (first run only)"
NICE = 10
"""How much lower the compiling subprocess runs than the service: the service's requests (and, under `dwp
up`, the other services starting) come first; the interpreted kernel answers meanwhile."""
COMPILE_TIMEOUT_SECONDS = 900.0
"""A compile that takes longer has gone wrong: the subprocess is stopped and the service compiles."""

State = Literal["starting", "compiling", "loading", "compiled", "failed"]


def _cached(dispatcher: Any) -> bool:
    if not hasattr(dispatcher, "signatures"):  # the process interprets the kernel: nothing to compile
        return True
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


def interpreted_only() -> bool:
    """Whether this process runs `uc_kernel` itself interpreted (DWP_RULES_ENGINE=interpreted)."""
    from dwp.benefits.domain import uc_kernel

    return not hasattr(uc_kernel.uc_single, "signatures")


def warm_up() -> None:
    """Run the compiled kernel (`uc_kernel` itself, whatever `jit.kernel()` serves other threads) once on
    the service's own paths, one household and a page of one, so that numba loads both of its entry
    points from its cache with the argument types the service passes, or compiles them and fills it."""
    from datetime import date

    from dwp.benefits.domain import Adult, Household, calculate_uc, jit, one_month_later
    from dwp.benefits.domain.pages import PageItem, calculate_page

    start = date(2025, 6, 1)
    household = Household(start, one_month_later(start), (Adult(date(1990, 1, 1)),))
    with jit.compiled_in_this_thread():
        calculate_uc(household)
        calculate_page([PageItem(household)])


class CompileFailed(Exception):
    """The compiling subprocess did not finish its work (its exit and last lines say why)."""


class RulesEngine:
    """The benefits service's kernel: interpreted from `start()`, compiled once the compiled kernel is
    loaded (`state` "compiled"). `compile` and `load` are the two steps (by default: the subprocess that
    fills numba's cache, then `warm_up` in this process); a test passes its own to hold the compile."""

    def __init__(
        self,
        *,
        compile: Callable[[], None] | None = None,
        load: Callable[[], None] = warm_up,
        needs_compile: Callable[[], bool] | None = None,
    ) -> None:
        self.state: State = "starting"
        self.why = ""
        self.seconds: float | None = None
        """How long from `start()` to the compiled kernel, once it is served."""
        self._compile = compile or self._compile_in_subprocess
        self._load = load
        self._needs_compile = needs_compile or (lambda: must_compile() or must_compile(batch=True))
        self._done = threading.Event()
        self._stopping = False
        self._process: subprocess.Popen[str] | None = None
        self._log = structlog.get_logger("benefits")

    def start(self) -> None:
        """Serve the interpreted kernel now, and get the compiled one in a background thread."""
        from dwp.benefits.domain import jit

        if interpreted_only():
            self.state = "compiled"  # nothing to wait for: the process interprets by its configuration
            self._done.set()
            return
        jit.serve_interpreted()
        threading.Thread(target=self._run, name="rules-engine", daemon=True).start()

    def stop(self) -> None:
        """Stop a compile still running; the process goes back to the kernel module itself (which
        compiles on its first call, as it did before the service served it interpreted)."""
        from dwp.benefits.domain import jit

        self._stopping = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if self.state != "compiled":
            jit.serve_compiled()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the compiled kernel is served or has failed (for tests and tools)."""
        return self._done.wait(timeout)

    def describe(self) -> str:
        """What readiness says while the kernel is not the compiled one."""
        serving = "answering with the rules kernel's interpreted source (the same answers)"
        if self.state == "failed":
            return f"the compiled rules kernel did not load ({self.why}): {serving}"
        doing = {"loading": "loading the compiled rules kernel"}.get(self.state, COMPILING)
        return f"{doing}: {serving} until it is loaded"

    def _run(self) -> None:
        from dwp.benefits.domain import jit

        started = time.monotonic()
        try:
            if self._needs_compile():
                self.state = "compiling"
                self._log.info(f"{COMPILING}, in the background: answering with its interpreted source")
                try:
                    self._compile()
                except Exception as exc:
                    if self._stopping:
                        return
                    self._log.warning(
                        "the rules engine did not compile in a subprocess: compiling in the service",
                        error=f"{type(exc).__name__}: {exc}",
                    )
            if self._stopping:
                return
            self.state = "loading"
            self._load()
            if self._stopping:
                return
            jit.serve_compiled()
            self.seconds = time.monotonic() - started
            self.state = "compiled"
            self._log.info("rules engine compiled and loaded", seconds=round(self.seconds, 1))
        except Exception as exc:
            self.why = f"{type(exc).__name__}: {exc}"
            self.state = "failed"
            self._log.exception("the rules engine did not compile: answering with its interpreted source")
        finally:
            self._done.set()

    def _compile_in_subprocess(self) -> None:
        """`python -m dwp.benefits.compiled` (this environment, so the same NUMBA_CACHE_DIR): it fills
        numba's cache, which `warm_up` here then loads."""
        self._process = subprocess.Popen(  # noqa: S603 - this Python, this module, fixed arguments
            [sys.executable, "-m", __name__],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            output, _ = self._process.communicate(timeout=COMPILE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise CompileFailed(f"not done after {COMPILE_TIMEOUT_SECONDS:.0f}s") from None
        if self._process.returncode != 0:
            last = " | ".join(output.strip().splitlines()[-3:])
            raise CompileFailed(f"exit {self._process.returncode}: {last}")


def main() -> None:
    """The compiling subprocess: below the service's priority, the kernel compiled into numba's cache."""
    with contextlib.suppress(OSError):
        os.nice(NICE)
    warm_up()


if __name__ == "__main__":
    main()
