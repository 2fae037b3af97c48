"""The batch engine and the single-household path agree, to the penny, on every case and on 100,000
generated households. Both call the one kernel; this proves the plumbing around it loses nothing."""

from __future__ import annotations

import numpy as np
import pytest

from dwp.benefits import synthetic
from dwp.benefits.domain import calculate_batch, rates_for
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.batch import in_range
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.rates import rates_table
from dwp.benefits.domain.uc import run_kernel, to_inputs

from .cases import CASES


def test_batch_agrees_with_single_on_every_worked_example() -> None:
    for case in CASES:
        rates = rates_for("2025-26").with_overrides(**case.overrides)
        values, lha = to_inputs(case.household, rates)
        single = run_kernel(values, lha, rates)
        columns = {name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS}
        out = calculate_batch(columns, np.zeros(1, np.int8), lha, rates.vector()[None, :])
        assert dict(zip(k.OUTPUTS, out[0].tolist(), strict=True)) == single, case.name


def test_batch_agrees_with_single_on_100000_generated_households() -> None:
    n = 100_000
    columns, year = synthetic.households(n, seed=20251124)
    lha = synthetic.lha_table()
    _, table = rates_table()
    out = calculate_batch(columns, year, lha, table)
    matrix = np.stack([columns[name].astype(np.int64) for name, *_ in k.INPUTS], axis=1)
    for i in range(n):
        single = k.uc_single(matrix[i], lha, table[year[i]])
        assert tuple(out[i].tolist()) == single, i
    # The generated mix exercises the rules, not just the easy path.
    flags = out[:, k.OUT["flags"]]
    for bit in (
        k.F_CAP_APPLIED,
        k.F_CHILD_LIMIT,
        k.F_MIF1,
        k.F_LHA_CAPPED,
        k.F_UNDER_OCCUPIED,
        k.F_CAPITAL_OVER_LIMIT,
        k.F_OWNER_EARNED_INCOME,
        k.F_OWNER_QUALIFYING,
    ):
        assert (flags & bit).any(), bit
    # Owner-occupiers whose service charges are met (UC Regs 2013 Sch 5) are in the mix too.
    owners = columns["tenure"] == k.OWNER
    assert (out[owners, k.OUT["housing_element"]] > 0).any()


def test_the_range_check_finds_every_value_out_of_range() -> None:
    # batch.in_range reads a signed column from 0 as unsigned (one pass): negatives must still fail.
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        assert in_range(np.array([0, 1, 20], dtype=dtype), 0, 20)
        assert not in_range(np.array([0, -1, 20], dtype=dtype), 0, 20)
        assert not in_range(np.array([np.iinfo(dtype).min, 3], dtype=dtype), 0, 20)
        assert not in_range(np.array([21, 3], dtype=dtype), 0, 20)
        assert in_range(np.array([16, 120], dtype=dtype), 16, 120)
        assert not in_range(np.array([15, 120], dtype=dtype), 16, 120)
    assert in_range(np.array([0, 255], dtype=np.uint8), 0, 255)
    assert not in_range(np.array([0, 21], dtype=np.uint16), 0, 20)
    assert in_range(np.array([0, 2_000_000_000], dtype=np.int32), 0, 2_000_000_000)
    assert not in_range(np.array([-2_000_000_000], dtype=np.int32), 0, 2_000_000_000)


def test_a_batch_with_a_negative_value_is_refused() -> None:
    columns, year = synthetic.households(100, seed=3)
    columns["rent"][7] = -5
    with pytest.raises(InvalidCircumstances, match="rent"):
        calculate_batch(columns, year, synthetic.lha_table())
