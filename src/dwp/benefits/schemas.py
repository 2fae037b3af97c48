"""Request shapes of the benefits API (and of `dwp calc` files), and their translation to the domain.

Pydantic checks types and plain ranges (money is never negative); the domain checks what only makes
sense together (a child older than a parent could have, a couple with one adult) and names the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, field_validator

from dwp.benefits.domain import (
    Adult,
    Capability,
    Child,
    Disability,
    Earnings,
    ESAGroup,
    Household,
    Housing,
    NIYear,
    NonDependant,
    Tenure,
    dates_that_make_sense,
    lha,
    one_month_later,
)
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.rates import rates_on
from dwp.benefits.estimates import RTIPayment
from dwp.platform.models import EdgeModel, IsoDate

Money = Annotated[int, Field(ge=0, le=100_000_000, description="pence")]
SmallMoney = Annotated[int, Field(ge=0, le=10_000_000, description="pence")]
TaxYear = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", examples=["2025-26"])]

EARLIEST_BIRTH = date(1900, 1, 1)
UK = ZoneInfo("Europe/London")


def _born(value: date) -> date:
    # Today in the UK, where the claimant is: just after midnight a baby born "today" is not refused.
    today = datetime.now(UK).date()
    if not EARLIEST_BIRTH <= value <= today:
        raise ValueError(f"must be from {EARLIEST_BIRTH.isoformat()} to today ({today.isoformat()})")
    return value


def _within_rates(value: date) -> date:
    first, last = dates_that_make_sense()
    if not first <= value <= last:
        raise ValueError(
            f"must be from {first.isoformat()} to {last.isoformat()}: the tax years rates are held for,"
            " and one either side"
        )
    return value


def _not_after_rates(value: date) -> date:
    last = dates_that_make_sense()[1]
    if not EARLIEST_BIRTH <= value <= last:
        raise ValueError(f"must be from {EARLIEST_BIRTH.isoformat()} to {last.isoformat()}")
    return value


BirthDate = Annotated[IsoDate, AfterValidator(_born)]
"""A date of birth: 1900-01-01 to today."""
PeriodDate = Annotated[IsoDate, AfterValidator(_within_rates)]
"""A period, claim or payment date: within the tax years of the rates files, plus or minus one."""
SinceDate = Annotated[IsoDate, AfterValidator(_not_after_rates)]
"""When a condition began: any time from 1900, but not after the last period date."""


Label = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,40}$",
        description="a label the caller chooses for a person cared for (ASCII letters, digits, _ or -)",
    ),
]


class Strict(EdgeModel):
    """Strict edge shapes (the platform's `EdgeModel`): `"100"` is not pence, `1` is not true."""


class EarningsIn(Strict):
    gross: Money = 0
    income_tax: Money = 0
    national_insurance: Money = 0
    pension: Money = 0


class AdultIn(Strict):
    date_of_birth: BirthDate
    capability: Literal["fit", "lcw", "lcwra"] = "fit"
    lcwra_since: SinceDate | None = None
    severe_conditions: bool = False
    terminally_ill: bool = False
    carer: bool = False
    cares_for: Label | None = Field(None, description="which of people_cared_for this adult cares for")
    earnings: EarningsIn = Field(default_factory=EarningsIn)
    self_employed: bool = False
    expected_hours: int = Field(35, ge=0, le=100)
    shared_accommodation_exemption: (
        Literal["care_leaver", "hostel", "disability", "mappa", "domestic_abuse", "modern_slavery"] | None
    ) = Field(None, description="UC Regs 2013 Sch 4 para 29: a ground for the one-bedroom LHA rate under 35")
    disability_benefit: bool = False


class ChildIn(Strict):
    date_of_birth: BirthDate
    sex: Literal["F", "M"]
    disability: Literal["none", "lower", "higher"] = "none"
    limit_exception: bool = False
    cannot_share_bedroom: bool = Field(False, description="UC Regs 2013 Sch 4 para 12(6)")


class LhaIn(Strict):
    shared: SmallMoney = 0
    one: SmallMoney = 0
    two: SmallMoney = 0
    three: SmallMoney = 0
    four: SmallMoney = 0


class HousingIn(Strict):
    tenure: Literal["none", "social", "private", "owner"] = Field(
        "none",
        description="owner: an owner-occupier, whose eligible service charges UC meets (UC Regs 2013 Sch 5)",
    )
    monthly_rent: SmallMoney = 0
    service_charges: SmallMoney = Field(
        0,
        description="eligible service charges a month (UC Regs 2013 Sch 1 paras 7-8): a renter's count"
        " with the rent, an owner-occupier's alone (Sch 5 para 3); refused with tenure none",
    )
    bedrooms: int = Field(0, ge=0, le=20)
    lha_rates: LhaIn | None = Field(
        None, description="the area's monthly LHA rates, for callers that have them"
    )
    postcode: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        None, description="the home's postcode: a private rent's LHA rates are found from it (rates/lha)"
    )
    brma: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")] | None = Field(
        None, description="the Broad Rental Market Area chosen, where the postcode's district lies in several"
    )

    def lha_tuple(self, period_start: date) -> tuple[int, int, int, int, int]:
        """The area's LHA rates: as given, or found from the postcode for the tax year the period starts in
        (Rent Officers Order 2013 Sch 1: the determination in force when the assessment period begins)."""
        if self.lha_rates is not None:
            r = self.lha_rates
            return (r.shared, r.one, r.two, r.three, r.four)
        if self.postcode is None:
            if self.brma is not None:
                raise InvalidCircumstances("housing.postcode", "give the home's postcode with its area")
            return (0, 0, 0, 0, 0)
        if self.tenure != "private":
            return (0, 0, 0, 0, 0)
        return lha.resolve(self.postcode, self.brma, rates_on(period_start).tax_year).as_tuple()

    def in_greater_london(self) -> bool:
        """Known from the home's area to be in Greater London (`lha.in_greater_london`), for any tenure:
        the benefit cap's London amounts then apply without the `london` answer."""
        if self.postcode is None:
            return False
        return lha.in_greater_london(self.postcode, self.brma)


class NonDependantIn(Strict):
    date_of_birth: BirthDate
    exempt: bool = False
    away_on_operations: bool = Field(
        False, description="armed forces, away on operations (Sch 4 para 16(2)(j))"
    )


class UCCircumstances(Strict):
    assessment_period_start: PeriodDate
    assessment_period_end: PeriodDate | None = Field(None, description="defaults to one month from the start")
    couple: bool = False
    adults: list[AdultIn] = Field(min_length=1, max_length=2)
    children: list[ChildIn] = Field(default_factory=list, max_length=20)
    housing: HousingIn = Field(default_factory=HousingIn)
    non_dependants: list[NonDependantIn] = Field(default_factory=list, max_length=20)
    overnight_care: bool = Field(False, description="UC Regs 2013 Sch 4 para 12(A1), (3)")
    foster_parent: bool = Field(False, description="UC Regs 2013 Sch 4 para 12(1)(b), (4)-(5)")
    couple_cannot_share: bool = Field(False, description="UC Regs 2013 Sch 4 para 12(1)(d), (6A)")
    people_cared_for: list[Label] = Field(
        default_factory=list, max_length=10, description="severely disabled people the adults care for"
    )
    childcare_costs: SmallMoney = 0
    childcare_children: int = Field(0, ge=0, le=20)
    capital: Annotated[int, Field(ge=0, le=2_000_000_000)] = 0
    other_unearned_income: SmallMoney = 0
    new_style_jsa_weekly: SmallMoney = 0
    new_style_esa_weekly: SmallMoney = 0
    new_style_esa_support_component: bool = Field(
        False,
        description="the New Style ESA award includes the support component (UC Regs 2013 reg 83(1)(a))",
    )
    child_benefit_weekly: SmallMoney | None = None
    other_capped_benefits: SmallMoney = 0
    london: bool = Field(
        False,
        description="resident in Greater London (UC Regs 2013 reg 80A(2)); also found from housing.postcode"
        " and housing.brma where the area lies wholly in Greater London (rates/lha/greater-london.toml)",
    )
    scottish_taxpayer: bool = False
    gross_estimate: bool = False
    cap_grace_period: bool = False
    severely_sight_impaired: bool = False
    grace_months_left: int = Field(0, ge=0, le=9, description="carried: grace period months to come (reg 82)")
    qualifying_earnings_months: int = Field(
        0,
        ge=0,
        le=12,
        description="carried: months just before with earnings at the cap threshold (reg 82(3))",
    )
    surplus_earnings: int = Field(
        0, ge=0, le=1_000_000_000, description="carried: surplus earnings, pence (UC Regs 2013 reg 54A)"
    )
    surplus_months: int = Field(
        0, ge=0, le=6, description="carried: months since the old award's final period (reg 54A(1)(a))"
    )
    on_award: bool = Field(False, description="carried: the previous period had an award (reg 54A(1))")
    owner_qualifying_months: int = Field(
        0,
        ge=0,
        le=9,
        description="carried: an owner-occupier's qualifying period served, in periods (Sch 5 para 5)",
    )

    def to_domain(self) -> Household:
        return Household(
            period_start=self.assessment_period_start,
            period_end=self.assessment_period_end or one_month_later(self.assessment_period_start),
            couple=self.couple,
            adults=tuple(
                Adult(
                    date_of_birth=a.date_of_birth,
                    capability=Capability(a.capability),
                    lcwra_since=a.lcwra_since,
                    severe_conditions=a.severe_conditions,
                    terminally_ill=a.terminally_ill,
                    carer=a.carer,
                    cares_for=a.cares_for,
                    earnings=Earnings(**a.earnings.model_dump()),
                    self_employed=a.self_employed,
                    expected_hours=a.expected_hours,
                    shared_accommodation_exemption=a.shared_accommodation_exemption,
                    disability_benefit=a.disability_benefit,
                )
                for a in self.adults
            ),
            children=tuple(
                Child(
                    c.date_of_birth,
                    c.sex,
                    Disability(c.disability),
                    c.limit_exception,
                    c.cannot_share_bedroom,
                )
                for c in self.children
            ),
            housing=Housing(
                Tenure(self.housing.tenure),
                self.housing.monthly_rent,
                self.housing.bedrooms,
                self.housing.lha_tuple(self.assessment_period_start),
                self.housing.service_charges,
            ),
            non_dependants=tuple(
                NonDependant(n.date_of_birth, n.exempt, n.away_on_operations) for n in self.non_dependants
            ),
            overnight_care=self.overnight_care,
            foster_parent=self.foster_parent,
            couple_cannot_share=self.couple_cannot_share,
            people_cared_for=tuple(self.people_cared_for),
            childcare_costs=self.childcare_costs,
            childcare_children=self.childcare_children,
            capital=self.capital,
            other_unearned_income=self.other_unearned_income,
            new_style_jsa_weekly=self.new_style_jsa_weekly,
            new_style_esa_weekly=self.new_style_esa_weekly,
            new_style_esa_support_component=self.new_style_esa_support_component,
            child_benefit_weekly=self.child_benefit_weekly,
            other_capped_benefits=self.other_capped_benefits,
            london=self.london or self.housing.in_greater_london(),
            scottish_taxpayer=self.scottish_taxpayer,
            gross_estimate=self.gross_estimate,
            cap_grace_period=self.cap_grace_period,
            severely_sight_impaired=self.severely_sight_impaired,
            grace_months_left=self.grace_months_left,
            qualifying_earnings_months=self.qualifying_earnings_months,
            surplus_earnings=self.surplus_earnings,
            surplus_months=self.surplus_months,
            on_award=self.on_award,
            owner_qualifying_months=self.owner_qualifying_months,
        )


class NIYearIn(Strict):
    tax_year: TaxYear
    paid_earnings: Money = 0
    credited_earnings: Money = 0

    @field_validator("tax_year")
    @classmethod
    def _a_real_tax_year(cls, value: str) -> str:
        # "2023-24", not "2023-99": the second part is the year the tax year ends in; earnings-related
        # contributions began in 1975, and a year after the last period date cannot have been paid.
        start, end = int(value[:4]), int(value[5:])
        if not 1975 <= start <= dates_that_make_sense()[1].year or end != (start + 1) % 100:
            raise ValueError("must be a tax year (such as 2024-25) from 1975-76 on")
        return value


class ContributoryIn(Strict):
    date_of_birth: BirthDate
    claim_date: PeriodDate
    week_start: PeriodDate
    ni_record: list[NIYearIn] = Field(default_factory=list, max_length=10)
    days_paid: int = Field(0, ge=0, le=3650)
    weekly_earnings: SmallMoney = 0
    weekly_hours: int = Field(0, ge=0, le=100)
    weekly_pension: SmallMoney = 0

    def to_kwargs(self) -> dict[str, Any]:
        fields = self.model_dump(exclude={"ni_record"})
        fields["record"] = tuple(NIYear(**y.model_dump()) for y in self.ni_record)
        return fields


class ESAIn(ContributoryIn):
    group: Literal["assessment", "work_related_activity", "support"] = "assessment"

    def to_kwargs(self) -> dict[str, Any]:
        fields = super().to_kwargs()
        fields["group"] = ESAGroup(self.group)
        return fields


class EstimateRequest(Strict):
    tax_year: TaxYear | None = Field(None, description="optional check: the year the period falls in")
    universal_credit: UCCircumstances | None = None
    new_style_jsa: ContributoryIn | None = None
    new_style_esa: ESAIn | None = None

    def uc_household(self) -> Household | None:
        """The UC household, its refusals named from the request's root (`universal_credit.housing.brma`),
        keeping the error's kind (a choice of area carries its choices)."""
        if self.universal_credit is None:
            return None
        try:
            return self.universal_credit.to_domain()
        except InvalidCircumstances as exc:
            exc.field = f"universal_credit.{exc.field}"
            raise


class RTIPaymentIn(Strict):
    adult: int = Field(0, ge=0, le=1)
    paid_on: PeriodDate
    gross: Money
    income_tax: Money = 0
    national_insurance: Money = 0
    pension: Money = 0

    def to_domain(self) -> RTIPayment:
        return RTIPayment(**self.model_dump())


class AssessmentRequest(Strict):
    claim_id: Annotated[str, Field(min_length=1, max_length=64)]
    circumstances: UCCircumstances
    hmrc_earnings: list[RTIPaymentIn] | None = Field(
        None, max_length=200, description="RTI payments in the period; replace the adults' earnings"
    )


MAX_BATCH = 500
"""Households a batch request may carry (`dwp.contracts.benefits.MAX_ASSESSMENT_BATCH`): a page of the
monthly run's shard, in one transaction whose size stays well within a request's time."""


class AssessmentBatchItem(Strict):
    """One household of a page: an `AssessmentRequest` with the state the previous period carried."""

    claim_id: Annotated[str, Field(min_length=1, max_length=64)]
    circumstances: UCCircumstances
    hmrc_earnings: list[RTIPaymentIn] | None = Field(
        None, max_length=200, description="RTI payments in the period; replace the adults' earnings"
    )
    carried_state: dict[Annotated[str, Field(max_length=64)], int] | None = Field(
        None,
        max_length=16,
        description="what the previous period's award carried (its `carried_state`, verbatim); each"
        " name replaces the circumstances' figure of the same name",
    )


class AssessmentBatchRequest(Strict):
    items: list[AssessmentBatchItem] = Field(min_length=1, max_length=MAX_BATCH)
