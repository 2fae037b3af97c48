"""Universal Credit for one household: circumstances in, award and itemised explanation out.

The arithmetic is the compiled kernel's (`uc_kernel.uc_calc`); this module turns circumstances into
kernel inputs and kernel outputs into an explanation a citizen can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from dwp.benefits.domain import jit
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.explanation import Line
from dwp.benefits.domain.household import (
    CHILD_LIMIT_DATE,
    LCWRA_PROTECTION_DATE,
    MAX_KERNEL_AGE,
    Adult,
    Capability,
    Disability,
    Household,
    Tenure,
    age_on,
    over_state_pension_age,
    validate,
)
from dwp.benefits.domain.rates import Rates, rates_on


@dataclass(frozen=True)
class UCResult:
    tax_year: str
    amounts: dict[str, int]
    """The kernel's outputs by name (`uc_kernel.OUTPUTS`), pence."""
    explanation: list[Line]

    @property
    def award(self) -> int:
        return self.amounts["award"]


def _capability(adult: Adult) -> int:
    if adult.capability == Capability.FIT:
        return k.FIT
    if adult.capability == Capability.LCW:
        return k.LCW
    # Universal Credit Act 2025 s.3: LCWRA from before 6 April 2026, the severe conditions criteria or
    # terminal illness keep the protected rate. Without a date the claimant is taken to be newly
    # assessed, the lower figure, so an estimate never promises more than the law gives.
    protected = (
        adult.severe_conditions
        or adult.terminally_ill
        or (adult.lcwra_since is not None and adult.lcwra_since < LCWRA_PROTECTION_DATE)
    )
    return k.LCWRA_PROTECTED if protected else k.LCWRA_NEW


def _childcare_work_condition(h: Household) -> bool:
    """Reg 32: a single claimant in paid work; a couple both in paid work, or one in work while the other
    cannot care for the children (limited capability for work, or caring for a disabled person)."""
    working = [a.earnings.gross > 0 or a.self_employed for a in h.adults]
    if not h.couple:
        return working[0]
    unable = [a.capability != Capability.FIT or a.carer for a in h.adults]
    return (working[0] and (working[1] or unable[1])) or (working[1] and unable[0])


def same_person_cared_for(h: Household) -> bool:
    """Both joint claimants care for the same severely disabled person: the award has one carer element
    for them (UC Regs 2013 reg 29(2)-(3)), in respect of the one they elect. The engine elects the first
    adult, or the second where only the first has LCWRA (whose carer element reg 29(4) would take)."""
    if not h.couple or not all(a.carer for a in h.adults):
        return False
    first, second = h.adults
    return first.cares_for is not None and first.cares_for == second.cares_for


def to_inputs(h: Household, rates: Rates) -> tuple[dict[str, int], np.ndarray]:
    """Kernel inputs (by `INPUTS` name) and the one-row LHA table for a household."""
    end = h.period_end
    a1 = h.adults[0]
    a2 = h.adults[1] if h.couple else None
    carers = [int(a1.carer), int(a2.carer) if a2 else 0]
    if same_person_cared_for(h):
        # Reg 29(3): one element, for the partner they elect: the one reg 29(4) lets keep it.
        lcwra = [a.capability == Capability.LCWRA for a in h.adults]
        carers[0 if lcwra[0] and not lcwra[1] else 1] = 0
    children = sorted(h.children, key=lambda c: c.date_of_birth)
    pre = sum(1 for c in children if c.date_of_birth < CHILD_LIMIT_DATE)
    # Exceptions matter only for third and later children born on or after 6 April 2017.
    exceptions = sum(
        1
        for i, c in enumerate(children)
        if i >= 2 and c.date_of_birth >= CHILD_LIMIT_DATE and c.limit_exception
    )
    # The children counted by disability and, for the size criteria's pairing, by sex and age, in one
    # pass (one household's calculation is a few tens of microseconds; eight passes were a tenth of it).
    n_lower = n_higher = boys_under_10 = girls_under_10 = boys_10_to_15 = girls_10_to_15 = 0
    for c in children:
        if c.disability == Disability.LOWER:
            n_lower += 1
        elif c.disability == Disability.HIGHER:
            n_higher += 1
        if c.cannot_share_bedroom:
            continue
        a = age_on(c.date_of_birth, end)
        if a < 10:
            if c.sex == "M":
                boys_under_10 += 1
            elif c.sex == "F":
                girls_under_10 += 1
        elif a < 16:
            if c.sex == "M":
                boys_10_to_15 += 1
            elif c.sex == "F":
                girls_10_to_15 += 1
    child_benefit = h.child_benefit_weekly
    if child_benefit is None:
        n = len(children)
        child_benefit = (
            0 if n == 0 else rates["child_benefit.eldest"] + (n - 1) * rates["child_benefit.other"]
        )
    waiver = h.severely_sight_impaired or any(a.disability_benefit for a in h.adults)
    values = {
        "couple": int(h.couple),
        "age1": min(age_on(a1.date_of_birth, end), MAX_KERNEL_AGE),
        "age2": min(age_on(a2.date_of_birth, end), MAX_KERNEL_AGE) if a2 else 0,
        "n_children": len(children),
        "n_born_before_2017": pre,
        "n_limit_exception": exceptions,
        "n_disabled_lower": n_lower,
        "n_disabled_higher": n_higher,
        "capability1": _capability(a1),
        "capability2": _capability(a2) if a2 else k.FIT,
        "carer1": carers[0],
        "carer2": carers[1],
        "childcare_costs": h.childcare_costs,
        "n_childcare_children": h.childcare_children,
        "childcare_work_condition": int(_childcare_work_condition(h)),
        "tenure": {
            Tenure.NONE: k.NO_RENT,
            Tenure.SOCIAL: k.SOCIAL,
            Tenure.PRIVATE: k.PRIVATE,
            Tenure.OWNER: k.OWNER,
        }[h.housing.tenure],
        # The relevant payments: a renter's rent and eligible service charges together (UC Regs 2013
        # Sch 4 para 3), an owner-occupier's service charges alone (Sch 5 para 3).
        "rent": h.housing.monthly_rent + h.housing.service_charges,
        "bedrooms_in_home": h.housing.bedrooms,
        "n_non_dependants": len(h.non_dependants),
        "n_non_dependants_exempt": sum(
            1
            for n in h.non_dependants
            if n.exempt or n.away_on_operations or age_on(n.date_of_birth, end) < 21
        ),
        "non_dependant_waiver": int(waiver),
        # Children who may share are counted by sex and age for pairing (Sch 4 para 10); one who cannot
        # share because of a disability (para 12(6)) is left out of the pairs, so has a room of their own.
        "boys_under_10": boys_under_10,
        "girls_under_10": girls_under_10,
        "boys_10_to_15": boys_10_to_15,
        "girls_10_to_15": girls_10_to_15,
        "lha_area": 0,
        "earnings1": a1.earnings.gross,
        "earnings2": a2.earnings.gross if a2 else 0,
        "tax1": a1.earnings.income_tax,
        "tax2": a2.earnings.income_tax if a2 else 0,
        "ni1": a1.earnings.national_insurance,
        "ni2": a2.earnings.national_insurance if a2 else 0,
        "pension1": a1.earnings.pension,
        "pension2": a2.earnings.pension if a2 else 0,
        "gross_estimate": int(h.gross_estimate),
        "scottish_taxpayer": int(h.scottish_taxpayer),
        "self_employed1": int(a1.self_employed),
        "self_employed2": int(a2.self_employed) if a2 else 0,
        "expected_hours1": a1.expected_hours,
        "expected_hours2": a2.expected_hours if a2 else 0,
        "jsa_weekly": h.new_style_jsa_weekly,
        "esa_weekly": h.new_style_esa_weekly,
        "other_unearned": h.other_unearned_income,
        "capital": h.capital,
        "london": int(h.london),
        # Reg 83(1)(c)-(g): a disability benefit for either adult, or for a child (the disabled child
        # addition rests on the child's DLA, PIP or Child Disability Payment); reg 83(1)(a): ESA with
        # the support component.
        "cap_exempt_benefit": int(
            any(a.disability_benefit for a in h.adults)
            or n_lower + n_higher > 0
            or h.new_style_esa_support_component
        ),
        "cap_grace_period": int(h.cap_grace_period),
        "child_benefit_weekly": child_benefit,
        "other_capped_benefits": h.other_capped_benefits,
        # Sch 4 para 29: only a single renter can be a "specified renter" (para 28), so only the
        # claimant's own ground matters.
        "shared_rate_exempt": int(not h.couple and a1.shared_accommodation_exemption is not None),
        "extra_bedrooms": int(h.overnight_care) + int(h.foster_parent) + int(h.couple_cannot_share),
        "grace_months_left": h.grace_months_left,
        "qualifying_earnings_months": h.qualifying_earnings_months,
        "surplus_earnings": h.surplus_earnings,
        "surplus_months": h.surplus_months,
        "on_award": int(h.on_award),
        "owner_qualifying_months": h.owner_qualifying_months,
    }
    lha = np.array([h.housing.lha_rates], dtype=np.int64)
    return values, lha


_INPUT_NAMES = tuple(name for name, *_ in k.INPUTS)


def run_kernel(values: dict[str, int], lha: np.ndarray, rates: Rates) -> dict[str, int]:
    """Call the kernel for one household (`jit.kernel()`: compiled, or interpreted while the service
    compiles it); outputs by name."""
    if tuple(values) == _INPUT_NAMES:  # to_inputs builds them in order: skip the lookups
        x = np.fromiter(values.values(), dtype=np.int64, count=len(_INPUT_NAMES))
    else:
        x = np.array([values[name] for name in _INPUT_NAMES], dtype=np.int64)
    out = jit.kernel().uc_single(x, lha, rates.vector())
    # Compiled, the kernel's outputs arrive as Python ints already; interpreted, as NumPy int64s.
    if type(out[0]) is int:
        return dict(zip(k.OUTPUTS, out, strict=True))
    return dict(zip(k.OUTPUTS, (int(v) for v in out), strict=True))


def calculate_uc(h: Household, rates: Rates | None = None) -> UCResult:
    """The UC award for the household's assessment period, with its explanation."""
    validate(h)
    rates = rates or rates_on(h.period_start)
    values, lha = to_inputs(h, rates)
    amounts = run_kernel(values, lha, rates)
    return UCResult(rates.tax_year, amounts, explain_household(h, values, amounts))


def explain_household(h: Household, values: dict[str, int], amounts: dict[str, int]) -> list[Line]:
    """The explanation of a household's kernel outputs: `explain`'s lines and the notes that need the
    household itself. One function for `calculate_uc` and the batch route's pages, so the two explain
    an award alike."""
    lines = explain(values, amounts)
    if h.couple and any(over_state_pension_age(a.date_of_birth, h.period_start) for a in h.adults):
        # A mixed-age couple is paid as any joint claimants: the couple's standard allowance, the
        # State Pension counted in full as unearned income, the cap and the size criteria as for
        # anyone (docs/benefits.md lists each rule the pension-age partner touches).
        lines.insert(1, Line("uc.mixed_age_couple", "note", MIXED_AGE_REGULATIONS))
    if h.new_style_esa_support_component:
        disability = (
            any(a.disability_benefit for a in h.adults)
            or values["n_disabled_lower"]
            or (values["n_disabled_higher"])
        )
        if not disability:  # the exemption is the ESA award's, not a disability benefit's
            lines = [
                replace(line, key="uc.cap.exempt_esa_support", regulation="UC Regs 2013 reg 83(1)(a)")
                if line.key == "uc.cap.exempt_benefit"
                else line
                for line in lines
            ]
    if same_person_cared_for(h):
        lines.append(Line("uc.carer_same_person", "note", "UC Regs 2013 reg 29(2)-(3)"))
        lines.append(lines.pop(-2))  # the award stays the last line
    return lines


def calculate_claim(periods: Sequence[Household], rates: Sequence[Rates] | None = None) -> list[UCResult]:
    """A claim as a run of assessment periods: each period's carried state (`uc_kernel.CARRIED`) is
    the previous period's result; the first period's is what its household says. The same kernel as
    `calculate_uc` and `calculate_batch`, one period at a time (decision 5)."""
    results: list[UCResult] = []
    for n, h in enumerate(periods):
        if results:
            carried = {name: results[-1].amounts[name] for name in k.CARRIED}
            h = replace(h, **carried)  # type: ignore[arg-type]
        results.append(calculate_uc(h, rates[n] if rates is not None else None))
    return results


MIXED_AGE_REGULATIONS = (
    "UC Regs 2013 reg 3(2)(a) (joint claim), reg 36 (couple rate), regs 66(1)(a) and 67 (State Pension "
    "as unearned income), reg 83 (no exemption from the cap for age); SI 2019/37 arts 3-4"
)


def explain(v: dict[str, int], a: dict[str, int]) -> list[Line]:
    """Lines in the order the regulations build the award."""
    f = a["flags"]
    lines: list[Line] = []
    if v["couple"]:
        sa = "couple_25" if max(v["age1"], v["age2"]) >= 25 else "couple_under_25"
    else:
        sa = "single_25" if v["age1"] >= 25 else "single_under_25"
    lines.append(
        Line(f"uc.standard_allowance.{sa}", "element", "UC Regs 2013 reg 36", a["standard_allowance"])
    )
    if v["n_children"]:
        lines.append(
            Line(
                "uc.child_element",
                "element",
                "UC Regs 2013 reg 24 and 36",
                a["child_element"],
                {"counted": a["children_counted"], "children": v["n_children"]},
            )
        )
        if f & k.F_CHILD_LIMIT:
            lines.append(
                Line(
                    "uc.child_limit",
                    "note",
                    "UC Regs 2013 reg 24A and 24B",
                    None,
                    {"not_counted": v["n_children"] - a["children_counted"]},
                )
            )
    if a["disabled_child_addition"]:
        lines.append(
            Line("uc.disabled_child", "element", "UC Regs 2013 reg 24(2)", a["disabled_child_addition"])
        )
    if a["lcwra_element"]:
        protected = v["capability1"] == k.LCWRA_PROTECTED or v["capability2"] == k.LCWRA_PROTECTED
        key = "uc.lcwra.protected" if protected else "uc.lcwra.new_claimant"
        lines.append(
            Line(key, "element", "UC Regs 2013 reg 27; Universal Credit Act 2025 ss.2-3", a["lcwra_element"])
        )
    if a["carer_element"]:
        lines.append(Line("uc.carer", "element", "UC Regs 2013 reg 29", a["carer_element"]))
    if f & k.F_LCWRA_NOT_CARER:
        lines.append(Line("uc.lcwra_not_carer", "note", "UC Regs 2013 reg 29(4)"))
    if a["childcare_element"]:
        lines.append(
            Line(
                "uc.childcare",
                "element",
                "UC Regs 2013 reg 31-34",
                a["childcare_element"],
                {"costs_pence": v["childcare_costs"]},
            )
        )
        if f & k.F_CHILDCARE_CAPPED:
            lines.append(Line("uc.childcare_capped", "note", "UC Regs 2013 reg 34(2)"))
    if v["tenure"] != k.NO_RENT:
        lines.extend(_housing_lines(v, a, f))
    lines.append(Line("uc.maximum_amount", "result", "UC Regs 2013 reg 23", a["maximum_amount"]))
    lines.extend(_income_lines(v, a, f))
    lines.append(Line("uc.award", "result", "UC Regs 2013 reg 22 and reg 6 (rounding)", a["award"]))
    return lines


def _housing_lines(v: dict[str, int], a: dict[str, int], f: int) -> list[Line]:
    lines: list[Line] = []
    params: dict[str, str | int] = {"rent_pence": v["rent"], "bedrooms": a["bedrooms"]}
    if v["tenure"] == k.PRIVATE:
        key = "uc.housing.private_shared" if f & k.F_SHARED_RATE else "uc.housing.private"
        if f & k.F_LHA_CAPPED:
            key += "_capped"
        reg = "UC Regs 2013 Schedule 4 paras 8-12 and 22-25 (LHA, size criteria)"
        if f & k.F_SHARED_RATE_EXEMPT:
            lines.append(Line("uc.housing.shared_rate_exempt", "note", "UC Regs 2013 Schedule 4 paras 27-29"))
    elif v["tenure"] == k.OWNER:
        # Sch 5: the service charges are met in full, or not at all this period (paras 4-5).
        params = {"service_charges_pence": v["rent"]}
        lines.append(
            Line(
                "uc.housing.owner_service_charges",
                "element",
                "UC Regs 2013 reg 26(3), Schedule 5 paras 3, 8-9 and 13; Schedule 1 paras 7-8",
                a["housing_element"],
                params,
            )
        )
        if f & k.F_OWNER_EARNED_INCOME:
            lines.append(Line("uc.housing.owner_earned_income", "note", "UC Regs 2013 Schedule 5 para 4"))
        if f & k.F_OWNER_QUALIFYING:
            served = v["owner_qualifying_months"]
            lines.append(
                Line(
                    "uc.housing.owner_qualifying_period",
                    "note",
                    "UC Regs 2013 Schedule 5 paras 5-7",
                    None,
                    {"served": served},
                )
            )
        return lines
    else:
        key = "uc.housing.social"
        if f & k.F_UNDER_OCCUPIED:
            key += "_under_occupied"
            params["percent"] = 25 if f & k.F_UNDER_OCCUPIED_2 else 14
        reg = "UC Regs 2013 Schedule 4 paras 8-12 and 36 (size criteria)"
    lines.append(Line(key, "element", reg, a["eligible_rent"], params))
    if a["non_dependant_contributions"]:
        lines.append(
            Line(
                "uc.non_dependants",
                "deduction",
                "UC Regs 2013 Schedule 4 paras 13-16",
                a["non_dependant_contributions"],
                {"liable": v["n_non_dependants"] - v["n_non_dependants_exempt"]},
            )
        )
    if f & k.F_NON_DEP_WAIVED:
        lines.append(Line("uc.non_dependants_waived", "note", "UC Regs 2013 Schedule 4 para 15"))
    return lines


def _income_lines(v: dict[str, int], a: dict[str, int], f: int) -> list[Line]:
    lines: list[Line] = []
    if a["earned_income"]:
        key = "uc.earned_income_estimate" if f & k.F_GROSS_ESTIMATE else "uc.earned_income"
        params: dict[str, str | int] = {"tax_pence": a["tax"], "ni_pence": a["national_insurance"]}
        lines.append(Line(key, "note", "UC Regs 2013 reg 55 and 61", a["earned_income"], params))
    if f & k.F_SURPLUS_EARNINGS:
        lines.append(
            Line(
                "uc.surplus_earnings",
                "note",
                "UC Regs 2013 reg 54A",
                None,
                {"surplus_pence": v["surplus_earnings"]},
            )
        )
    if f & (k.F_MIF1 | k.F_MIF2):
        lines.append(Line("uc.minimum_income_floor", "note", "UC Regs 2013 reg 62 and 90"))
    if f & k.F_WORK_ALLOWANCE:
        lines.append(Line("uc.work_allowance", "note", "UC Regs 2013 reg 22(2)-(3)", a["work_allowance"]))
    if a["earnings_deduction"]:
        lines.append(
            Line("uc.earnings_deduction", "deduction", "UC Regs 2013 reg 22(1)(b)", a["earnings_deduction"])
        )
    if a["unearned_income"]:
        lines.append(
            Line("uc.unearned_income", "deduction", "UC Regs 2013 reg 66 and 73", a["unearned_income"])
        )
    if f & k.F_CAPITAL_OVER_LIMIT:
        lines.append(
            Line(
                "uc.capital_over_limit", "note", "UC Regs 2013 reg 18", None, {"capital_pence": v["capital"]}
            )
        )
    elif a["tariff_income"]:
        lines.append(
            Line(
                "uc.tariff_income",
                "deduction",
                "UC Regs 2013 reg 72",
                a["tariff_income"],
                {"capital_pence": v["capital"]},
            )
        )
    cap_note = {
        k.F_CAP_EXEMPT_ELEMENT: "uc.cap.exempt_element",
        k.F_CAP_EXEMPT_BENEFIT: "uc.cap.exempt_benefit",
        k.F_CAP_EXEMPT_EARNINGS: "uc.cap.exempt_earnings",
        k.F_CAP_GRACE: "uc.cap.grace_period",
    }
    for bit, key in cap_note.items():
        if f & bit:
            lines.append(Line(key, "note", "UC Regs 2013 reg 82 and 83"))
    if a["cap_reduction"]:
        lines.append(
            Line(
                "uc.cap.reduction",
                "deduction",
                "UC Regs 2013 reg 80A and 81",
                a["cap_reduction"],
                {"cap_pence": a["cap_level"], "other_pence": a["other_capped_benefits"]},
            )
        )
    return lines
