"""Surplus earnings (UC Regs 2013 reg 54A) carried from period to period, worked by hand.

A single claimant aged 35, no children, no housing costs, take-home pay as RTI reports it (no tax or
NI, so earned income is the pay); awards cycle on the 1st. 2025/26: standard allowance £400.14, no
work allowance (no child, no LCW), taper 55%.

The nil UC threshold is the least earned income with a nil award: 55% x E, rounded under reg 6, must
reach £400.14, so E >= (2 x 40,014 - 1) x 5,000 / 5,500 = 72,751.8p: £727.52 (55% x 727.52 = 400.136,
which rounds to 400.14; 55% x 727.51 = 400.1305, to 400.13). The relevant threshold adds the de minimis
£2,500 (the temporary de minimis period to 31 March 2026): £3,227.52.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dwp.benefits.domain import Adult, Earnings, Household, calculate_claim, one_month_later
from dwp.benefits.domain import uc_kernel as k


def month(start: date, pay: int) -> Household:
    return Household(start, one_month_later(start), (Adult(date(1990, 1, 1), earnings=Earnings(gross=pay)),))


def starts(year: int, first: int, n: int) -> list[date]:
    return [date(year + (first - 1 + i) // 12, (first - 1 + i) % 12 + 1, 1) for i in range(n)]


def test_a_bonus_ends_the_award_and_its_surplus_counts_in_the_next_claims() -> None:
    """June 2025: £500.00 pay: 400.14 - 55% x 500.00 (275.00) = £125.14.
    July: a £8,000.00 month: nil award, the award ends; surplus 8,000.00 - 3,227.52 = £4,772.48.
    August (a new claim within 6 months, 54A(3)(a)): earned 500.00 + 4,772.48 = £5,272.48, over the
      threshold: nil again; adjusted surplus 5,272.48 - 3,227.52 = £2,044.96 (54A(3)(b)).
    September: 500.00 + 2,044.96 = £2,544.96: nil (over £727.52), but under the relevant threshold, so
      nothing more is carried.
    October: £500.00 alone: £125.14 again."""
    pay = [50000, 800000, 50000, 50000, 50000]
    periods = [month(s, p) for s, p in zip(starts(2025, 6, 5), pay, strict=True)]
    periods[0] = replace(periods[0], on_award=True)
    results = calculate_claim(periods)
    assert [r.award for r in results] == [12514, 0, 0, 0, 12514]
    assert [r.amounts["surplus_earnings"] for r in results] == [0, 477248, 204496, 0, 0]
    assert [r.amounts["surplus_months"] for r in results] == [0, 1, 2, 0, 0]
    assert [r.amounts["earned_income"] for r in results] == [50000, 800000, 527248, 254496, 50000]
    assert results[2].amounts["flags"] & k.F_SURPLUS_EARNINGS
    assert any(line.key == "uc.surplus_earnings" for line in results[2].explanation)
    assert not results[4].amounts["flags"] & k.F_SURPLUS_EARNINGS


def test_the_surplus_is_gone_after_six_months() -> None:
    """July 2025: £30,000.00 (a lump sum) after an award: surplus 30,000.00 - 3,227.52 = £26,772.48.
    With no earnings after, each month's claim is nil and the surplus falls by the threshold:
      August 26,772.48 - 3,227.52 = £23,544.96; September £20,317.44; October £17,089.92; November
      £13,862.40; December £10,634.88 (the sixth month counted from August's 1).
    January 2026, the sixth month after the old award: £10,634.88 still counts (nil award), but no
      claim after it is within 6 months of the old award (54A(1)(a)): nothing carried.
    February 2026: the full standard allowance, £400.14."""
    pay = [50000, 3000000] + [0] * 7
    periods = [month(s, p) for s, p in zip(starts(2025, 6, 9), pay, strict=True)]
    periods[0] = replace(periods[0], on_award=True)
    results = calculate_claim(periods)
    surplus = [r.amounts["surplus_earnings"] for r in results]
    assert surplus == [0, 2677248, 2354496, 2031744, 1708992, 1386240, 1063488, 0, 0]
    assert [r.amounts["surplus_months"] for r in results] == [0, 1, 2, 3, 4, 5, 6, 0, 0]
    assert [r.award for r in results] == [12514] + [0] * 7 + [40014]


def test_no_surplus_without_an_old_award() -> None:
    """A first claim with a £8,000.00 month is refused (nil), but no award has ended: nothing carried
    (54A(1)(a) needs an old award), so next month's £500.00 gives £125.14."""
    periods = [month(s, p) for s, p in zip(starts(2025, 7, 2), [800000, 50000], strict=True)]
    results = calculate_claim(periods)
    assert [r.amounts["surplus_earnings"] for r in results] == [0, 0]
    assert [r.award for r in results] == [0, 12514]


def test_the_de_minimis_is_300_pounds_once_the_temporary_period_ends() -> None:
    """2026/27: standard allowance £424.90; nil UC threshold (2 x 42,490 - 1) x 5,000 / 5,500 =
    77,253.6p: £772.54; relevant threshold + £300 = £1,072.54. June 2026 £500.00: 424.90 - 275.00 =
    £149.90; July £2,000.00: nil, surplus 2,000.00 - 1,072.54 = £927.46; August £0: earned £927.46,
    over £772.54: nil, under £1,072.54: nothing carried; September £0: £424.90."""
    periods = [month(s, p) for s, p in zip(starts(2026, 6, 4), [50000, 200000, 0, 0], strict=True)]
    periods[0] = replace(periods[0], on_award=True)
    results = calculate_claim(periods)
    assert [r.amounts["surplus_earnings"] for r in results] == [0, 92746, 0, 0]
    assert [r.award for r in results] == [14990, 0, 0, 42490]
