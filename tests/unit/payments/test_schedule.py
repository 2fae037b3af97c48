"""Payment days worked by hand from the calendar (each case says how), and the award's deductions."""

from __future__ import annotations

from datetime import date

import pytest

from dwp.payments.domain import calendar, dates, schedule
from dwp.payments.domain.errors import InvalidAward
from dwp.payments.domain.schedule import Advance, Award, Deduction


def uc(first_day: date, periods: int = 3, **kw: object) -> Award:
    values: dict = {
        "id": "award-1",
        "claim_id": "claim-1",
        "citizen_id": "citizen-1",
        "benefit": "universal_credit",
        "first_day": first_day,
        "nation": "england-and-wales",
        "period_amounts": (80_000,) * periods,
    }
    values.update(kw)
    return Award(**values)


def days(award: Award) -> list[tuple[date, date, date]]:
    return [(p.period_end, p.due_on, p.pay_on) for p in schedule.schedule(award)]


def test_christmas_2026_a_friday_is_paid_on_christmas_eve() -> None:
    # From 19 November: the first period is 19 Nov to 18 Dec; 7 days on is Friday 25 December.
    first = schedule.schedule(uc(date(2026, 11, 19), 1))[0]
    assert (first.period_start, first.period_end) == (date(2026, 11, 19), date(2026, 12, 18))
    assert first.due_on == date(2026, 12, 25)
    assert first.pay_on == date(2026, 12, 24)
    assert first.moved_because == ("2026-12-25 is Christmas Day",)


def test_christmas_2027_on_a_weekend_moves_past_both_substitute_days() -> None:
    # Period ends Monday 20 Dec 2027; due Monday 27 Dec (Christmas Day's substitute), then Sunday 26,
    # Saturday 25: paid Friday 24 December.
    first = schedule.schedule(uc(date(2027, 11, 21), 1))[0]
    assert (first.period_end, first.due_on, first.pay_on) == (
        date(2027, 12, 20),
        date(2027, 12, 27),
        date(2027, 12, 24),
    )
    assert len(first.moved_because) == 3


def test_easter_2026_good_friday_and_the_early_may_bank_holiday() -> None:
    # From 1 March the period ends 31 March; due Tuesday 7 April, the day after Easter Monday: no move.
    assert days(uc(date(2026, 3, 1), 1)) == [(date(2026, 3, 31), date(2026, 4, 7), date(2026, 4, 7))]
    # From 28 February the first period ends 27 March; due Good Friday 3 April: paid Thursday 2 April.
    # The second ends 27 April; due Monday 4 May, the Early May bank holiday: paid Friday 1 May.
    assert days(uc(date(2026, 2, 28), 2)) == [
        (date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 2)),
        (date(2026, 4, 27), date(2026, 5, 4), date(2026, 5, 1)),
    ]


def test_a_period_from_the_31st_runs_to_the_day_before_each_months_last_day() -> None:
    # From 31 Jan 2026: periods begin 31 Jan, 28 Feb, 31 Mar (reg 21(2)(a)). The second ends 30 March;
    # due 6 April, Easter Monday; 5, 4 weekend; 3 Good Friday: paid Thursday 2 April.
    award = uc(date(2026, 1, 31), 3)
    assert [p.period_start for p in schedule.schedule(award)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert days(award)[:2] == [
        (date(2026, 2, 27), date(2026, 3, 6), date(2026, 3, 6)),
        (date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 2)),
    ]


def test_periods_from_the_29th_and_30th_in_february() -> None:
    # From 29 Jan 2026 (not a leap year) February's period begins on the 27th: the first ends 26 Feb,
    # due Thursday 5 March.
    assert days(uc(date(2026, 1, 29), 1)) == [(date(2026, 2, 26), date(2026, 3, 5), date(2026, 3, 5))]
    # From 30 Jan 2028 (a leap year) it begins on the 28th: the first ends 27 Feb, due Sunday 5 March,
    # paid Friday 3 March; the next runs 28 Feb to 29 March, due Wednesday 5 April.
    assert days(uc(date(2028, 1, 30), 2)) == [
        (date(2028, 2, 27), date(2028, 3, 5), date(2028, 3, 3)),
        (date(2028, 3, 29), date(2028, 4, 5), date(2028, 4, 5)),
    ]
    assert dates.assessment_period_start(date(2028, 1, 30), 2) == date(2028, 3, 30)


@pytest.mark.parametrize(
    ("nation", "pay_on"),
    [
        # Due Monday 30 November 2026: St Andrew's Day in Scotland only.
        ("scotland", date(2026, 11, 27)),
        ("england-and-wales", date(2026, 11, 30)),
        ("northern-ireland", date(2026, 11, 30)),
    ],
)
def test_st_andrews_day_moves_only_a_payment_in_scotland(nation: calendar.Nation, pay_on: date) -> None:
    award = uc(date(2026, 10, 24), 1, nation=nation)
    assert days(award) == [(date(2026, 11, 23), date(2026, 11, 30), pay_on)]


def test_st_patricks_day_moves_only_a_payment_in_northern_ireland() -> None:
    # Due Tuesday 17 March 2026.
    assert days(uc(date(2026, 2, 11), 1, nation="northern-ireland"))[0][2] == date(2026, 3, 16)
    assert days(uc(date(2026, 2, 11), 1))[0][2] == date(2026, 3, 17)


def test_easter_monday_moves_a_payment_in_scotland_too_because_bacs_is_closed() -> None:
    # Easter Monday is not a Scottish bank holiday, but Bacs does not settle on it.
    assert calendar.bank_holiday(date(2026, 4, 6), "scotland") == "Easter Monday"
    assert days(uc(date(2026, 2, 28), 1, nation="scotland")) == [
        (date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 2))
    ]


def test_new_style_jsa_is_paid_fortnightly_in_arrears_and_before_christmas() -> None:
    award = uc(date(2026, 11, 30), 3, benefit="new_style_jsa", period_amounts=(18_160,) * 3)
    assert days(award) == [
        (date(2026, 12, 13), date(2026, 12, 14), date(2026, 12, 14)),
        # Fortnight to Sunday 27 Dec: due Monday 28 (Boxing Day's substitute), then the weekend and
        # Christmas Day: paid Thursday 24 December.
        (date(2026, 12, 27), date(2026, 12, 28), date(2026, 12, 24)),
        (date(2027, 1, 10), date(2027, 1, 11), date(2027, 1, 11)),
    ]


def test_new_style_esa_new_year_in_scotland() -> None:
    # Fortnight to Thursday 1 January 2026; due Friday 2 January, a Scottish bank holiday; 1 January is
    # one everywhere: paid Wednesday 31 December 2025.
    award = uc(date(2025, 12, 19), 1, benefit="new_style_esa", nation="scotland", period_amounts=(18_160,))
    assert days(award) == [(date(2026, 1, 1), date(2026, 1, 2), date(2025, 12, 31))]
    england = uc(date(2025, 12, 19), 1, benefit="new_style_esa", period_amounts=(18_160,))
    assert days(england)[0][2] == date(2026, 1, 2)


def test_an_advance_is_recovered_in_equal_instalments_the_last_what_is_left() -> None:
    # £500 over 3 months: 16,667p, 16,667p, 16,666p.
    award = uc(date(2026, 1, 5), 4, advance=Advance(50_000, date(2026, 1, 12), 3))
    recovered = [sum(d.pence for d in p.deductions) for p in schedule.schedule(award)]
    assert recovered == [16_667, 16_667, 16_666, 0]
    assert [p.net_pence for p in schedule.schedule(award)] == [63_333, 63_333, 63_334, 80_000]
    assert schedule.advance_outstanding(award) == 0


def test_deductions_stop_at_the_cap_and_the_advance_runs_longer() -> None:
    # Cap 20,000p a payment: the advance's 16,667p first, then 3,333p of the 5,000p rent arrears.
    award = uc(
        date(2026, 1, 5),
        2,
        advance=Advance(50_000, date(2026, 1, 12), 3),
        deductions=(Deduction("third-party-rent-arrears", 5_000),),
        deduction_cap_pence=20_000,
    )
    first = schedule.schedule(award)[0]
    assert first.deductions == (
        Deduction("advance-recovery", 16_667),
        Deduction("third-party-rent-arrears", 3_333),
    )
    assert first.net_pence == 60_000
    assert schedule.advance_outstanding(award) == 50_000 - 2 * 16_667
    # A cap smaller than an instalment recovers less each month; what is left waits for later awards.
    small = uc(date(2026, 1, 5), 3, advance=Advance(50_000, date(2026, 1, 12), 3), deduction_cap_pence=10_000)
    assert schedule.advance_outstanding(small) == 20_000


def test_a_nil_award_pays_nothing_and_deducts_nothing() -> None:
    award = uc(date(2026, 1, 5), 1, period_amounts=(0,), deductions=(Deduction("overpayment", 2_000),))
    assert schedule.schedule(award)[0].net_pence == 0
    assert schedule.schedule(award)[0].deductions == ()


def test_instruction_ids_are_the_same_for_the_same_payment_and_differ_otherwise() -> None:
    one, two = schedule.schedule(uc(date(2026, 1, 5), 2))
    assert one.instruction_id == schedule.schedule(uc(date(2026, 1, 5), 2))[0].instruction_id
    assert one.instruction_id != two.instruction_id


@pytest.mark.parametrize(
    "award",
    [
        uc(date(9999, 12, 1), 1),
        uc(date(2026, 1, 5), 1, period_amounts=(-1,)),
        uc(date(2026, 1, 5), 1, deductions=(Deduction("x", -5),)),
        uc(date(2026, 1, 5), 1, advance=Advance(1_000, date(2026, 1, 5), 25)),
        uc(date(2026, 1, 5), 1, benefit="new_style_jsa", advance=Advance(1_000, date(2026, 1, 5), 3)),
    ],
)
def test_awards_that_cannot_be_paid_are_refused(award: Award) -> None:
    with pytest.raises(InvalidAward):
        schedule.schedule(award)


# --- a revision after payments were made (`schedule.settle`) ---------------------------------------------


def test_a_revision_that_raises_paid_periods_pays_the_arrears_with_the_next_payment() -> None:
    # Periods of £800 from 5 January 2026; the first two were instructed at £800. A change raises every
    # period to £850: the next payment is £850 for its own period + 2 x £50 arrears = £950.
    award = uc(date(2026, 1, 5), 4, period_amounts=(85_000,) * 4)
    settled, overpaid = schedule.settle(award, {0: 80_000, 1: 80_000})
    assert [(p.net_pence, p.arrears_pence) for p in settled] == [
        (85_000, 0),
        (85_000, 0),
        (95_000, 10_000),
        (85_000, 0),
    ]
    assert overpaid == 0
    # Once the third is instructed with its arrears, working it out again carries nothing twice.
    again, _ = schedule.settle(award, {0: 80_000, 1: 80_000, 2: 95_000})
    assert [(p.net_pence, p.arrears_pence) for p in again][3] == (85_000, 0)


def test_an_overpayment_is_recovered_from_later_payments_inside_the_cap() -> None:
    # The docstring's example: two periods instructed at £600, a change cuts every period to £450, and
    # the cap is £60.02 (15% of the £400.14 standard allowance, 6,002.1p rounded down). The balance is
    # 2 x (£450 - £600) = -£300: payments 3, 4, 5, 6 each recover £60.02 (pay £389.98), payment 7
    # recovers the last £300 - 4 x £60.02 = £59.92 (pays £390.08), and the eighth pays £450 whole.
    award = uc(date(2026, 1, 5), 8, period_amounts=(45_000,) * 8, deduction_cap_pence=6_002)
    settled, overpaid = schedule.settle(award, {0: 60_000, 1: 60_000})
    assert [p.net_pence for p in settled[2:]] == [38_998, 38_998, 38_998, 38_998, 39_008, 45_000]
    assert [d for p in settled[2:7] for d in p.deductions] == [
        *(Deduction("overpayment-recovery", 6_002),) * 4,
        Deduction("overpayment-recovery", 5_992),
    ]
    assert overpaid == 0
    # With only the third paid so far (at £389.98), £300 - £60.02 = £239.98 is still to recover after
    # it, and the same recovery is not taken again from the third.
    three = uc(date(2026, 1, 5), 3, period_amounts=(45_000,) * 3, deduction_cap_pence=6_002)
    _, left = schedule.settle(three, {0: 60_000, 1: 60_000})
    assert left == 23_998
    _, left_after = schedule.settle(three, {0: 60_000, 1: 60_000, 2: 38_998})
    assert left_after == 23_998


def test_recovery_comes_after_the_awards_own_deductions_within_the_one_cap() -> None:
    # Cap £60; the award's own rent arrears deduction is £40, so only £20 a payment is left to recover a
    # £50 overpayment: £20, £20, then £10.
    award = uc(
        date(2026, 1, 5),
        5,
        period_amounts=(50_000,) * 5,
        deductions=(Deduction("third-party-rent-arrears", 4_000),),
        deduction_cap_pence=6_000,
    )
    settled, overpaid = schedule.settle(award, {0: 46_000 + 5_000})
    recovered = [sum(d.pence for d in p.deductions if d.code == "overpayment-recovery") for p in settled[1:]]
    assert recovered == [2_000, 2_000, 1_000, 0]
    assert overpaid == 0


def test_a_nil_period_already_past_pays_its_revised_amount_itself() -> None:
    # A period worked out at nil was never instructed; a change raises it to £120, and nothing else was
    # paid, so it is simply due at its own amount (no arrears line).
    award = uc(date(2026, 1, 5), 2, period_amounts=(12_000, 80_000))
    settled, _ = schedule.settle(award, {})
    assert [(p.net_pence, p.arrears_pence) for p in settled] == [(12_000, 0), (80_000, 0)]


# --- the rate of recovery by case (SS (Overpayments and Recovery) Regs 2013 reg 11(2)) ------------------
# Single, 25 or over, 2026/27: standard allowance £424.90. 15% is 6,373.5p -> 6,373p; 25% is 10,622.5p ->
# 10,622p; 40% is 16,996p. Each period's award £600; the first two instructed at £600, then revised to
# £450, so £300 (30,000p) is to recover from payments 3 onwards.

STANDARD, EARNINGS, FRAUD = 6_373, 10_622, 16_996


def _recovered(award: Award) -> list[int]:
    settled, _ = schedule.settle(award, {0: 60_000, 1: 60_000})
    return [sum(d.pence for d in p.deductions if d.code == "overpayment-recovery") for p in settled[2:]]


@pytest.mark.parametrize("limit", [STANDARD, EARNINGS, FRAUD])
def test_since_the_fair_repayment_rate_every_case_is_held_to_the_15_percent_cap(limit: int) -> None:
    # The overall cap (15%, 6,373p) leaves 6,373p a payment whatever reg 11(2) allows: 4 x 6,373 =
    # 25,492, and the fifth takes the last 30,000 - 25,492 = 4,508.
    award = uc(
        date(2026, 1, 5),
        7,
        period_amounts=(45_000,) * 7,
        deduction_cap_pence=STANDARD,
        overpayment_recovery_limit_pence=limit,
    )
    assert _recovered(award) == [6_373, 6_373, 6_373, 6_373, 4_508]


def test_under_a_25_percent_cap_the_case_decides_the_rate() -> None:
    # With the overall cap at 25% (10,622p: as before 30 April 2025), the standard case still recovers at
    # most 15% (6,373p: 4 x 6,373 = 25,492, then 4,508); with earnings above the work allowance (reg
    # 11(2)(b)) 25%: 10,622 + 10,622, then 30,000 - 21,244 = 8,756; after a conviction (reg 11(2)(a))
    # 40% is allowed, but the cap leaves 10,622: the same as the earnings case.
    def under_cap(limit: int | None) -> list[int]:
        return _recovered(
            uc(
                date(2026, 1, 5),
                7,
                period_amounts=(45_000,) * 7,
                deduction_cap_pence=EARNINGS,
                overpayment_recovery_limit_pence=limit,
            )
        )

    assert under_cap(STANDARD) == [6_373, 6_373, 6_373, 6_373, 4_508]
    assert under_cap(EARNINGS) == [10_622, 10_622, 8_756, 0, 0]
    assert under_cap(FRAUD) == [10_622, 10_622, 8_756, 0, 0]
    assert under_cap(None) == under_cap(FRAUD)  # no limit given: the cap alone, as before


def test_the_rate_and_the_other_deductions_share_the_cap() -> None:
    # Cap 10,622p, rent arrears 6,000p a payment: 4,622p is left, below the earnings case's 10,622p, so
    # each payment recovers 4,622p (6 x 4,622 = 27,732) and the ninth the last 2,268.
    award = uc(
        date(2026, 1, 5),
        11,
        period_amounts=(45_000,) * 11,
        deductions=(Deduction("third-party-rent-arrears", 6_000),),
        deduction_cap_pence=EARNINGS,
        overpayment_recovery_limit_pence=EARNINGS,
    )
    settled, overpaid = schedule.settle(award, {0: 60_000 - 6_000, 1: 60_000 - 6_000})
    recovered = [sum(d.pence for d in p.deductions if d.code == "overpayment-recovery") for p in settled[2:]]
    assert recovered == [4_622] * 6 + [2_268, 0, 0]
    assert overpaid == 0


def test_a_negative_recovery_limit_is_refused() -> None:
    with pytest.raises(InvalidAward) as refused:
        schedule.check_award(uc(date(2026, 1, 5), 1, overpayment_recovery_limit_pence=-1))
    assert refused.value.field == "overpayment_recovery_limit_pence"
