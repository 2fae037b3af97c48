"""The one place a claim's answers become the household the benefits service assesses.

A pure function from the claim (and the facts the service fetched: the proven dates of birth, the Work
Capability Assessment outcome, the area's LHA rates, the NI record) to the JSON-ready body of the
benefits API, typed by `dwp.contracts.benefits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from dwp.claims.domain.answers import (
    OWNING,
    RENTING,
    CapitalAnswers,
    CaringAnswers,
    ChildAnswer,
    ChildcareAnswers,
    ClaimType,
    HealthAnswers,
    HouseholdAnswers,
    HousingAnswers,
    IncomeAnswers,
    Whose,
    WorkIncomeAnswers,
)
from dwp.claims.domain.checks import OLDEST_CHILD_AGE, age_on
from dwp.claims.domain.dates import add_months, assessment_period_end, period_containing
from dwp.claims.domain.errors import ClaimsError
from dwp.claims.domain.model import Claim
from dwp.contracts.benefits import (
    AdultPayload,
    ChildPayload,
    ContributoryPayload,
    ESAPayload,
    HousingPayload,
    LhaPayload,
    NIYearPayload,
    NonDependantPayload,
    UCCircumstancesPayload,
)

CARING_HOURS = 35
"""Regular and substantial caring: 35 hours a week (UC Regs 2013 reg 30)."""
START_UP_MONTHS = 12
"""No minimum income floor in the first 12 months of gainful self-employment (UC Regs 2013 reg 63)."""
DISABILITY_BENEFITS = frozenset({"pip", "dla", "attendance_allowance", "armed_forces_independence_payment"})
UNEARNED_BENEFITS = frozenset({"carers_allowance", "maternity_allowance"})
"""Other benefits counted in full as unearned income (UC Regs 2013 reg 66); New Style JSA and ESA have
their own fields. Benefits not listed (PIP, DLA, Child Benefit) are not income for UC."""
CAPPED_BENEFITS = frozenset({"maternity_allowance"})
NON_DEPENDANTS = frozenset({"adult_son_or_daughter", "relative", "friend"})
"""Others in the home who are non-dependants; lodgers, sub-tenants, joint tenants and live-in carers are
not (UC Regs 2013 Sch 4 para 9)."""


@dataclass(frozen=True)
class WcaOutcome:
    """A Work Capability Assessment's outcome for one person, as decided (not as claimed)."""

    capability: str = "fit"  # "fit", "lcw" or "lcwra"
    lcwra_since: date | None = None
    severe_conditions: bool = False


class NotReadyToAssess(ClaimsError):
    """A fact the assessment needs is not known yet (an unproven date of birth, the area's LHA)."""


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _child(c: ChildAnswer) -> ChildPayload:
    disability = {"none": "none", "dla_or_pip": "lower"}.get(c.disability, "higher")
    return {
        "date_of_birth": c.date_of_birth.isoformat(),
        "sex": c.sex,
        "disability": disability,  # type: ignore[typeddict-item]
        # UC Regs 2013 reg 24B: multiple births, adoption, non-parental caring, non-consensual conception.
        "limit_exception": c.multiple_birth
        or c.adopted
        or c.non_consensual_conception
        or c.relationship == "kinship_carer",
    }


def _adult(
    born: date,
    whose: tuple[Whose, ...],
    income: IncomeAnswers,
    health: HealthAnswers | None,
    caring: CaringAnswers | None,
    wca: WcaOutcome,
    period_start: date,
) -> AdultPayload:
    employed = sum(e.gross_pay.monthly for e in income.employments if e.whose in whose)
    businesses = [s for s in income.self_employment if s.whose in whose]
    # A loss from self-employment does not reduce employed earnings; the engine carries losses forward.
    profit = max(0, sum(s.monthly_profit_pence for s in businesses))
    past_start_up = [
        s
        for s in businesses
        if s.organised_regular_for_profit and s.started_on <= add_months(period_start, -START_UP_MONTHS)
    ]
    person = None
    if health is not None:
        person = health.you if whose[0] == "you" else health.partner
    carer = caring is not None and any(
        c.whose == whose[0] and c.hours_per_week >= CARING_HOURS and c.cared_for_gets_qualifying_benefit
        for c in caring.carers
    )
    return {
        "date_of_birth": born.isoformat(),
        "capability": wca.capability,  # type: ignore[typeddict-item]
        "lcwra_since": _iso(wca.lcwra_since),
        "severe_conditions": wca.severe_conditions,
        "terminally_ill": bool(person and person.terminally_ill),
        "carer": carer,
        "earnings": {"gross": employed + profit, "income_tax": 0, "national_insurance": 0, "pension": 0},
        "self_employed": bool(past_start_up),
        "expected_hours": 35,
        "disability_benefit": any(
            b.kind in DISABILITY_BENEFITS and b.whose == whose[0] for b in income.other_benefits
        ),
    }


def _housing(h: HousingAnswers | None, lha: LhaPayload | None) -> HousingPayload:
    if h is not None and h.tenure in OWNING and h.service_charges is not None and h.service_charges.pence > 0:
        # An owner-occupier's UC meets eligible service charges only (UC Regs 2013 reg 26(3), Sch 5 para
        # 3); a mortgage's interest is a loan outside UC (Support for Mortgage Interest). The benefits
        # service applies Sch 5's earned-income rule and qualifying period (paras 4-7).
        owner: HousingPayload = {
            "tenure": "owner",
            "monthly_rent": 0,
            "service_charges": h.service_charges.monthly,
            "bedrooms": h.bedrooms,
            "lha_rates": None,
        }
        if h.postcode is not None:
            owner["postcode"] = h.postcode  # for the benefit cap's Greater London amounts (reg 80A)
        return owner
    if h is None or h.tenure not in RENTING:
        # Owners without service charges have no housing costs UC meets (a mortgage is a loan, Support
        # for Mortgage Interest), and UC pays no housing costs in temporary accommodation (Housing
        # Benefit does).
        return {"tenure": "none", "monthly_rent": 0, "bedrooms": h.bedrooms if h else 0, "lha_rates": None}
    social = h.tenure == "social_rent" or (
        h.tenure == "shared_ownership"
        and h.landlord is not None
        and h.landlord.kind in ("council", "housing_association")
    )
    tenure: Literal["social", "private"] = "social" if social else "private"
    if tenure == "private" and lha is None and h.postcode is None:
        raise NotReadyToAssess(
            "a private rent needs the home's postcode (or the area's Local Housing Allowance rates)",
            field="housing.postcode",
        )
    rent = (h.rent.monthly if h.rent else 0) + (h.service_charges.monthly if h.service_charges else 0)
    payload: HousingPayload = {
        "tenure": tenure,
        "monthly_rent": rent,
        "bedrooms": h.bedrooms,
        "lha_rates": lha if tenure == "private" else None,
    }
    if h.postcode is not None and (tenure == "social" or lha is None):
        # A private rent's BRMA and LHA rates come from the postcode (issue 13; where the district lies
        # in several the benefits service answers with the BRMAs to choose from, by name), unless a
        # caseworker gave the figures; for a social rent the postcode only tells whether the home is in
        # Greater London, for the benefit cap (reg 80A).
        payload["postcode"] = h.postcode
        if h.brma is not None:
            payload["brma"] = h.brma
    return payload


def period_end_for(first_day: date | None, period_start: date) -> date:
    """The last day of the assessment period beginning on `period_start` of an award whose first day of
    entitlement is `first_day` (UC Regs 2013 reg 21). An award from the 31st has periods beginning on
    each month's last day (28 February 2027 to 30 March 2027); from the 29th or 30th, on that day,
    except February's, which begins on the 27th (28th in a leap year) and ends on the 28th or 29th
    of March. A `period_start` that is not one of the award's period starts (or no award day) is taken
    to be the first day of an award, whose period ends the day before the same day next month."""
    if first_day is not None and period_start >= first_day:
        _n, begins, ends = period_containing(first_day, period_start)
        if begins == period_start:
            return ends
    return assessment_period_end(period_start, 0)


def uc_circumstances(
    claim: Claim,
    *,
    period_start: date,
    partner_date_of_birth: date | None = None,
    wca: dict[Whose, WcaOutcome] | None = None,
    lha_rates: LhaPayload | None = None,
    london: bool = False,
    scottish_taxpayer: bool = False,
    cap_grace_period: bool = False,
) -> UCCircumstancesPayload:
    """The UC household for one assessment period beginning on `period_start`.

    On a joint claim both partners are adults of the couple. Someone who lives with a partner but claims
    alone (UC Regs 2013 reg 3(3)) is assessed as single, with the partner's income counted as theirs
    (regs 18(2) and 22(3)). `assessment_period_end` is the period's last day under UC Regs 2013 reg 21
    for an award whose first day is the claim date: a later period of an award from the 29th to 31st
    does not end a month after its own first day (reg 21(2)-(3A)).
    """
    if claim.claim_type != ClaimType.UNIVERSAL_CREDIT:
        raise ClaimsError("only a Universal Credit claim has a UC household", field="claim_type")
    born = claim.claimant.date_of_birth
    if born is None:
        raise NotReadyToAssess("the claimant's identity is not yet verified", field="claimant.date_of_birth")
    a = claim.answers
    household = a.get("household")
    income = a.get("income")
    health = a.get("health")
    caring = a.get("caring")
    capital = a.get("capital")
    childcare = a.get("childcare")
    housing = a.get("housing")
    household = household if isinstance(household, HouseholdAnswers) else HouseholdAnswers(False)
    income = income if isinstance(income, IncomeAnswers) else IncomeAnswers()
    health = health if isinstance(health, HealthAnswers) else None
    caring = caring if isinstance(caring, CaringAnswers) else None
    outcomes = wca or {}
    couple = claim.joint
    adults = [
        _adult(
            born,
            ("you",) if couple else ("you", "partner"),
            income,
            health,
            caring,
            outcomes.get("you", WcaOutcome()),
            period_start,
        )
    ]
    if couple:
        partner_born = partner_date_of_birth or (
            household.partner.date_of_birth if household.partner else None
        )
        if partner_born is None:
            raise NotReadyToAssess(
                "a joint claim needs the partner's date of birth", field="partner.date_of_birth"
            )
        adults.append(
            _adult(
                partner_born,
                ("partner",),
                income,
                health,
                caring,
                outcomes.get("partner", WcaOutcome()),
                period_start,
            )
        )
    # On a joint claim both partners' benefits count; claiming alone under reg 3(3), the partner's
    # income still counts as the claimant's, so every benefit listed is the household's either way.
    benefits = list(income.other_benefits)
    jsa = sum(b.amount.weekly for b in benefits if b.kind == "new_style_jsa")
    esa = sum(b.amount.weekly for b in benefits if b.kind == "new_style_esa")
    child_benefit = [b.amount.weekly for b in benefits if b.kind == "child_benefit"]
    unearned = sum(p.amount.monthly for p in income.pensions) + sum(
        b.amount.monthly for b in benefits if b.kind in UNEARNED_BENEFITS
    )
    # A young person who turns 20 during the period is not a child for any of it (a change takes effect
    # from the first day of the period it happens in: D&A Regs 2013 Sch 1 para 20); they live on in the
    # home as a non-dependant.
    period_end = period_end_for(claim.claim_date, period_start)
    children = [c for c in household.children if age_on(c.date_of_birth, period_end) < OLDEST_CHILD_AGE]
    aged_out = [c for c in household.children if age_on(c.date_of_birth, period_end) >= OLDEST_CHILD_AGE]
    non_dependants: list[NonDependantPayload] = [
        {"date_of_birth": o.date_of_birth.isoformat(), "exempt": bool(o.gets)}
        for o in household.others
        if o.relationship in NON_DEPENDANTS and age_on(o.date_of_birth, period_start) >= 16
    ]
    non_dependants += [
        NonDependantPayload(date_of_birth=c.date_of_birth.isoformat(), exempt=False) for c in aged_out
    ]
    pays_childcare = isinstance(childcare, ChildcareAnswers) and childcare.pays_for_childcare
    return {
        "assessment_period_start": period_start.isoformat(),
        "assessment_period_end": period_end.isoformat(),
        "couple": couple,
        "adults": adults,
        "children": [_child(c) for c in children],
        "housing": _housing(housing if isinstance(housing, HousingAnswers) else None, lha_rates),
        "non_dependants": non_dependants,
        "childcare_costs": childcare.cost.monthly if pays_childcare and childcare.cost else 0,  # type: ignore[union-attr]
        # Only children count for the childcare element: one who has just aged out is a non-dependant.
        "childcare_children": min(childcare.children_in_childcare, len(children)) if pays_childcare else 0,  # type: ignore[union-attr]
        "capital": capital.total if isinstance(capital, CapitalAnswers) else 0,
        "other_unearned_income": unearned,
        "new_style_jsa_weekly": jsa,
        "new_style_esa_weekly": esa,
        "child_benefit_weekly": sum(child_benefit) if child_benefit else None,
        "other_capped_benefits": sum(b.amount.monthly for b in benefits if b.kind in CAPPED_BENEFITS),
        "london": london,
        "scottish_taxpayer": scottish_taxpayer,
        "gross_estimate": any(adult["earnings"]["gross"] for adult in adults),
        "cap_grace_period": cap_grace_period,
        "severely_sight_impaired": False,
    }


def contributory(
    claim: Claim,
    *,
    week_start: date,
    ni_record: list[NIYearPayload],
    days_paid: int = 0,
    esa_group: str = "assessment",
) -> ContributoryPayload | ESAPayload:
    """The New Style JSA or ESA body for one benefit week, with the NI record HMRC holds."""
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        raise ClaimsError("Universal Credit is assessed as a household", field="claim_type")
    born = claim.claimant.date_of_birth
    if born is None:
        raise NotReadyToAssess("the claimant's identity is not yet verified", field="claimant.date_of_birth")
    if claim.claim_date is None:
        raise NotReadyToAssess("the claim has not been submitted", field="claim_date")
    work = claim.answers.get("income")
    work = work if isinstance(work, WorkIncomeAnswers) else WorkIncomeAnswers()
    body: ContributoryPayload = {
        "date_of_birth": born.isoformat(),
        "claim_date": claim.claim_date.isoformat(),
        "week_start": week_start.isoformat(),
        "ni_record": ni_record,
        "days_paid": days_paid,
        "weekly_earnings": work.earnings.weekly if work.earnings else 0,
        "weekly_hours": work.hours_per_week,
        "weekly_pension": sum(p.weekly for p in work.pensions),
    }
    if claim.claim_type == ClaimType.NEW_STYLE_ESA:
        return {**body, "group": esa_group}  # type: ignore[typeddict-item]
    return body
