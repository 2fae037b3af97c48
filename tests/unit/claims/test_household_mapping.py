"""The one mapping from a claim's answers to the benefits service's request bodies, checked against
the benefits service's own pydantic models (tests may import both services; the code may not)."""

from __future__ import annotations

import typing
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from dwp.benefits.domain import calculate_uc
from dwp.benefits.domain.household import one_month_later
from dwp.benefits.domain.household import validate as benefits_validate
from dwp.benefits.schemas import ContributoryIn, ESAIn, UCCircumstances
from dwp.claims.domain import answers as A
from dwp.claims.domain.dates import assessment_period_end, assessment_period_start
from dwp.claims.domain.household import NotReadyToAssess, WcaOutcome, contributory, uc_circumstances
from dwp.claims.domain.model import Claimant
from dwp.contracts import benefits as contract

from .conftest import draft, submitted, uc_answers

PERIOD = date(2026, 6, 10)
LHA: contract.LhaPayload = {"shared": 40_000, "one": 60_000, "two": 75_000, "three": 90_000, "four": 120_000}


def _fields(model: type[BaseModel]) -> dict[str, object]:
    return {name: f.annotation for name, f in model.model_fields.items()}


@pytest.mark.parametrize(
    ("typed", "model"),
    [
        (contract.UCCircumstancesPayload, UCCircumstances),
        (contract.ContributoryPayload, ContributoryIn),
        (contract.ESAPayload, ESAIn),
    ],
)
def test_the_contract_has_exactly_the_benefits_models_fields(typed: type, model: type[BaseModel]) -> None:
    assert set(typing.get_type_hints(typed)) == set(_fields(model))


def test_nested_shapes_match_too() -> None:
    from dwp.benefits import schemas

    pairs = [
        (contract.AdultPayload, schemas.AdultIn),
        (contract.ChildPayload, schemas.ChildIn),
        (contract.HousingPayload, schemas.HousingIn),
        (contract.LhaPayload, schemas.LhaIn),
        (contract.NonDependantPayload, schemas.NonDependantIn),
        (contract.EarningsPayload, schemas.EarningsIn),
        (contract.NIYearPayload, schemas.NIYearIn),
    ]
    for typed, model in pairs:
        assert set(typing.get_type_hints(typed)) == set(model.model_fields), typed.__name__


def _assessable(payload: contract.UCCircumstancesPayload) -> UCCircumstances:
    model = UCCircumstances.model_validate(payload)
    benefits_validate(model.to_domain())
    return model


def test_an_ordinary_single_claim_maps_and_the_benefits_engine_accepts_it() -> None:
    story = submitted()
    payload = uc_circumstances(story.claim, period_start=PERIOD)
    model = _assessable(payload)
    assert model.couple is False
    assert len(model.adults) == 1
    assert model.adults[0].earnings.gross == 95_000
    assert model.gross_estimate is True
    assert model.housing.tenure == "social"
    assert model.housing.monthly_rent == 54_167 + 4_333  # weekly 125.00 and 10.00, x 52 / 12
    assert model.capital == 120_000
    assert [c.sex for c in model.children] == ["F"]


def test_a_full_joint_household_maps() -> None:
    household = A.HouseholdAnswers(
        True,
        A.Partner(date(1993, 4, 4)),
        children=(
            A.ChildAnswer(date(2016, 1, 1), "M", disability="dla_highest_care_or_pip_enhanced_daily_living"),
            A.ChildAnswer(date(2021, 5, 5), "F", multiple_birth=True, disability="dla_or_pip"),
            A.ChildAnswer(date(2021, 5, 5), "F", multiple_birth=True),
        ),
        others=(
            A.OtherPerson(date(1960, 1, 1), "relative", frozenset({"pip_daily_living"})),
            A.OtherPerson(date(1999, 1, 1), "lodger"),
            A.OtherPerson(date(2003, 1, 1), "adult_son_or_daughter"),
        ),
    )
    income = A.IncomeAnswers(
        employments=(A.Employment("Shop", date(2020, 1, 1), 16, A.Amount(50_000, "fortnightly"), "partner"),),
        self_employment=(A.SelfEmployment("Plumbing", date(2019, 1, 1), 120_000, 40, True, "you"),),
        other_benefits=(
            A.OtherBenefit("new_style_esa", A.Amount(9_205, "weekly"), "partner"),
            A.OtherBenefit("child_benefit", A.Amount(4_330, "weekly")),
            A.OtherBenefit("maternity_allowance", A.Amount(18_748, "weekly"), "partner"),
            A.OtherBenefit("pip", A.Amount(11_000, "weekly"), "partner"),
        ),
        pensions=(A.Pension("occupational", A.Amount(20_000, "monthly")),),
    )
    sections = uc_answers(
        household=household,
        income=income,
        housing=A.HousingAnswers("private_rent", 3, A.Amount(110_000), landlord=A.Landlord("letting_agent")),
        childcare=A.ChildcareAnswers(True, A.Amount(40_000), 2),
        health=A.HealthAnswers(A.PersonHealth(False), A.PersonHealth(True, "MS", "no", terminally_ill=False)),
        caring=A.CaringAnswers((A.Caring(40, True, "you"),)),
    )
    story = draft(sections=sections)
    story.claim = replace(story.claim, joint=True)
    payload = uc_circumstances(
        story.claim,
        period_start=PERIOD,
        wca={"partner": WcaOutcome("lcwra", date(2025, 1, 1))},
        lha_rates=LHA,
        london=True,
    )
    model = _assessable(payload)
    you, partner = model.adults
    assert model.couple is True
    assert you.self_employed is True  # past the 12-month start-up period
    assert you.earnings.gross == 120_000
    assert you.carer is True
    assert partner.earnings.gross == 108_333  # 500.00 a fortnight x 26 / 12
    assert partner.capability == "lcwra"
    assert partner.disability_benefit is True
    assert [c.disability for c in model.children] == ["higher", "lower", "none"]
    assert [c.limit_exception for c in model.children] == [False, True, True]
    assert [n.exempt for n in model.non_dependants] == [True, False]  # the lodger is not a non-dependant
    assert model.housing.tenure == "private"
    assert model.housing.lha_rates is not None
    assert model.new_style_esa_weekly == 9_205
    assert model.child_benefit_weekly == 4_330
    assert model.other_unearned_income == 20_000 + 81_241  # pension + Maternity Allowance monthly
    assert model.other_capped_benefits == 81_241
    assert model.childcare_costs == 40_000
    assert model.childcare_children == 2
    assert model.london is True


def test_someone_claiming_alone_while_living_with_a_partner_has_the_partners_income_counted() -> None:
    income = A.IncomeAnswers(
        employments=(A.Employment("Shop", date(2020, 1, 1), 16, A.Amount(70_000), "partner"),)
    )
    household = A.HouseholdAnswers(True, A.Partner(date(1993, 4, 4)))
    story = draft(sections=uc_answers(household=household, income=income))
    model = _assessable(uc_circumstances(story.claim, period_start=PERIOD))
    assert model.couple is False
    assert len(model.adults) == 1
    assert model.adults[0].earnings.gross == 70_000


def test_owners_and_temporary_accommodation_get_no_housing_costs_and_shared_ownership_rent_does() -> None:
    for tenure in (
        "own_with_mortgage",
        "own_outright",
        "temporary_accommodation",
        "living_with_family_or_friends",
    ):
        story = draft(sections=uc_answers(housing=A.HousingAnswers(tenure, 2)))  # type: ignore[arg-type]
        assert _assessable(uc_circumstances(story.claim, period_start=PERIOD)).housing.tenure == "none"
    shared = A.HousingAnswers(
        "shared_ownership", 2, A.Amount(30_000), landlord=A.Landlord("housing_association")
    )
    story = draft(sections=uc_answers(housing=shared))
    housing = _assessable(uc_circumstances(story.claim, period_start=PERIOD)).housing
    assert (housing.tenure, housing.monthly_rent) == ("social", 30_000)


def test_a_private_rent_waits_for_the_areas_lha_and_an_unproven_claimant_for_their_identity() -> None:
    private = A.HousingAnswers("private_rent", 1, A.Amount(80_000), landlord=A.Landlord("private_landlord"))
    story = draft(sections=uc_answers(housing=private))
    with pytest.raises(NotReadyToAssess) as no_lha:
        uc_circumstances(story.claim, period_start=PERIOD)
    assert no_lha.value.field == "housing.postcode"
    unproven = replace(story.claim, claimant=Claimant("s"))
    with pytest.raises(NotReadyToAssess) as no_dob:
        uc_circumstances(unproven, period_start=PERIOD, lha_rates=LHA)
    assert no_dob.value.field == "claimant.date_of_birth"


def test_a_private_rent_with_the_homes_postcode_needs_no_lha_figures() -> None:
    # Issue 13: the benefits service finds the BRMA from the postcode. LS6 is Leeds, whose 1-bedroom rate
    # in 2026-27 is £675.00 (frozen at April 2024); SW9 lies in two BRMAs, so the person's choice goes too.
    leeds = A.HousingAnswers(
        "private_rent", 1, A.Amount(80_000), landlord=A.Landlord("private_landlord"), postcode="LS6 1AA"
    )
    payload = uc_circumstances(draft(sections=uc_answers(housing=leeds)).claim, period_start=PERIOD)
    assert payload["housing"]["lha_rates"] is None
    assert payload["housing"]["postcode"] == "LS6 1AA"
    assert "brma" not in payload["housing"]
    household = UCCircumstances.model_validate(payload).to_domain()
    assert household.housing.lha_rates[1] == 67_500
    lambeth = replace(leeds, postcode="SW9 8AB", brma="inner-south-east-london")
    payload = uc_circumstances(draft(sections=uc_answers(housing=lambeth)).claim, period_start=PERIOD)
    assert payload["housing"]["brma"] == "inner-south-east-london"
    assert UCCircumstances.model_validate(payload).to_domain().housing.lha_rates[1] == 129_550
    # Figures a caseworker gives still win over the postcode.
    payload = uc_circumstances(
        draft(sections=uc_answers(housing=leeds)).claim, period_start=PERIOD, lha_rates=LHA
    )
    assert payload["housing"]["lha_rates"] == LHA
    assert "postcode" not in payload["housing"]


def test_a_self_employment_loss_does_not_reduce_employed_earnings() -> None:
    income = A.IncomeAnswers(
        employments=(A.Employment("Shop", date(2020, 1, 1), 10, A.Amount(30_000)),),
        self_employment=(A.SelfEmployment("Cakes", date(2026, 1, 1), -50_000, 10, True),),
    )
    story = draft(sections=uc_answers(income=income))
    adult = _assessable(uc_circumstances(story.claim, period_start=PERIOD)).adults[0]
    assert adult.earnings.gross == 30_000
    assert adult.self_employed is False  # still in the start-up period


@pytest.mark.parametrize("claim_type", [A.ClaimType.NEW_STYLE_JSA, A.ClaimType.NEW_STYLE_ESA])
def test_new_style_claims_map_to_the_contributory_bodies(claim_type: A.ClaimType) -> None:
    story = submitted(claim_type)
    record: list[contract.NIYearPayload] = [
        {"tax_year": "2023-24", "paid_earnings": 2_000_000, "credited_earnings": 0},
        {"tax_year": "2024-25", "paid_earnings": 2_000_000, "credited_earnings": 0},
    ]
    body = contributory(story.claim, week_start=PERIOD + timedelta(days=3), ni_record=record)
    model = (ESAIn if claim_type == A.ClaimType.NEW_STYLE_ESA else ContributoryIn).model_validate(body)
    model.to_kwargs()
    assert model.claim_date == PERIOD
    if claim_type == A.ClaimType.NEW_STYLE_ESA:
        assert model.weekly_pension == 9_000
        assert isinstance(model, ESAIn)
        assert model.group == "assessment"
    with pytest.raises(Exception, match="household"):
        contributory(submitted().claim, week_start=PERIOD, ni_record=record)


@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_first_assessment_period_agrees_with_the_benefits_service_up_to_the_28th(start: date) -> None:
    if start.day <= 28:
        assert assessment_period_end(start, 0) == one_month_later(start)


@pytest.mark.parametrize(
    ("first_day", "n", "starts"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 31), 2, date(2027, 3, 31)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2027, 1, 30), 1, date(2027, 2, 27)),
        (date(2028, 1, 30), 1, date(2028, 2, 28)),
        (date(2028, 1, 29), 1, date(2028, 2, 28)),
        (date(2027, 1, 29), 2, date(2027, 3, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_assessment_periods_follow_uc_regs_reg_21(first_day: date, n: int, starts: date) -> None:
    assert assessment_period_start(first_day, n) == starts


def test_benefits_agrees_on_periods_from_the_31st() -> None:
    assert one_month_later(date(2027, 1, 31)) == assessment_period_end(date(2027, 1, 31), 0)


def test_benefits_accepts_a_young_adult_bringing_up_a_sibling() -> None:
    household = A.HouseholdAnswers(False, children=(A.ChildAnswer(date(2016, 1, 1), "M", "kinship_carer"),))
    story = draft(sections=uc_answers(household=household))
    story.claim = replace(story.claim, claimant=replace(story.claim.claimant, date_of_birth=date(2006, 1, 1)))
    _assessable(uc_circumstances(story.claim, period_start=PERIOD))


def test_benefits_accepts_a_mixed_age_couple() -> None:
    story = draft(sections=uc_answers(household=A.HouseholdAnswers(True, A.Partner(date(1955, 1, 1)))))
    story.claim = replace(story.claim, joint=True)
    _assessable(uc_circumstances(story.claim, period_start=PERIOD))


def test_a_young_person_who_turns_20_during_the_period_is_not_a_child_for_it() -> None:
    nineteen = A.ChildAnswer(date(2006, 7, 1), "F", in_non_advanced_education=True)  # 20 on 1 July 2026
    younger = A.ChildAnswer(date(2015, 1, 1), "M")
    story = draft(sections=uc_answers(household=A.HouseholdAnswers(False, children=(nineteen, younger))))
    model = _assessable(uc_circumstances(story.claim, period_start=PERIOD))
    assert [c.date_of_birth for c in model.children] == [date(2015, 1, 1)]
    assert [n.date_of_birth for n in model.non_dependants] == [date(2006, 7, 1)]
    before_birthday = _assessable(uc_circumstances(story.claim, period_start=date(2026, 5, 10)))
    assert len(before_birthday.children) == 2


@pytest.mark.parametrize(
    ("first_day", "period_start", "period_end"),
    [
        # UC Regs 2013 reg 21(3): from the 31st, each period begins on the month's last day and ends
        # the day before the next: 28 February 2027 to 30 March 2027, then 31 March to 29 April.
        (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 30)),
        (date(2027, 1, 31), date(2027, 3, 31), date(2027, 4, 29)),
        # Reg 21(3A): from the 30th, February's period begins on the 27th (2027) and ends on the 29th of
        # March, the day before 30 March.
        (date(2027, 1, 30), date(2027, 2, 27), date(2027, 3, 29)),
        # From the 29th in a leap year: 28 February 2028 to 28 March 2028 (next begins 29 March).
        (date(2028, 1, 29), date(2028, 2, 28), date(2028, 3, 28)),
        # The first period of an award from the 31st: 31 January 2027 to 27 February.
        (date(2027, 1, 31), date(2027, 1, 31), date(2027, 2, 27)),
        # An ordinary day: a month less a day.
        (date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 14)),
    ],
)
def test_the_period_end_sent_follows_reg_21_for_awards_from_the_29th_to_31st(
    first_day: date, period_start: date, period_end: date
) -> None:
    story = submitted()
    claim = replace(story.claim, claim_date=first_day)
    payload = uc_circumstances(claim, period_start=period_start)
    assert payload["assessment_period_end"] == period_end.isoformat()
    model = _assessable(payload)  # the benefits service accepts the end reg 21 allows
    assert model.assessment_period_end == period_end


def test_an_owner_with_service_charges_maps_to_the_owner_tenure_and_the_engine_meets_them() -> None:
    # Owners were mapped to "none", dropping their service charges (issue 13). UC Regs 2013 Sch 5: an
    # owner-occupier's eligible service charges are met once 9 assessment periods are served, in a
    # period with no earned income. By hand, the period from 10 June 2026 (2026/27 rates), a single
    # claimant born 1990 (25 or over), no income, no children, service charges £85.00 a month:
    # 424.90 + 85.00 = £509.90 once served; £424.90 in the qualifying period. With the claimant's
    # £950.00 job of the usual answers, nothing for the charges (Sch 5 para 4). E1 is in the London
    # postal district, so the household is resident in Greater London for the cap (reg 80A).
    alone = A.HouseholdAnswers(lives_with_partner=False)
    for tenure in ("own_with_mortgage", "own_outright"):
        owns = A.HousingAnswers(tenure, 2, service_charges=A.Amount(8_500), postcode="E1 6AN")  # type: ignore[arg-type]
        sections = uc_answers(housing=owns, household=alone, income=A.IncomeAnswers())
        payload = uc_circumstances(draft(sections=sections).claim, period_start=PERIOD)
        assert payload["housing"] == {
            "tenure": "owner",
            "monthly_rent": 0,
            "service_charges": 8_500,
            "bedrooms": 2,
            "lha_rates": None,
            "postcode": "E1 6AN",
        }
        household = UCCircumstances.model_validate(payload).to_domain()
        assert household.london
        assert calculate_uc(replace(household, owner_qualifying_months=9)).award == 50_990
        assert calculate_uc(household).award == 42_490
        working = uc_circumstances(
            draft(sections=uc_answers(housing=owns, household=alone)).claim, period_start=PERIOD
        )
        served = replace(UCCircumstances.model_validate(working).to_domain(), owner_qualifying_months=9)
        assert calculate_uc(served).amounts["housing_element"] == 0
    # Owners without service charges have no housing costs UC meets.
    plain = A.HousingAnswers("own_outright", 2)
    payload = uc_circumstances(draft(sections=uc_answers(housing=plain)).claim, period_start=PERIOD)
    assert payload["housing"]["tenure"] == "none"
    # A social renter's postcode goes too (for the London cap), without asking for an area.
    social = A.HousingAnswers(
        "social_rent", 2, A.Amount(50_000), landlord=A.Landlord("council"), postcode="N1 9GU"
    )
    payload = uc_circumstances(draft(sections=uc_answers(housing=social)).claim, period_start=PERIOD)
    assert payload["housing"]["postcode"] == "N1 9GU"
    assert UCCircumstances.model_validate(payload).to_domain().london
