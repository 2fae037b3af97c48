"""How the benefits service gets its compiled kernel (dwp.benefits.compiled.RulesEngine), step by step:
interpreted from the start, compiled once loaded, and what it does when a step fails. The steps are the
test's own (held or failing on cue); the HTTP side is tests/integration/test_benefits_cold_start.py."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from dwp.benefits import compiled as compiled_module
from dwp.benefits.compiled import CompileFailed, RulesEngine
from dwp.benefits.domain import jit
from dwp.benefits.domain import uc_kernel as compiled


@pytest.fixture(autouse=True)
def back_to_the_module() -> Iterator[None]:
    yield
    jit.serve_compiled()


class Steps:
    def __init__(self, *, compile_fails: bool = False, load_fails: bool = False) -> None:
        self.compile_fails, self.load_fails = compile_fails, load_fails
        self.done: list[str] = []
        self.served_while_loading: object = None

    def compile(self) -> None:
        self.done.append("compile")
        if self.compile_fails:
            raise CompileFailed("exit 1: killed")

    def load(self) -> None:
        self.done.append("load")
        self.served_while_loading = jit.kernel()
        if self.load_fails:
            raise RuntimeError("no cache and no compiler")


def test_a_first_start_compiles_then_loads_then_switches() -> None:
    steps = Steps()
    engine = RulesEngine(compile=steps.compile, load=steps.load, needs_compile=lambda: True)
    engine.start()
    assert engine.wait(60)
    assert steps.done == ["compile", "load"]
    assert steps.served_while_loading is jit.interpreted_copy()  # other threads: interpreted until the end
    assert engine.state == "compiled"
    assert jit.kernel() is compiled


def test_a_warm_start_only_loads() -> None:
    steps = Steps()
    engine = RulesEngine(compile=steps.compile, load=steps.load, needs_compile=lambda: False)
    engine.start()
    assert engine.wait(60)
    assert steps.done == ["load"]
    assert engine.state == "compiled"


def test_a_failed_subprocess_compile_is_done_in_the_service_instead() -> None:
    steps = Steps(compile_fails=True)
    engine = RulesEngine(compile=steps.compile, load=steps.load, needs_compile=lambda: True)
    engine.start()
    assert engine.wait(60)
    assert steps.done == ["compile", "load"]  # the load compiles, in a thread of the service
    assert engine.state == "compiled"


def test_a_kernel_that_does_not_load_leaves_the_service_interpreted_saying_why() -> None:
    steps = Steps(load_fails=True)
    engine = RulesEngine(compile=steps.compile, load=steps.load, needs_compile=lambda: True)
    engine.start()
    assert engine.wait(60)
    assert engine.state == "failed"
    assert jit.serving_interpreted()  # still the right answers, from the interpreted source
    assert "RuntimeError: no cache and no compiler" in engine.describe()
    assert "interpreted source" in engine.describe()
    engine.stop()
    assert not jit.serving_interpreted()


def test_the_compile_is_in_the_background() -> None:
    release = threading.Event()
    engine = RulesEngine(
        compile=lambda: release.wait(60) and None, load=lambda: None, needs_compile=lambda: True
    )
    engine.start()  # returns at once, serving the interpreted copy
    assert jit.serving_interpreted()
    assert not engine.wait(0.01)
    assert "compiling the rules engine" in engine.describe()
    release.set()
    assert engine.wait(60)
    assert not jit.serving_interpreted()


def test_a_compiling_subprocess_that_fails_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the subprocess's interpreter: exits 1 at once
    engine = RulesEngine()
    with pytest.raises(CompileFailed, match="exit 1"):
        engine._compile_in_subprocess()


def test_a_process_that_interprets_the_kernel_has_nothing_to_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_module, "interpreted_only", lambda: True)
    steps = Steps()
    engine = RulesEngine(compile=steps.compile, load=steps.load, needs_compile=lambda: True)
    engine.start()
    assert engine.wait(0)
    assert (engine.state, steps.done, jit.serving_interpreted()) == ("compiled", [], False)
