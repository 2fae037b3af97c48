"""New Style JSA and ESA given by benefit week (`week_amounts`) and paid by the fortnight in arrears,
worked by hand; the contract refuses weeks for UC, weeks and periods together, and a negative week."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from dwp.contracts.payments import AwardForPayment
from dwp.payments.domain import schedule
from dwp.payments.domain.errors import InvalidAward
from dwp.payments.domain.schedule import Award


def jsa(weeks: tuple[int, ...], **kw: object) -> Award:
    return schedule.by_weeks(
        Award(
            id="award-1",
            claim_id="claim-1",
            citizen_id="citizen-1",
            first_day=date(2026, 6, 10),
            nation="england-and-wales",
            period_amounts=(),
            week_amounts=weeks,
            **{"benefit": "new_style_jsa", **kw},  # type: ignore[arg-type]
        )
    )


def test_weeks_are_paid_two_by_two_the_day_after_each_fortnight() -> None:
    # £95.55 a week from Wednesday 10 June 2026; a change ends it on Friday 3 July, the week from 1 July
    # a part-week of £27.30, then nil. Fortnights: 10-23 June (£191.10, paid Wednesday 24 June),
    # 24 June-7 July (£95.55 + £27.30 = £122.85, paid 8 July), 8-21 July (nil: nothing paid, 22 July).
    award = jsa((9_555, 9_555, 9_555, 2_730, 0, 0))
    assert award.period_amounts == (19_110, 12_285, 0)
    payments = schedule.schedule(award)
    assert [(p.period_start, p.period_end, p.pay_on, p.net_pence) for p in payments] == [
        (date(2026, 6, 10), date(2026, 6, 23), date(2026, 6, 24), 19_110),
        (date(2026, 6, 24), date(2026, 7, 7), date(2026, 7, 8), 12_285),
        (date(2026, 7, 8), date(2026, 7, 21), date(2026, 7, 22), 0),
    ]
    # An odd last week is its fortnight's whole amount.
    assert schedule.fortnights([9_555, 9_555, 2_730]) == (19_110, 2_730)


def test_a_revision_of_paid_weeks_is_settled_on_the_next_fortnight_inside_the_cap() -> None:
    # Both fortnights paid at £191.10; a pension of £80 a week from the week of 17 June (£30 a week
    # off) told late makes weeks 2-4 £65.55: the paid fortnights now come to £161.10 and £131.10, £90.00
    # paid too much. A nil cap (claims gives no JSA recovery rate yet) recovers nothing: it waits, shown.
    revised = jsa((9_555, 6_555, 6_555, 6_555, 6_555, 6_555), deduction_cap_pence=0)
    payments, outstanding = schedule.settle(revised, {0: 19_110, 1: 19_110})
    # The paid fortnights now come to (what was instructed stays instructed); the third pays its own.
    assert [p.net_pence for p in payments] == [16_110, 13_110, 13_110]
    assert outstanding == 9_000
    # Within a cap of £10 a fortnight, £10 is recovered from the third payment and £80 is left.
    capped = jsa(revised.week_amounts, deduction_cap_pence=1_000)
    payments, outstanding = schedule.settle(capped, {0: 19_110, 1: 19_110})
    assert (payments[2].net_pence, outstanding) == (12_110, 8_000)


def test_weeks_are_not_for_uc_and_agree_with_their_fortnights() -> None:
    with pytest.raises(InvalidAward) as uc:
        schedule.check_award(jsa((9_555,), benefit="universal_credit"))
    assert uc.value.field == "week_amounts"
    with pytest.raises(InvalidAward) as negative:
        schedule.check_award(jsa((9_555, -1)))
    assert negative.value.field == "week_amounts"
    disagree = Award(
        id="a",
        claim_id="c",
        citizen_id="p",
        benefit="new_style_esa",
        first_day=date(2026, 6, 10),
        nation="scotland",
        period_amounts=(1,),
        week_amounts=(9_555,),
    )
    with pytest.raises(InvalidAward) as wrong:
        schedule.check_award(disagree)
    assert wrong.value.field == "period_amounts"


@pytest.mark.parametrize(
    "terms",
    [
        {"benefit": "universal_credit", "week_amounts": [9_555]},
        {"benefit": "new_style_jsa", "week_amounts": [9_555], "period_amounts": [19_110]},
        {"benefit": "new_style_esa", "week_amounts": [9_555, -1]},
        {"benefit": "new_style_esa", "week_amounts": [1] * 601},
    ],
)
def test_the_contract_refuses_weeks_that_cannot_be(terms: dict[str, object]) -> None:
    base = {"claim_id": "c", "citizen_id": "p", "first_day": "2026-06-10", "period_amounts": []}
    with pytest.raises(ValidationError):
        AwardForPayment.model_validate({**base, **terms})
    # The same award by weeks alone is fine, and an award without weeks is as it always was.
    assert AwardForPayment.model_validate({**base, "benefit": "new_style_jsa", "week_amounts": [9_555]})
    assert AwardForPayment.model_validate({**base, "benefit": "universal_credit"}).week_amounts == []
