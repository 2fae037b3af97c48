"""A household's circumstances for one UC assessment period, as plain data, and their checks.

These are the facts a citizen or caseworker knows (dates of birth, rent, pay). `to_inputs` turns them
into the kernel's categorical inputs (`uc_kernel.INPUTS`): ages, counts of children by the child-limit
rules, capability categories. Batch files carry those categories directly.
"""

from __future__ import annotations

import calendar
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources

from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.pension_age import state_pension_date

CHILD_LIMIT_DATE = date(2017, 4, 6)
"""Children born before this date are outside the two-child limit (UC Regs 2013 reg 24A)."""
LCWRA_PROTECTION_DATE = date(2026, 4, 6)
"""LCWRA from before this date keeps the protected rate (Universal Credit Act 2025 s.3)."""
MAX_KERNEL_AGE = 120
"""Ages reach the kernel capped here: it compares them only with 25 and 35, and a pension-age partner
of a mixed-age couple may be any age (a date of birth may be as early as 1900)."""


class Capability(StrEnum):
    """Work capability as decided by a Work Capability Assessment."""

    FIT = "fit"
    LCW = "lcw"
    LCWRA = "lcwra"


class Tenure(StrEnum):
    NONE = "none"
    SOCIAL = "social"
    PRIVATE = "private"
    OWNER = "owner"
    """An owner-occupier (UC Regs 2013 reg 26(3), Sch 5): UC meets eligible service charges only. A
    mortgage's interest is a loan outside UC (Loans for Mortgage Interest Regulations 2017, SI 2017/725);
    a shared-ownership lease's rent is a renter's (reg 26(4)-(6)): social or private, not this."""


class Disability(StrEnum):
    NONE = "none"
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Earnings:
    """One adult's pay in the assessment period (pence). From RTI: gross, tax and NI as deducted. For an
    estimate from gross pay the tax and NI are left at nil and worked out by the engine."""

    gross: int = 0
    income_tax: int = 0
    national_insurance: int = 0
    pension: int = 0


@dataclass(frozen=True)
class Adult:
    date_of_birth: date
    capability: Capability = Capability.FIT
    lcwra_since: date | None = None
    severe_conditions: bool = False
    terminally_ill: bool = False
    carer: bool = False
    cares_for: str | None = None
    """Whom this adult cares for, as one of the household's `people_cared_for`: two partners caring
    for the same severely disabled person bring one carer element between them (UC Regs 2013 reg
    29(2)-(3)). Not given, partners who both care are taken to care for different people."""
    earnings: Earnings = field(default_factory=Earnings)
    self_employed: bool = False
    """Gainfully self-employed and past any start-up period: the minimum income floor applies."""
    expected_hours: int = 35
    shared_accommodation_exemption: str | None = None
    """The ground on which a single renter under 35 is excepted from the shared accommodation rate
    (UC Regs 2013 Sch 4 para 29), one of `shared_accommodation_grounds()`: "care_leaver", "hostel",
    "disability", "mappa", "domestic_abuse", "modern_slavery"."""
    disability_benefit: bool = False
    """Gets DLA, PIP, Attendance Allowance or another benefit that exempts from the benefit cap and
    from non-dependant contributions."""


@dataclass(frozen=True)
class Child:
    date_of_birth: date
    sex: str  # "F" or "M", for the size criteria
    disability: Disability = Disability.NONE
    limit_exception: bool = False
    """A reg 24B exception applies (multiple birth, adoption, non-parental care, non-consensual
    conception)."""
    cannot_share_bedroom: bool = False
    """Disabled and not reasonably able to share a bedroom because of the disability (UC Regs 2013
    Sch 4 para 12(6)): the child has a bedroom of their own under the size criteria."""


@dataclass(frozen=True)
class Housing:
    tenure: Tenure = Tenure.NONE
    monthly_rent: int = 0
    bedrooms: int = 0
    lha_rates: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    """Monthly LHA for the area: shared accommodation, 1, 2, 3 and 4 bedrooms (pence)."""
    service_charges: int = 0
    """Eligible service charges a month (pence; UC Regs 2013 Sch 1 paras 7-8). A renter's join the rent
    as relevant payments (Sch 4 para 3), so the LHA cap and the under-occupation deduction apply to
    both together (paras 22 and 36); an owner-occupier's are the only payments met (Sch 5 para 3). A
    household with no housing costs (`Tenure.NONE`) cannot have them."""


@dataclass(frozen=True)
class NonDependant:
    date_of_birth: date
    exempt: bool = False
    """Exempt from a housing cost contribution (UC Regs 2013 Schedule 4 para 16), e.g. under 21, on
    Pension Credit, PIP or Carer's Allowance."""
    away_on_operations: bool = False
    """A son or daughter in the armed forces away on operations, who lived here before and means to
    come back: keeps their bedroom, pays no contribution (Sch 4 para 16(2)(j))."""


@dataclass(frozen=True)
class Household:
    period_start: date
    period_end: date
    adults: tuple[Adult, ...]
    couple: bool = False
    """A joint claim; it must then list both adults."""
    children: tuple[Child, ...] = ()
    housing: Housing = field(default_factory=Housing)
    non_dependants: tuple[NonDependant, ...] = ()
    overnight_care: bool = False
    """Someone in the household (or a foster child) gets a qualifying disability benefit and has a
    carer who does not live here staying overnight regularly: one more bedroom (Sch 4 para 12(A1), (3))."""
    foster_parent: bool = False
    """A foster parent (or approved, between placements for up to 12 months) or an adopter with a child
    placed: one more bedroom (Sch 4 para 12(1)(b), (4)-(5))."""
    couple_cannot_share: bool = False
    """Joint renters who cannot share a bedroom because of one's disability: one more bedroom (Sch 4
    para 12(1)(d), (6A))."""
    people_cared_for: tuple[str, ...] = ()
    """The severely disabled people the adults care for, by a label the caller chooses (never a name
    the engine needs); each adult's `cares_for` names one of them."""
    childcare_costs: int = 0
    childcare_children: int = 0
    capital: int = 0
    other_unearned_income: int = 0
    new_style_jsa_weekly: int = 0
    new_style_esa_weekly: int = 0
    new_style_esa_support_component: bool = False
    """The New Style ESA award includes the support component: exempt from the benefit cap (UC Regs
    2013 reg 83(1)(a)), whether or not the UC award has the LCWRA element yet."""
    child_benefit_weekly: int | None = None
    """Child Benefit paid by HMRC; when not given, the full rate for the children listed is assumed."""
    other_capped_benefits: int = 0
    london: bool = False
    scottish_taxpayer: bool = False
    gross_estimate: bool = False
    cap_grace_period: bool = False
    """A grace period the caller has determined applies to this period (reg 82(1)(b))."""
    severely_sight_impaired: bool = False
    grace_months_left: int = 0
    """Carried state: periods of a running benefit cap grace period still to come (0-9; reg 82(2))."""
    qualifying_earnings_months: int = 0
    """Carried state: consecutive months just before this period with earnings at or above the cap's
    earnings threshold (0-12; 12 means at least 12, reg 82(3))."""
    surplus_earnings: int = 0
    """Carried state: surplus earnings (pence) from the old award's final period, or the adjusted
    surplus of an unsuccessful claim since (UC Regs 2013 reg 54A(3))."""
    surplus_months: int = 0
    """Carried state: months since the old award's final assessment period (1-6), 0 for no surplus."""
    on_award: bool = False
    """Carried state: the previous assessment period had an award (so a nil award now ends it)."""
    owner_qualifying_months: int = 0
    """Carried state: consecutive assessment periods of an owner-occupier's qualifying period served
    before this one (0-9; 9 = served, so service charges are met: UC Regs 2013 Sch 5 para 5)."""


@dataclass(frozen=True)
class SharedAccommodationGround:
    min_age: int
    below_age: int
    in_force_from: date
    source: str


@cache
def shared_accommodation_grounds() -> dict[str, SharedAccommodationGround]:
    """The grounds of UC Regs 2013 Sch 4 para 29, from `rates/shared-accommodation-exemptions.toml`."""
    path = resources.files("dwp.benefits") / "rates" / "shared-accommodation-exemptions.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    return {
        name: SharedAccommodationGround(g["min_age"], g["below_age"], g["in_force_from"], g["source"])
        for name, g in data["ground"].items()
    }


def age_on(born: date, day: date) -> int:
    years = day.year - born.year
    return years - ((day.month, day.day) < (born.month, born.day))


def over_state_pension_age(born: date, period_start: date) -> bool:
    """Whether someone counts as over State Pension age (by date of birth, `pension_age`) for a whole
    assessment period. Reaching it during a period changes the award from the first day of the next
    period (UC, PIP, JSA and ESA (Decisions and Appeals) Regs 2013 Sch 1 para 26, as substituted by
    SI 2020/655), so only a State Pension date before the period's first day counts."""
    return state_pension_date(born) < period_start


def period_start_in(cycle_day: int, year: int, month: int) -> date:
    """The first day, in `year`-`month`, of an assessment period of an award whose first date of
    entitlement fell on day `cycle_day` of a month (UC Regs 2013 reg 21(2)): the same day each month;
    from the 31st, the month's last day; from the 29th or 30th, that day, except in February, when it
    is the 27th (the 28th in a leap year)."""
    if cycle_day == 31:
        return date(year, month, calendar.monthrange(year, month)[1])
    if cycle_day in (29, 30) and month == 2:
        return date(year, 2, 28 if calendar.isleap(year) else 27)
    return date(year, month, cycle_day)


def one_month_later(start: date, cycle_day: int | None = None) -> date:
    """The last day of the assessment period beginning on `start` (UC Regs 2013 reg 21(1)-(2)): the day
    before the next period begins. `cycle_day` is the day of the month the award's first date of
    entitlement fell on; without it, `start` is taken to be that date (the first period, or any award
    whose periods begin on the same day each month), as the claims service's
    `dates.assessment_period_end` does."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return period_start_in(cycle_day or start.day, year, month) - timedelta(days=1)


def period_ends(start: date) -> set[date]:
    """Every last day reg 21 allows for a period beginning on `start`, whatever day the award began:
    a period beginning on 28 February 2027 ends on 27 March (an award from the 28th) or 30 March (one
    from the 31st)."""
    days = {start.day} | {d for d in (29, 30, 31) if period_start_in(d, start.year, start.month) == start}
    return {one_month_later(start, d) for d in days}


def _money(name: str, value: int, highest: int = 100_000_000) -> None:
    if value < 0:
        raise InvalidCircumstances(name, "must not be negative")
    if value > highest:
        raise InvalidCircumstances(name, "is too large to be a monthly amount")


def _check_shared_accommodation_ground(h: Household, i: int, adult: Adult) -> None:
    name = f"adults[{i}].shared_accommodation_exemption"
    ground = shared_accommodation_grounds().get(adult.shared_accommodation_exemption or "")
    if ground is None:
        raise InvalidCircumstances(
            name, f"must be one of {', '.join(sorted(shared_accommodation_grounds()))}"
        )
    age = age_on(adult.date_of_birth, h.period_end)
    if not ground.min_age <= age < ground.below_age:
        raise InvalidCircumstances(
            name,
            f"this ground applies from age {ground.min_age} to under {ground.below_age} ({ground.source})",
        )
    if h.period_start < ground.in_force_from:
        raise InvalidCircumstances(name, f"this ground is in force from {ground.in_force_from.isoformat()}")


def validate(h: Household) -> None:
    """Refuse circumstances no real household has; the error names the field."""
    if h.period_end not in period_ends(h.period_start):
        raise InvalidCircumstances(
            "period_end", "an assessment period lasts one month, as UC Regs 2013 reg 21 counts it"
        )
    if len(h.adults) != (2 if h.couple else 1):
        raise InvalidCircumstances("adults", "a couple's claim lists two adults, a single claim one")
    end = h.period_end
    pension_age = [over_state_pension_age(a.date_of_birth, h.period_start) for a in h.adults]
    if all(pension_age):
        # WRA 2012 s.4(1)(b): UC is for people under the qualifying age for state pension credit; a
        # couple may claim it jointly when one of them is (UC Regs 2013 reg 3(2)(a)), and since 15 May
        # 2019 a mixed-age couple cannot newly claim Pension Credit (SI 2019/37 arts 3-4). Both over
        # it, or a single person over it, claim Pension Credit instead.
        field = "adults[0].date_of_birth" if not h.couple else "adults"
        raise InvalidCircumstances(
            field, "UC needs the claimant, or one partner of a couple, under State Pension age"
        )
    for i, adult in enumerate(h.adults):
        if age_on(adult.date_of_birth, end) < 16:
            raise InvalidCircumstances(f"adults[{i}].date_of_birth", "age must be 16 or over")
        e = adult.earnings
        for name, value in (
            ("gross", e.gross),
            ("income_tax", e.income_tax),
            ("national_insurance", e.national_insurance),
            ("pension", e.pension),
        ):
            _money(f"adults[{i}].earnings.{name}", value)
        if not 0 <= adult.expected_hours <= 100:
            raise InvalidCircumstances(f"adults[{i}].expected_hours", "must be 0 to 100 hours a week")
        if adult.cares_for is not None:
            if not adult.carer:
                raise InvalidCircumstances(
                    f"adults[{i}].cares_for", "is given for an adult who is not a carer"
                )
            if adult.cares_for not in h.people_cared_for:
                raise InvalidCircumstances(
                    f"adults[{i}].cares_for", "must name one of the household's people_cared_for"
                )
        if adult.shared_accommodation_exemption is not None:
            _check_shared_accommodation_ground(h, i, adult)
    disability_in_household = any(a.disability_benefit for a in h.adults) or any(
        c.disability != Disability.NONE for c in h.children
    )
    if h.overnight_care and not disability_in_household:
        raise InvalidCircumstances(
            "overnight_care", "needs someone with a qualifying disability benefit (Sch 4 para 12(3)(a))"
        )
    if h.couple_cannot_share and not (h.couple and any(a.disability_benefit for a in h.adults)):
        raise InvalidCircumstances(
            "couple_cannot_share",
            "is for joint renters, one with a qualifying disability benefit (para 12(6A))",
        )
    for i, child in enumerate(h.children):
        if child.cannot_share_bedroom and child.disability == Disability.NONE:
            raise InvalidCircumstances(
                f"children[{i}].cannot_share_bedroom",
                "is for a child who gets a disability benefit (para 12(6))",
            )
    if not 0 <= h.grace_months_left <= 9:
        raise InvalidCircumstances("grace_months_left", "a grace period lasts 9 months (reg 82(2))")
    if not 0 <= h.qualifying_earnings_months <= 12:
        raise InvalidCircumstances("qualifying_earnings_months", "must be 0 to 12")
    if not 0 <= h.surplus_earnings <= 1_000_000_000:
        raise InvalidCircumstances("surplus_earnings", "must be 0 to 1000000000 pence")
    if not 0 <= h.surplus_months <= 6:
        raise InvalidCircumstances("surplus_months", "surplus earnings count for 6 months (reg 54A(1)(a))")
    if h.surplus_earnings > 0 and h.surplus_months == 0:
        raise InvalidCircumstances("surplus_months", "surplus earnings need the months since the old award")
    if len(set(h.people_cared_for)) != len(h.people_cared_for):
        raise InvalidCircumstances("people_cared_for", "each person cared for is listed once")
    # Responsibility is not parenthood (WRA 2012 s.10; UC Regs 2013 reg 4: the child normally lives
    # with the claimant; reg 24B names non-parental caring). An 18-year-old bringing up a
    # 15-year-old sibling, a grandparent, a young aunt are all paid for the child, so no gap between the
    # adults' and the children's ages is refused: only a child who cannot be one for this period is.
    for i, child in enumerate(h.children):
        if child.date_of_birth > end:
            raise InvalidCircumstances(f"children[{i}].date_of_birth", "is after the assessment period")
        if age_on(child.date_of_birth, end) >= 20:
            # UC Regs 2013 reg 5: nobody is a qualifying young person at 20 or over.
            raise InvalidCircumstances(f"children[{i}].date_of_birth", "a child or young person is under 20")
        if child.sex not in ("F", "M"):
            raise InvalidCircumstances(f"children[{i}].sex", "must be F or M")
    for name, value in (
        ("childcare_costs", h.childcare_costs),
        ("other_unearned_income", h.other_unearned_income),
        ("new_style_jsa_weekly", h.new_style_jsa_weekly),
        ("new_style_esa_weekly", h.new_style_esa_weekly),
        ("other_capped_benefits", h.other_capped_benefits),
        ("housing.monthly_rent", h.housing.monthly_rent),
        ("housing.service_charges", h.housing.service_charges),
    ):
        _money(name, value, 10_000_000)
    _money("capital", h.capital, 2_000_000_000)
    if h.child_benefit_weekly is not None:
        _money("child_benefit_weekly", h.child_benefit_weekly, 10_000_000)
    for k, lha in enumerate(h.housing.lha_rates):
        _money(f"housing.lha_rates[{k}]", lha, 10_000_000)
    if h.housing.service_charges and h.housing.tenure == Tenure.NONE:
        raise InvalidCircumstances(
            "housing.service_charges",
            "service charges are housing costs of a renter or an owner-occupier (UC Regs 2013 Sch 1"
            " paras 7-8): give the tenure",
        )
    if h.housing.tenure == Tenure.OWNER and h.housing.monthly_rent:
        raise InvalidCircumstances(
            "housing.monthly_rent",
            "an owner-occupier pays no rent UC meets (Sch 5 para 3: service charges only); rent under a"
            " shared-ownership lease is a renter's (reg 26(4)-(6)): give tenure social or private",
        )
    if not 0 <= h.owner_qualifying_months <= 9:
        raise InvalidCircumstances(
            "owner_qualifying_months", "a qualifying period is 9 assessment periods (Sch 5 para 5(2))"
        )
    if h.housing.tenure == Tenure.PRIVATE and h.housing.lha_rates[1] == 0:
        raise InvalidCircumstances("housing.lha_rates", "a private rent needs the area's LHA rates")
    if not 0 <= h.housing.bedrooms <= 20:
        raise InvalidCircumstances("housing.bedrooms", "must be 0 to 20")
    if not 0 <= h.childcare_children <= len(h.children):
        raise InvalidCircumstances("childcare_children", "cannot exceed the number of children")
    if len(h.children) > 20 or len(h.non_dependants) > 20:
        raise InvalidCircumstances("children", "at most 20 children and 20 non-dependants")
