"""A claim as a run of assessment periods with the state the law carries between them: the benefit
cap's grace period (UC Regs 2013 reg 82) and surplus earnings (reg 54A), in the single path
(`calculate_claim`) and the batch path (`calculate_batch_periods`) alike, both on the one kernel.

Worked by hand. A lone parent, 35, with three children born 2012 (boy), 2014 (girl) and 2016 (boy), all
before 6 April 2017; social rent £1,400.00 for the 3 bedrooms they need (the boys share). She worked
the 12 months before June 2025 at £1,000.00 take-home pay a month (at or above the threshold, £846 in
2025/26); the job ends after June 2025.

2025/26 rates: maximum = 400.14 + 339.00 + 2 x 292.81 + 1,400.00 = £2,724.76; Child Benefit
  (26.05 + 2 x 17.25) = £60.55 a week x 52 / 12 = £262.38; cap £1,835.00.
  June 2025, earning: 55% x (1,000.00 - 411.00) = £323.95 off: £2,400.81, exempt by earnings.
  July 2025 to March 2026: the grace period's 9 months (it begins on 1 July): £2,724.76, not capped.
  April 2026 (begins 1 April, before the up-rating day 6 April: still 2025/26 rates): capped,
  excess 2,724.76 + 262.38 - 1,835.00 = £1,152.14: £1,572.62.
2026/27 rates from May 2026: maximum = 424.90 + 351.88 + 2 x 303.94 + 1,400.00 = £2,784.66; Child
  Benefit (27.05 + 2 x 17.90) x 52 / 12 = £272.35; excess 2,784.66 + 272.35 - 1,835.00 = £1,222.01:
  £1,562.65.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dwp.benefits import synthetic
from dwp.benefits.domain import (
    Adult,
    Child,
    Earnings,
    Household,
    Housing,
    Tenure,
    calculate_batch_periods,
    calculate_claim,
    one_month_later,
    rates_on,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.rates import rates_table
from dwp.benefits.domain.uc import to_inputs

KIDS = (Child(date(2012, 6, 1), "M"), Child(date(2014, 6, 1), "F"), Child(date(2016, 6, 1), "M"))
STARTS = [date(2025 + (5 + n) // 12, (5 + n) % 12 + 1, 1) for n in range(12)]  # June 2025 to May 2026


def period(start: date, pay: int) -> Household:
    return Household(
        start,
        one_month_later(start),
        (Adult(date(1990, 1, 1), earnings=Earnings(gross=pay)),),
        children=KIDS,
        housing=Housing(Tenure.SOCIAL, 140000, 3),
    )


def test_the_grace_period_runs_nine_months_after_work_ends_then_the_cap_applies() -> None:
    periods = [period(s, 100000 if n == 0 else 0) for n, s in enumerate(STARTS)]
    periods[0] = replace(periods[0], qualifying_earnings_months=11)  # June makes the twelfth month
    results = calculate_claim(periods)
    awards = [r.award for r in results]
    assert awards == [240081] + [272476] * 9 + [157262, 156265]
    assert [r.amounts["grace_months_left"] for r in results] == [0, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]
    assert all(r.amounts["flags"] & k.F_CAP_GRACE for r in results[1:10])
    assert [r.tax_year for r in results[-3:]] == ["2025-26", "2025-26", "2026-27"]


def test_eleven_months_of_work_are_not_enough() -> None:
    periods = [period(s, 100000 if n == 0 else 0) for n, s in enumerate(STARTS[:3])]
    periods[0] = replace(periods[0], qualifying_earnings_months=10)  # 11 months in all
    assert [r.award for r in calculate_claim(periods)] == [240081, 157262, 157262]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from([0, 50000, 90000, 150000, 1200000, 2500000]), min_size=12, max_size=12),
    st.integers(0, 12),
)
def test_a_12_period_claim_is_12_chained_batch_periods(pay: list[int], qualifying: int) -> None:
    # Pay of £12,000 or £25,000 in a month is over the relevant threshold (about £5,365 nil UC
    # threshold + the de minimis), so surplus earnings (reg 54A) arise, carry and run out in the chain.
    periods = [period(s, p) for s, p in zip(STARTS, pay, strict=True)]
    periods[0] = replace(periods[0], qualifying_earnings_months=qualifying, on_award=True)
    single = calculate_claim(periods)
    names, table = rates_table()
    columns, years, lha = [], [], None
    for h in periods:
        rates = rates_on(h.period_start)
        values, lha = to_inputs(h, rates)
        columns.append({name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS})
        years.append(np.array([names.index(rates.tax_year)], dtype=np.int8))
    batch = calculate_batch_periods(columns, years, lha, table)
    for s, b in zip(single, batch, strict=True):
        assert dict(zip(k.OUTPUTS, b[0].tolist(), strict=True)) == s.amounts


def test_batch_periods_chain_the_carried_state_for_every_household() -> None:
    # 5,000 generated households over 12 periods: each household's chain through the batch path equals
    # its chain through the single-household kernel, period by period.
    n = 5000
    base, year = synthetic.households(n, seed=7)
    lha = synthetic.lha_table()
    _, table = rates_table()
    rng = np.random.default_rng(7)
    periods = []
    for _ in range(12):
        cols = dict(base)
        cols["earnings1"] = (rng.random(n) < 0.5).astype(np.int32) * base["earnings1"]
        periods.append(cols)
    outs = calculate_batch_periods(periods, [year] * 12, lha, table)
    state = {name: base[name].astype(np.int64) for name in k.CARRIED}
    for p, cols in enumerate(periods):
        matrix = np.stack([cols[name].astype(np.int64) for name, *_ in k.INPUTS], axis=1)
        for name in k.CARRIED:
            matrix[:, k.IN[name]] = state[name]
        for i in range(0, n, 97):
            assert tuple(outs[p][i].tolist()) == k.uc_single(matrix[i], lha, table[year[i]]), (p, i)
        state = {name: outs[p][:, k.OUT[name]].astype(np.int64) for name in k.CARRIED}
    assert (outs[-1][:, k.OUT["flags"]] & k.F_CAP_GRACE).any()


def test_a_son_turning_16_mid_claim_needs_his_own_room_from_that_period() -> None:
    """Ages are taken at each period's end (a change counts from the first day of the period it happens
    in). A single parent, 40, with sons born 20 August 2010 and 1 January 2013 (both before 6 April
    2017: £351.88 + £303.94), social rent £550.00 for 3 bedrooms; 2026/27 rates; award cycle the 15th.
    15 July - 14 August 2026: the elder is 15, the boys share: 2 bedrooms needed, one spare:
      14% of £550.00 = £77.00 off; 424.90 + 655.82 + 473.00 = £1,553.72 (cap: + Child Benefit
      (27.05 + 17.90) x 52 / 12 = £194.78 = £1,748.50, under £1,835.00).
    15 August - 14 September 2026: he is 16 on 20 August, a young person with a room of his own:
      3 needed, nothing off; 424.90 + 655.82 + 550.00 = £1,630.72 (with Child Benefit £1,825.50)."""
    sons = (Child(date(2010, 8, 20), "M"), Child(date(2013, 1, 1), "M"))
    periods = [
        Household(
            s,
            one_month_later(s),
            (Adult(date(1986, 1, 1)),),
            children=sons,
            housing=Housing(Tenure.SOCIAL, 55000, 3),
        )
        for s in (date(2026, 7, 15), date(2026, 8, 15))
    ]
    first, second = calculate_claim(periods)
    assert (first.amounts["bedrooms"], first.award) == (2, 155372)
    assert (second.amounts["bedrooms"], second.award) == (3, 163072)


def test_capital_crossing_the_limits_over_a_claim() -> None:
    """UC Regs 2013 reg 18 (no award above £16,000) and reg 72 (tariff income of £4.35 a month for each
    £250, or part of £250, above £6,000), applied to each period's capital; nothing is carried.
    A single claimant aged 35, no children, no housing costs, no income; 2025/26 (standard allowance
    £400.14); periods from 1 June 2025.
      June £5,000.00: under the lower limit: £400.14.
      July £6,000.01: one part of £250 above: £4.35 off: £395.79.
      August £10,000.00: £4,000.00 above, 16 steps: £69.60 off: £330.54.
      September £16,000.00: the upper limit itself, 40 steps: £174.00 off: £226.14.
      October £16,000.01: above the upper limit: nil.
      November £15,000.00 (spent down): 36 steps, £156.60 off: £243.54."""
    capital = [500000, 600001, 1000000, 1600000, 1600001, 1500000]
    periods = [
        Household(s, one_month_later(s), (Adult(date(1990, 1, 1)),), capital=c)
        for s, c in zip(STARTS[:6], capital, strict=True)
    ]
    results = calculate_claim(periods)
    assert [r.amounts["tariff_income"] for r in results] == [0, 435, 6960, 17400, 0, 15660]
    assert [r.award for r in results] == [40014, 39579, 33054, 22614, 0, 24354]
    assert results[4].amounts["flags"] & k.F_CAPITAL_OVER_LIMIT


def test_carried_columns_are_the_outputs_of_the_same_names_in_the_input_dtypes() -> None:
    # The one-pass gather the batch path chains periods with equals taking each output column alone.
    from dwp.benefits.domain.batch import calculate_batch, carried_columns

    columns, year = synthetic.households(3000, seed=11)
    out = calculate_batch(columns, year, synthetic.lha_table(), rates_table()[1])
    carried = carried_columns(out)
    assert list(carried) == list(k.CARRIED)
    dtypes = {name: dtype for name, dtype, *_ in k.INPUTS}
    for name in k.CARRIED:
        expected = out[:, k.OUT[name]].astype(dtypes[name])
        assert carried[name].dtype == expected.dtype
        assert np.array_equal(carried[name], expected)
    assert carried_columns(out[:0])["on_award"].shape == (0,)
