"""What a claim asks, as plain data: one frozen dataclass per section, per benefit.

Universal Credit asks about the household, housing, income, capital, childcare, health and caring; New
Style JSA about work history, availability, jobseeking and income; New Style ESA about the health
condition, the fit note, treatment and income. The claimant's own name and date of birth are not asked:
they come from their proven identity (DESIGN.md 3), never from what they type.

These are the shapes an API layer parses JSON into (pydantic's `TypeAdapter` reads these dataclasses
directly); `checks.py` says which answers cannot be true and which are only unusual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Literal


class ClaimType(StrEnum):
    UNIVERSAL_CREDIT = "universal_credit"
    NEW_STYLE_JSA = "new_style_jsa"
    NEW_STYLE_ESA = "new_style_esa"


Frequency = Literal["weekly", "fortnightly", "four_weekly", "monthly"]
Whose = Literal["you", "partner"]

# Per year, so that any frequency converts to any other exactly (UC Regs 2013 reg 73: weekly x 52 / 12).
_PER_YEAR = {"weekly": 52, "fortnightly": 26, "four_weekly": 13, "monthly": 12}


def _round_half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


@dataclass(frozen=True)
class Amount:
    """An amount of money in pence and how often it is paid."""

    pence: int
    frequency: Frequency = "monthly"

    def per(self, frequency: Frequency) -> int:
        """The amount converted to another frequency, to the nearest penny."""
        return _round_half_up(Fraction(self.pence * _PER_YEAR[self.frequency], _PER_YEAR[frequency]))

    @property
    def monthly(self) -> int:
        return self.per("monthly")

    @property
    def weekly(self) -> int:
        return self.per("weekly")


# --- Universal Credit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """The person the claimant lives with as a couple. On a joint claim the partner confirms this
    themselves after signing in; their proven date of birth then replaces this one."""

    date_of_birth: date


ChildRelationship = Literal["parent", "step_parent", "adoptive_parent", "kinship_carer", "other"]
ChildDisability = Literal[
    "none", "dla_or_pip", "dla_highest_care_or_pip_enhanced_daily_living", "severely_sight_impaired"
]


@dataclass(frozen=True)
class ChildAnswer:
    date_of_birth: date
    sex: Literal["F", "M"]
    relationship: ChildRelationship = "parent"
    disability: ChildDisability = "none"
    in_non_advanced_education: bool | None = None
    """Asked for a young person of 16 or over: they count only while in education or approved training."""
    multiple_birth: bool = False
    adopted: bool = False
    non_consensual_conception: bool = False


OtherRelationship = Literal[
    "adult_son_or_daughter", "relative", "friend", "lodger", "sub_tenant", "joint_tenant", "live_in_carer"
]
NonDependantExemption = Literal[
    "pip_daily_living",
    "dla_care",
    "attendance_allowance",
    "carers_allowance",
    "pension_credit",
    "armed_forces_independence_payment",
]


@dataclass(frozen=True)
class OtherPerson:
    """Someone else who lives in the home."""

    date_of_birth: date
    relationship: OtherRelationship
    gets: frozenset[NonDependantExemption] = frozenset()


@dataclass(frozen=True)
class HouseholdAnswers:
    lives_with_partner: bool
    partner: Partner | None = None
    children: tuple[ChildAnswer, ...] = ()
    others: tuple[OtherPerson, ...] = ()


Tenure = Literal[
    "social_rent",
    "private_rent",
    "shared_ownership",
    "own_with_mortgage",
    "own_outright",
    "living_with_family_or_friends",
    "temporary_accommodation",
]
LandlordKind = Literal[
    "council", "housing_association", "private_landlord", "letting_agent", "family_or_friend"
]
RENTING = frozenset({"social_rent", "private_rent", "shared_ownership"})
OWNING = frozenset({"own_with_mortgage", "own_outright"})


@dataclass(frozen=True)
class Landlord:
    kind: LandlordKind
    name: str = ""
    close_relative_living_with_you: bool = False


@dataclass(frozen=True)
class HousingAnswers:
    tenure: Tenure
    bedrooms: int
    rent: Amount | None = None
    service_charges: Amount | None = None
    landlord: Landlord | None = None
    postcode: str | None = None
    """The home's postcode: the benefits service finds a private rent's LHA rates from it (issue 13)."""
    brma: str | None = None
    """The Broad Rental Market Area the person chose, where the postcode's district lies in several."""


@dataclass(frozen=True)
class Employment:
    employer: str
    started_on: date
    hours_per_week: int
    gross_pay: Amount
    whose: Whose = "you"


@dataclass(frozen=True)
class SelfEmployment:
    business: str
    started_on: date
    monthly_profit_pence: int
    hours_per_week: int
    organised_regular_for_profit: bool
    """Gainful self-employment (UC Regs 2013 reg 64): the minimum income floor can apply."""
    whose: Whose = "you"


OtherBenefitKind = Literal[
    "new_style_jsa",
    "new_style_esa",
    "carers_allowance",
    "pip",
    "dla",
    "attendance_allowance",
    "armed_forces_independence_payment",
    "child_benefit",
    "maternity_allowance",
    "other",
]


@dataclass(frozen=True)
class OtherBenefit:
    kind: OtherBenefitKind
    amount: Amount
    whose: Whose = "you"


@dataclass(frozen=True)
class Pension:
    kind: Literal["occupational", "personal"]
    amount: Amount
    whose: Whose = "you"


@dataclass(frozen=True)
class IncomeAnswers:
    employments: tuple[Employment, ...] = ()
    self_employment: tuple[SelfEmployment, ...] = ()
    other_benefits: tuple[OtherBenefit, ...] = ()
    pensions: tuple[Pension, ...] = ()


@dataclass(frozen=True)
class CapitalAnswers:
    """Money and property the household has (pence), other than the home it lives in."""

    savings_pence: int = 0
    investments_pence: int = 0
    other_property_pence: int = 0

    @property
    def total(self) -> int:
        return self.savings_pence + self.investments_pence + self.other_property_pence


@dataclass(frozen=True)
class ChildcareAnswers:
    pays_for_childcare: bool
    cost: Amount | None = None
    children_in_childcare: int = 0
    registered_provider: bool = True


FitNoteIssuer = Literal[
    "gp", "hospital_doctor", "nurse", "pharmacist", "occupational_therapist", "physiotherapist"
]


@dataclass(frozen=True)
class FitNote:
    starts_on: date
    ends_on: date | None
    """None when the note says the person is not fit for work for an unstated period."""
    issued_by: FitNoteIssuer = "gp"


@dataclass(frozen=True)
class PersonHealth:
    condition_affects_work: bool
    description: str = ""
    can_work: Literal["yes", "some", "no"] = "yes"
    fit_note: FitNote | None = None
    terminally_ill: bool = False


@dataclass(frozen=True)
class HealthAnswers:
    you: PersonHealth
    partner: PersonHealth | None = None


@dataclass(frozen=True)
class Caring:
    hours_per_week: int
    cared_for_gets_qualifying_benefit: bool
    """The person cared for gets the daily living part of PIP, DLA middle or highest care, Attendance
    Allowance or another benefit that the carer element needs (UC Regs 2013 reg 30)."""
    whose: Whose = "you"


@dataclass(frozen=True)
class CaringAnswers:
    carers: tuple[Caring, ...] = ()


# --- New Style JSA -----------------------------------------------------------------------------

LeavingReason = Literal[
    "still_employed", "redundancy", "end_of_contract", "dismissed", "resigned", "ill_health", "retired"
]


@dataclass(frozen=True)
class Job:
    employer: str
    started_on: date
    ended_on: date | None
    hours_per_week: int
    reason_for_leaving: LeavingReason
    reason_detail: str = ""


@dataclass(frozen=True)
class WorkHistoryAnswers:
    jobs: tuple[Job, ...] = ()


@dataclass(frozen=True)
class DateRange:
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class AvailabilityAnswers:
    available_now: bool
    hours_per_week: int
    restrictions: str = ""
    """Why fewer hours or some kinds of work only (caring, health, religious belief...)."""
    away: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class JobseekingAnswers:
    actively_seeking: bool
    kinds_of_work: tuple[str, ...] = ()
    steps_taken: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkIncomeAnswers:
    """Work now (JSA and ESA both ask) and pensions, weekly as those benefits are paid."""

    hours_per_week: int = 0
    earnings: Amount | None = None
    pensions: tuple[Amount, ...] = ()


# --- New Style ESA ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionAnswers:
    description: str
    started_on: date
    affects_work: bool = True


@dataclass(frozen=True)
class FitNoteAnswers:
    has_fit_note: bool
    fit_note: FitNote | None = None


Treatment = Literal["chemotherapy", "radiotherapy", "dialysis", "plasmapheresis", "parenteral_nutrition"]


@dataclass(frozen=True)
class TreatmentAnswers:
    in_hospital: bool = False
    treatments: frozenset[Treatment] = frozenset()
    waiting_for_treatment: bool = False
    terminally_ill: bool = False


Section = (
    HouseholdAnswers
    | HousingAnswers
    | IncomeAnswers
    | CapitalAnswers
    | ChildcareAnswers
    | HealthAnswers
    | CaringAnswers
    | WorkHistoryAnswers
    | AvailabilityAnswers
    | JobseekingAnswers
    | WorkIncomeAnswers
    | ConditionAnswers
    | FitNoteAnswers
    | TreatmentAnswers
)

SECTIONS: dict[ClaimType, dict[str, type]] = {
    ClaimType.UNIVERSAL_CREDIT: {
        "household": HouseholdAnswers,
        "housing": HousingAnswers,
        "income": IncomeAnswers,
        "capital": CapitalAnswers,
        "childcare": ChildcareAnswers,
        "health": HealthAnswers,
        "caring": CaringAnswers,
    },
    ClaimType.NEW_STYLE_JSA: {
        "work_history": WorkHistoryAnswers,
        "availability": AvailabilityAnswers,
        "jobseeking": JobseekingAnswers,
        "income": WorkIncomeAnswers,
    },
    ClaimType.NEW_STYLE_ESA: {
        "condition": ConditionAnswers,
        "fit_note": FitNoteAnswers,
        "treatment": TreatmentAnswers,
        "income": WorkIncomeAnswers,
    },
}
"""Each benefit's sections and the shape of each. Every section must be answered before submitting
(an empty answer, such as no childcare, is still an answer)."""


@dataclass(frozen=True)
class Answers:
    """A claim's saved sections (a draft fills them in any order)."""

    sections: dict[str, Section] = field(default_factory=dict)

    def get(self, name: str) -> Section | None:
        return self.sections.get(name)
