"""The kernel interpreted (`dwp calc` for one household, dwp.benefits.domain.jit) and compiled (the service,
the batch engine) agree to the penny on every worked example and on generated households: the source is
one, and this proves the arithmetic is too."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from dataclasses import replace
from datetime import date
from types import ModuleType

import numpy as np
import pytest

from dwp.benefits import synthetic
from dwp.benefits.domain import jit, rates_for
from dwp.benefits.domain import uc_kernel as compiled
from dwp.benefits.domain.rates import rates_table
from dwp.benefits.domain.uc import to_inputs

from .cases import CASES


@pytest.fixture(scope="module")
def interpreted() -> ModuleType:
    """A second copy of the kernel module, loaded with the interpreted engine."""
    before = os.environ.get(jit.ENGINE_VARIABLE)
    os.environ[jit.ENGINE_VARIABLE] = jit.INTERPRETED
    try:
        spec = importlib.util.spec_from_file_location("uc_kernel_interpreted", compiled.__file__)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if before is None:
            os.environ.pop(jit.ENGINE_VARIABLE)
        else:
            os.environ[jit.ENGINE_VARIABLE] = before
    assert not hasattr(module.uc_single, "signatures"), "the copy was compiled, not interpreted"
    assert hasattr(compiled.uc_single, "signatures"), "the service's kernel is not compiled"
    return module


def _both(
    interpreted: ModuleType, x: np.ndarray, lha: np.ndarray, r: np.ndarray
) -> tuple[list[int], list[int]]:
    return [int(v) for v in interpreted.uc_single(x, lha, r)], [int(v) for v in compiled.uc_single(x, lha, r)]


def test_interpreted_and_compiled_agree_on_every_worked_example(interpreted: ModuleType) -> None:
    for case in CASES:
        rates = rates_for("2025-26").with_overrides(**case.overrides)
        values, lha = to_inputs(case.household, rates)
        x = np.array([values[name] for name, *_ in compiled.INPUTS], dtype=np.int64)
        slow, fast = _both(interpreted, x, lha, rates.vector())
        assert slow == fast, case.name


def test_interpreted_and_compiled_agree_on_generated_households(interpreted: ModuleType) -> None:
    n = 3_000
    columns, year = synthetic.households(n, seed=20261202)
    lha = synthetic.lha_table()
    _, table = rates_table()
    matrix = np.stack([columns[name].astype(np.int64) for name, *_ in compiled.INPUTS], axis=1)
    awards = set()
    for i in range(n):
        slow, fast = _both(interpreted, matrix[i], lha, table[year[i]])
        assert slow == fast, i
        awards.add(fast[compiled.OUT["award"]])
    assert len(awards) > n // 10  # many different awards: the households exercise the rules


def test_the_interpreted_batch_entry_agrees_with_the_compiled_one(interpreted: ModuleType) -> None:
    """The benefits service runs batch pages through the interpreted `uc_batch` too while it compiles
    (dwp.benefits.compiled): the same loop over households, the same outputs in the same int32 array."""
    n = 3_000
    columns, year = synthetic.households(n, seed=20261203)
    lha = synthetic.lha_table()
    _, table = rates_table()
    # As `calculate_page` passes them (int64 columns), and as the batch files do (their narrow dtypes).
    for cast in (lambda col: col.astype(np.int64), lambda col: col):
        cols = [np.ascontiguousarray(cast(columns[name])) for name, *_ in compiled.INPUTS]
        slow = np.zeros((n, compiled.N_OUT), dtype=np.int32)
        fast = np.zeros((n, compiled.N_OUT), dtype=np.int32)
        interpreted.uc_batch(*cols, year, lha, table, slow)
        compiled.uc_batch(*cols, year, lha, table, fast)
        assert np.array_equal(slow, fast), np.argwhere(slow != fast)[:5]


def test_a_page_through_the_interpreted_kernel_is_the_compiled_page() -> None:
    """`calculate_page` and `calculate_uc` with `jit.kernel()` serving the interpreted copy (the service
    while it compiles) give every worked example the compiled kernel's award and explanation."""
    from dwp.benefits.domain import calculate_uc
    from dwp.benefits.domain.household import one_month_later
    from dwp.benefits.domain.pages import PageItem, calculate_page

    # Every worked example's household (at the rates of its period), over two tax years, as test_pages.
    later = date(2026, 5, 1)
    households = [case.household for case in CASES]
    households += [replace(h, period_start=later, period_end=one_month_later(later)) for h in households]
    assert not jit.serving_interpreted()
    fast_page = calculate_page([PageItem(h) for h in households])
    fast_single = [calculate_uc(h) for h in households]
    jit.serve_interpreted()
    try:
        assert jit.kernel() is jit.interpreted_copy()
        slow_page = calculate_page([PageItem(h) for h in households])
        slow_single = [calculate_uc(h) for h in households]
    finally:
        jit.serve_compiled()
    assert jit.kernel() is compiled
    assert [r.result for r in slow_page] == [r.result for r in fast_page]
    assert slow_single == fast_single


def test_the_kernel_is_never_none_while_another_thread_switches_engines() -> None:
    # The loading thread's switch (`serve_compiled`) once landed between `kernel()`'s test of the
    # global and its return, so a request got None (CI: a 500 from an estimate as the kernel loaded).
    # Switching threads every microsecond makes that window likely: 33 Nones in 200,000 before the fix.
    jit.interpreted_copy()
    stop = threading.Event()

    def switch() -> None:
        while not stop.is_set():
            jit.serve_interpreted()
            jit.serve_compiled()

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    switcher = threading.Thread(target=switch)
    switcher.start()
    try:
        nones = sum(1 for _ in range(200_000) if jit.kernel() is None)
    finally:
        stop.set()
        switcher.join()
        sys.setswitchinterval(before)
        jit.serve_compiled()
    assert nones == 0
