"""When a change of circumstances takes effect (D&A Regs 2013 Sch 1), worked by hand, and what a
revision comes to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dwp.claims.domain import changes as C
from dwp.claims.domain.answers import Amount, ClaimType, HouseholdAnswers
from dwp.claims.domain.errors import InvalidAnswers
from dwp.claims.domain.model import Outcome
from tests.unit.claims.conftest import decide, submitted


def awarded(claim_type: ClaimType = ClaimType.UNIVERSAL_CREDIT):  # type: ignore[no-untyped-def]
    return decide(submitted(claim_type), Outcome.AWARD).claim  # claim date 10 June 2026


def change(kind: C.ChangeKind, on: date, **kw: object) -> C.ChangeDetails:
    return C.ChangeDetails(kind=kind, happened_on=on, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("happened", "reported", "advantageous", "expected", "rule"),
    [
        # In time: the first day of the period it happened in (10 Aug - 9 Sep), either way (para 20).
        (date(2026, 8, 20), date(2026, 9, 1), True, date(2026, 8, 10), "para 20"),
        (date(2026, 8, 20), date(2026, 9, 1), False, date(2026, 8, 10), "para 20"),
        # Late and against the claimant: still from the period it happened in (an overpayment).
        (date(2026, 8, 20), date(2026, 10, 20), False, date(2026, 8, 10), "para 20"),
        # Late and in their favour: from the period it was told in (para 21).
        (date(2026, 8, 20), date(2026, 10, 20), True, date(2026, 10, 10), "para 21"),
        # The last day of a period, told on the next period's first day, is late.
        (date(2026, 9, 9), date(2026, 9, 10), True, date(2026, 9, 10), "para 21"),
    ],
)
def test_uc_changes_take_effect_from_the_assessment_period(
    happened: date, reported: date, advantageous: bool, expected: date, rule: str
) -> None:
    got = C.effective(
        awarded(),
        change(C.ChangeKind.SAVINGS_CHANGED, happened),
        reported_on=reported,
        advantageous=advantageous,
    )
    assert got.from_day == expected
    assert got.rule.endswith(rule)


def test_jsa_changes_take_effect_from_the_benefit_week_or_the_day_entitlement_ends() -> None:
    claim = awarded(ClaimType.NEW_STYLE_JSA)  # benefit weeks from Wednesday 10 June 2026
    part_time = change(C.ChangeKind.STARTED_WORK, date(2026, 7, 3), employer="A", hours_per_week=10)
    assert C.effective(claim, part_time, reported_on=date(2026, 7, 4), advantageous=False).from_day == date(
        2026, 7, 1
    )
    full_time = replace(part_time, hours_per_week=30)
    ends = C.effective(claim, full_time, reported_on=date(2026, 7, 4), advantageous=False)
    assert (ends.from_day, ends.rule[-6:]) == (date(2026, 7, 3), "para 4")
    stopped = change(C.ChangeKind.STOPPED_WORK, date(2026, 7, 3), employer="A")
    late = C.effective(claim, stopped, reported_on=date(2026, 8, 10), advantageous=True)
    # Told on Monday 10 August, more than a month after 3 July: from the first day of the benefit week
    # it was told in (para 6), Wednesday 5 August (the rule was once read as "the day it was told").
    assert (late.from_day, late.rule[-14:]) == (date(2026, 8, 5), "para 6, reg 36")


def test_a_change_in_the_future_before_the_claim_or_missing_its_facts_names_each_field() -> None:
    claim = awarded()
    with pytest.raises(InvalidAnswers) as future:
        C.check_change(claim, change(C.ChangeKind.RENT_CHANGED, date(2026, 12, 1)), today=date(2026, 11, 1))
    assert {p.field for p in future.value.problems} == {"happened_on", "rent"}
    with pytest.raises(InvalidAnswers) as early:
        C.check_change(
            claim,
            change(C.ChangeKind.SAVINGS_CHANGED, date(2026, 6, 9), savings_pence=1),
            today=date(2026, 11, 1),
        )
    assert [p.field for p in early.value.problems] == ["happened_on"]
    with pytest.raises(InvalidAnswers) as uc_only:
        C.check_change(
            awarded(ClaimType.NEW_STYLE_ESA),
            change(C.ChangeKind.SAVINGS_CHANGED, date(2026, 7, 1), savings_pence=1),
            today=date(2026, 11, 1),
        )
    assert [p.field for p in uc_only.value.problems] == ["kind"]
    with pytest.raises(C.ChangeNotAllowed):
        C.check_change(
            submitted().claim, change(C.ChangeKind.PARTNER_LEFT, date(2026, 7, 1)), today=date(2026, 11, 1)
        )


def test_applying_a_change_moves_the_answers_the_monthly_run_reads() -> None:
    claim = awarded()
    born = C.apply_change(
        claim, change(C.ChangeKind.CHILD_BORN, date(2026, 8, 1), date_of_birth=date(2026, 8, 1), sex="F")
    )
    household = born.answers.get("household")
    assert isinstance(household, HouseholdAnswers)
    assert household.children[-1].date_of_birth == date(2026, 8, 1)
    rent = C.apply_change(claim, change(C.ChangeKind.RENT_CHANGED, date(2026, 8, 1), rent=Amount(70_000)))
    assert rent.answers.get("housing").rent == Amount(70_000)  # type: ignore[union-attr]
    with pytest.raises(InvalidAnswers):
        C.apply_change(claim, change(C.ChangeKind.STOPPED_WORK, date(2026, 8, 1), employer="Nobody Ltd"))


def test_only_paid_periods_from_the_effective_day_make_an_overpayment_or_arrears() -> None:
    on = C.Effective(date(2026, 8, 10), C.SOURCE_UC, late=True)
    revisions = [
        C.PeriodRevision(date(2026, 7, 10), date(2026, 8, 9), 50_000, 10_000, True),  # before: untouched
        C.PeriodRevision(date(2026, 8, 10), date(2026, 9, 9), 50_000, 20_000, True),
        C.PeriodRevision(date(2026, 9, 10), date(2026, 10, 9), 50_000, 20_000, False),  # not paid yet
    ]
    result = C.outcome(on, revisions)
    assert (result.overpayment_pence, result.arrears_pence, result.cause) == (30_000, 0, "claimant")
    assert [r.period_start for r in result.revisions] == [date(2026, 8, 10), date(2026, 9, 10)]
    on_time = C.outcome(replace(on, late=False), revisions)
    assert on_time.cause == "official_error"
    up = C.outcome(on, [C.PeriodRevision(date(2026, 8, 10), date(2026, 9, 9), 100, 400, True)])
    assert (up.overpayment_pence, up.arrears_pence, up.cause) == (0, 300, None)


def test_moving_home_keeps_the_new_homes_postcode_and_so_its_nation() -> None:
    # From Leeds to Edinburgh: the housing answer the monthly run and payments read has the new postcode,
    # so the award's bank holidays are Scotland's from then on (`dwp.claims.nation`).
    from dwp.claims.nation import nation_of

    moved = C.apply_change(
        awarded(),
        change(
            C.ChangeKind.MOVING_HOME,
            date(2026, 8, 1),
            tenure="private_rent",
            bedrooms=1,
            rent=Amount(85_000, "monthly"),
            postcode="EH1 1YZ",
        ),
    )
    housing = moved.answers.get("housing")
    assert housing is not None
    assert getattr(housing, "postcode", None) == "EH1 1YZ"
    assert nation_of(getattr(housing, "postcode", None)) == "scotland"
