"""The request bodies the benefits API takes for an assessment, as JSON-ready typed dictionaries.

The claims service builds them (`dwp.claims.domain.household`), the benefits service reads them with its
pydantic models (`dwp.benefits.schemas`). They are typed dictionaries rather than models so that a pure
domain can build one without a validation framework; a test checks that every key here is a field of
the benefits models and that what claims builds validates there. Dates are ISO strings, money pence.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class EarningsPayload(TypedDict):
    gross: int
    income_tax: int
    national_insurance: int
    pension: int


class AdultPayload(TypedDict):
    date_of_birth: str
    capability: Literal["fit", "lcw", "lcwra"]
    lcwra_since: str | None
    severe_conditions: bool
    terminally_ill: bool
    carer: bool
    cares_for: NotRequired[str | None]
    """Optional (added for issue 13): which of `people_cared_for` this adult cares for."""
    earnings: EarningsPayload
    self_employed: bool
    expected_hours: int
    shared_accommodation_exemption: NotRequired[
        Literal["care_leaver", "hostel", "disability", "mappa", "domestic_abuse", "modern_slavery"] | None
    ]
    """Optional (issue 13): a ground for the one-bedroom LHA rate under 35 (UC Regs 2013 Sch 4 para 29)."""
    disability_benefit: bool


class ChildPayload(TypedDict):
    date_of_birth: str
    sex: Literal["F", "M"]
    disability: Literal["none", "lower", "higher"]
    limit_exception: bool
    cannot_share_bedroom: NotRequired[bool]


class LhaPayload(TypedDict):
    shared: int
    one: int
    two: int
    three: int
    four: int


class HousingPayload(TypedDict):
    tenure: Literal["none", "social", "private"]
    monthly_rent: int
    bedrooms: int
    lha_rates: LhaPayload | None


class NonDependantPayload(TypedDict):
    date_of_birth: str
    exempt: bool
    away_on_operations: NotRequired[bool]


class UCCircumstancesPayload(TypedDict):
    assessment_period_start: str
    assessment_period_end: str | None
    couple: bool
    adults: list[AdultPayload]
    children: list[ChildPayload]
    housing: HousingPayload
    non_dependants: list[NonDependantPayload]
    overnight_care: NotRequired[bool]
    foster_parent: NotRequired[bool]
    couple_cannot_share: NotRequired[bool]
    """Optional (issue 13): the additional-bedroom conditions of UC Regs 2013 Sch 4 para 12."""
    people_cared_for: NotRequired[list[str]]
    """Optional: labels for the severely disabled people the adults care for (UC Regs 2013 reg 29(2))."""
    childcare_costs: int
    childcare_children: int
    capital: int
    other_unearned_income: int
    new_style_jsa_weekly: int
    new_style_esa_weekly: int
    new_style_esa_support_component: NotRequired[bool]
    """Optional (issue 13): the ESA award includes the support component (exempt from the cap)."""
    child_benefit_weekly: int | None
    other_capped_benefits: int
    london: bool
    scottish_taxpayer: bool
    gross_estimate: bool
    cap_grace_period: bool
    severely_sight_impaired: bool
    grace_months_left: NotRequired[int]
    qualifying_earnings_months: NotRequired[int]
    """Optional (issue 13): the carried state of the benefit cap's grace period (UC Regs 2013 reg 82),
    as the previous period's assessment returned it in `amounts`."""
    surplus_earnings: NotRequired[int]
    surplus_months: NotRequired[int]
    on_award: NotRequired[bool]
    """Optional (issue 13): the carried state of surplus earnings (UC Regs 2013 reg 54A), as the
    previous period's assessment returned it in `amounts` (`on_award` as 0/1)."""


class NIYearPayload(TypedDict):
    tax_year: str
    paid_earnings: int
    credited_earnings: int


class ContributoryPayload(TypedDict):
    date_of_birth: str
    claim_date: str
    week_start: str
    ni_record: list[NIYearPayload]
    days_paid: int
    weekly_earnings: int
    weekly_hours: int
    weekly_pension: int


class ESAPayload(ContributoryPayload):
    group: Literal["assessment", "work_related_activity", "support"]
