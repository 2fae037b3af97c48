"""The Universal Credit calculation for one assessment period, written once as a compiled scalar kernel.

`uc_calc` is the only place the UC rules live. The single-household path (`uc_single`, used by
`dwp.benefits.domain.uc`) and the batch engine (`uc_batch`, a parallel loop over columns) both call it,
so the two can never disagree; they differ only in how inputs arrive and results leave.

Conventions: money is integer pence (int64 inside the kernel whatever the column width outside);
percentages are basis points; rounding follows UC Regs 2013 reg 6 (a fraction of a penny of a half or
more counts as a penny) except income tax and NI, which HMRC rounds its own way.
Inputs, in order, are `INPUTS`; outputs, in order, are `OUTPUTS`. A test checks the kernel's
signature against `INPUTS` so the lists cannot drift apart.
"""

from __future__ import annotations

# The kernel mixes Python ints and NumPy int64 scalars, which numba unifies to int64 but mypy cannot:
# these error codes are off for this module only.
# mypy: disable-error-code="assignment,operator,return-value,arg-type,call-arg"
import numpy as np

from dwp.benefits.domain import params as K
from dwp.benefits.domain.jit import interpreted, njit

if interpreted():  # dwp.benefits.domain.jit: the same source, run by Python for one household
    prange = range
else:
    from numba import prange

# (name, batch dtype, lowest, highest) for each kernel input, in the kernel's argument order.
INPUTS: tuple[tuple[str, str, int, int], ...] = (
    ("couple", "int8", 0, 1),
    ("age1", "int8", 16, 120),
    ("age2", "int8", 0, 120),
    ("n_children", "int8", 0, 20),
    ("n_born_before_2017", "int8", 0, 20),
    ("n_limit_exception", "int8", 0, 20),
    ("n_disabled_lower", "int8", 0, 20),
    ("n_disabled_higher", "int8", 0, 20),
    ("capability1", "int8", 0, 3),
    ("capability2", "int8", 0, 3),
    ("carer1", "int8", 0, 1),
    ("carer2", "int8", 0, 1),
    ("childcare_costs", "int32", 0, 10_000_000),
    ("n_childcare_children", "int8", 0, 20),
    ("childcare_work_condition", "int8", 0, 1),
    ("tenure", "int8", 0, 3),
    ("rent", "int32", 0, 10_000_000),
    ("bedrooms_in_home", "int8", 0, 20),
    ("n_non_dependants", "int8", 0, 20),
    ("n_non_dependants_exempt", "int8", 0, 20),
    ("non_dependant_waiver", "int8", 0, 1),
    ("boys_under_10", "int8", 0, 20),
    ("girls_under_10", "int8", 0, 20),
    ("boys_10_to_15", "int8", 0, 20),
    ("girls_10_to_15", "int8", 0, 20),
    ("lha_area", "int16", 0, 32_000),
    ("earnings1", "int32", 0, 100_000_000),
    ("earnings2", "int32", 0, 100_000_000),
    ("tax1", "int32", 0, 100_000_000),
    ("tax2", "int32", 0, 100_000_000),
    ("ni1", "int32", 0, 100_000_000),
    ("ni2", "int32", 0, 100_000_000),
    ("pension1", "int32", 0, 100_000_000),
    ("pension2", "int32", 0, 100_000_000),
    ("gross_estimate", "int8", 0, 1),
    ("scottish_taxpayer", "int8", 0, 1),
    ("self_employed1", "int8", 0, 1),
    ("self_employed2", "int8", 0, 1),
    ("expected_hours1", "int8", 0, 100),
    ("expected_hours2", "int8", 0, 100),
    ("jsa_weekly", "int32", 0, 10_000_000),
    ("esa_weekly", "int32", 0, 10_000_000),
    ("other_unearned", "int32", 0, 100_000_000),
    ("capital", "int32", 0, 2_000_000_000),
    ("london", "int8", 0, 1),
    ("cap_exempt_benefit", "int8", 0, 1),
    ("cap_grace_period", "int8", 0, 1),
    ("child_benefit_weekly", "int32", 0, 10_000_000),
    ("other_capped_benefits", "int32", 0, 100_000_000),
    ("shared_rate_exempt", "int8", 0, 1),
    ("extra_bedrooms", "int8", 0, 3),
    ("grace_months_left", "int8", 0, 9),
    ("qualifying_earnings_months", "int8", 0, 12),
    ("surplus_earnings", "int32", 0, 1_000_000_000),
    ("surplus_months", "int8", 0, 6),
    ("on_award", "int8", 0, 1),
    ("owner_qualifying_months", "int8", 0, 9),
)
OPTIONAL_INPUTS = frozenset(
    {
        "shared_rate_exempt",
        "extra_bedrooms",
        "grace_months_left",
        "qualifying_earnings_months",
        "surplus_earnings",
        "surplus_months",
        "on_award",
        "owner_qualifying_months",
    }
)
CARRIED: tuple[str, ...] = (
    "grace_months_left",
    "qualifying_earnings_months",
    "surplus_earnings",
    "surplus_months",
    "on_award",
    "owner_qualifying_months",
)
"""What the law carries from one assessment period to the next: each is an input and, with the same
name, an output (the state after the period), so a period's outputs feed the next period's inputs."""
"""Inputs added after batch files were first written: a file without the column means 0 for each row."""
IN = {name: i for i, (name, *_rest) in enumerate(INPUTS)}

Rates = tuple[int, ...]
"""The rates vector as `uc_calc` takes it: a tuple of `len(params.PARAMS)` scalars in `params` order (a
tuple, not an array, so that a call costs no reference counting: `uc_batch`)."""
LhaRow = tuple[int, int, int, int, int]
"""The household's area's monthly LHA rates: shared accommodation, then 1 to 4 bedrooms."""
N_RATES = 61
"""The rates tuple's length, written out in `uc_single` and `uc_batch` (a test holds it to `params`)."""

# Capability for work of an adult (inputs capability1/2).
FIT, LCW, LCWRA_PROTECTED, LCWRA_NEW = 0, 1, 2, 3
# Tenure (input tenure). OWNER: an owner-occupier, whose relevant payments are service charges only
# (UC Regs 2013 reg 26(3) and Sch 5); the input `rent` then holds the monthly service charges.
NO_RENT, SOCIAL, PRIVATE, OWNER = 0, 1, 2, 3

OUTPUTS: tuple[str, ...] = (
    "standard_allowance",
    "child_element",
    "disabled_child_addition",
    "lcwra_element",
    "carer_element",
    "childcare_element",
    "eligible_rent",
    "non_dependant_contributions",
    "housing_element",
    "maximum_amount",
    "earned_income",
    "work_allowance",
    "earnings_deduction",
    "unearned_income",
    "tariff_income",
    "award_before_cap",
    "cap_level",
    "other_capped_benefits",
    "cap_reduction",
    "award",
    "flags",
    "children_counted",
    "bedrooms",
    "tax",
    "national_insurance",
    "grace_months_left",
    "qualifying_earnings_months",
    "surplus_earnings",
    "surplus_months",
    "on_award",
    "owner_qualifying_months",
)
OUT = {name: i for i, name in enumerate(OUTPUTS)}
N_OUT = len(OUTPUTS)

# Bits of the `flags` output: which rules fired, for the explanation.
F_CAPITAL_OVER_LIMIT = 1
F_CHILD_LIMIT = 2
F_CAP_APPLIED = 4
F_CAP_EXEMPT_EARNINGS = 8
F_CAP_EXEMPT_ELEMENT = 16
F_CAP_EXEMPT_BENEFIT = 32
F_CAP_GRACE = 64
F_MIF1 = 128
F_MIF2 = 256
F_LHA_CAPPED = 512
F_SHARED_RATE = 1024
F_UNDER_OCCUPIED = 2048
F_NON_DEP_WAIVED = 4096
F_WORK_ALLOWANCE = 8192
F_GROSS_ESTIMATE = 16384
F_CHILDCARE_CAPPED = 32768
F_LCWRA_NOT_CARER = 65536
F_UNDER_OCCUPIED_2 = 131072
F_SHARED_RATE_EXEMPT = 262144
F_SURPLUS_EARNINGS = 524288
F_OWNER_EARNED_INCOME = 1048576
F_OWNER_QUALIFYING = 2097152


@njit(cache=True, nogil=True, error_model="numpy")
def round_half_up(num: int, den: int) -> int:
    """num / den to the nearest penny, a half counting as a penny (UC Regs 2013 reg 6); num >= 0."""
    return (2 * num + den) // (2 * den)


@njit(cache=True, nogil=True, error_model="numpy")
def _round_half_down(num: int, den: int) -> int:
    # HMRC's exact percentage method for NI rounds to the nearest penny, a half penny down.
    return (2 * num + den - 1) // (2 * den)


@njit(cache=True, nogil=True, error_model="numpy")
def annual_income_tax(income: int, scottish: int, r: Rates) -> int:
    """Income tax on an annual income (pence), rest-of-UK or Scottish bands, floored to the penny."""
    allowance = r[K.PA]
    if income > r[K.PA_TAPER]:
        allowance = max(0, allowance - (income - r[K.PA_TAPER]) // 2)
    taxable = max(0, income - allowance)
    acc = 0
    if scottish:
        lower = 0
        limits = (
            r[K.SCO_STARTER_BAND],
            r[K.SCO_BASIC_BAND],
            r[K.SCO_INTERMEDIATE_BAND],
            r[K.SCO_HIGHER_BAND],
            r[K.SCO_ADVANCED_BAND],
        )
        rates = (
            r[K.SCO_STARTER],
            r[K.SCO_BASIC],
            r[K.SCO_INTERMEDIATE],
            r[K.SCO_HIGHER],
            r[K.SCO_ADVANCED],
        )
        for k in range(5):
            if taxable > lower:
                acc += (min(taxable, limits[k]) - lower) * rates[k]
            lower = limits[k]
        if taxable > lower:
            acc += (taxable - lower) * r[K.SCO_TOP]
    else:
        basic = r[K.RUK_BASIC_BAND]
        higher = r[K.RUK_HIGHER_BAND]
        acc += min(taxable, basic) * r[K.RUK_BASIC]
        if taxable > basic:
            acc += (min(taxable, higher) - basic) * r[K.RUK_HIGHER]
        if taxable > higher:
            acc += (taxable - higher) * r[K.RUK_ADDITIONAL]
    return acc // 10000


@njit(cache=True, nogil=True, error_model="numpy")
def monthly_income_tax(monthly: int, scottish: int, r: Rates) -> int:
    # An estimate: tax on the month's pay as if every month were the same (RTI gives the real figure).
    return annual_income_tax(monthly * 12, scottish, r) // 12


@njit(cache=True, nogil=True, error_model="numpy")
def monthly_class1(monthly: int, r: Rates) -> int:
    """Employee Class 1 NI on a month's pay, with HMRC's monthly thresholds."""
    main = max(0, min(monthly, r[K.NI_UEL_M]) - r[K.NI_PT_M]) * r[K.NI_MAIN]
    upper = max(0, monthly - r[K.NI_UEL_M]) * r[K.NI_UPPER]
    return _round_half_down(main + upper, 10000)


@njit(cache=True, nogil=True, error_model="numpy")
def monthly_class4(monthly: int, r: Rates) -> int:
    """Class 4 NI on a month's self-employed profit, taken as a twelfth of the annual charge."""
    annual = monthly * 12
    main = max(0, min(annual, r[K.C4_UPL]) - r[K.C4_LPL]) * r[K.C4_MAIN]
    upper = max(0, annual - r[K.C4_UPL]) * r[K.C4_UPPER]
    return (main + upper) // 10000 // 12


@njit(cache=True, nogil=True, error_model="numpy")
def minimum_income_floor(hours: int, scottish: int, r: Rates) -> int:
    """UC Regs 2013 reg 62 and 90: expected hours at the National Living Wage x 52 / 12, less notional
    income tax and Class 4 NI on that amount."""
    threshold = round_half_up(hours * r[K.NLW] * 52, 12)
    return threshold - monthly_income_tax(threshold, scottish, r) - monthly_class4(threshold, r)


@njit(cache=True, nogil=True, error_model="numpy")
def weekly_to_monthly(weekly: int) -> int:
    """UC Regs 2013 reg 73(2): a weekly amount x 52 / 12."""
    return round_half_up(weekly * 52, 12)


@njit(cache=True, nogil=True, error_model="numpy")
def _net_earnings(
    earnings: int, tax: int, ni: int, pension: int, gross_estimate: int, scottish: int, se: int, r: Rates
) -> tuple[int, int, int]:
    # UC Regs 2013 reg 55(5) and 57: earnings count after income tax, NI and pension contributions.
    if gross_estimate:
        tax = monthly_income_tax(max(0, earnings - pension), scottish, r)
        ni = monthly_class4(earnings, r) if se else monthly_class1(earnings, r)
    return max(0, earnings - tax - ni - pension), tax, ni


# Inlined where it is called: called, its 59 arguments (and 31 results) went through the stack for every
# household of a batch, a sixth of the batch's time at 8M. Its inputs come as one tuple because Python
# compiles a call of more than 30 arguments as `f(*args)`, which numba's inliner refuses.
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def uc_calc(
    x: tuple[int, ...],
    lha: LhaRow,
    r: Rates,
) -> tuple[
    int, int, int, int, int, int, int, int, int, int, int, int, int, int, int,
    int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int,
]:  # fmt: skip
    """One household's UC for one assessment period (`x`: its inputs in `INPUTS` order): the itemised
    amounts in `OUTPUTS` order."""
    (
        couple,
        age1,
        age2,
        n_children,
        n_born_before_2017,
        n_limit_exception,
        n_disabled_lower,
        n_disabled_higher,
        capability1,
        capability2,
        carer1,
        carer2,
        childcare_costs,
        n_childcare_children,
        childcare_work_condition,
        tenure,
        rent,
        bedrooms_in_home,
        n_non_dependants,
        n_non_dependants_exempt,
        non_dependant_waiver,
        boys_under_10,
        girls_under_10,
        boys_10_to_15,
        girls_10_to_15,
        _lha_area,  # its row of the LHA table arrives as `lha`
        earnings1,
        earnings2,
        tax1,
        tax2,
        ni1,
        ni2,
        pension1,
        pension2,
        gross_estimate,
        scottish_taxpayer,
        self_employed1,
        self_employed2,
        expected_hours1,
        expected_hours2,
        jsa_weekly,
        esa_weekly,
        other_unearned,
        capital,
        london,
        cap_exempt_benefit,
        cap_grace_period,
        child_benefit_weekly,
        other_capped_benefits,
        shared_rate_exempt,
        extra_bedrooms,
        grace_months_left,
        qualifying_earnings_months,
        surplus_earnings,
        surplus_months,
        on_award,
        owner_qualifying_months,
    ) = x
    flags = 0
    couple = np.int64(couple)
    n_children = np.int64(n_children)

    # Standard allowance (UC Regs 2013 reg 36): couples get the higher rate if either is 25 or over,
    # a mixed-age couple (one partner over State Pension age, reg 3(2)(a)) included: UC has no
    # pension-age amount, so the older partner's age matters here only as "25 or over".
    if couple:
        standard = r[K.SA_COUPLE_25] if age1 >= 25 or age2 >= 25 else r[K.SA_COUPLE_U25]
    elif age1 >= 25:
        standard = r[K.SA_SINGLE_25]
    else:
        standard = r[K.SA_SINGLE_U25]

    # Child element (reg 24, 24A): children born before 6 April 2017 always count; later-born children
    # count while the family has fewer than the limit, and beyond it only with a reg 24B exception.
    limit = r[K.CHILD_LIMIT]
    pre = min(np.int64(n_born_before_2017), n_children)
    post = n_children - pre
    if limit > 0:
        within = min(post, max(np.int64(0), limit - pre))
        counted = pre + within + min(np.int64(n_limit_exception), post - within)
    else:
        counted = n_children
    if counted < n_children:
        flags |= F_CHILD_LIMIT
    if counted > 0 and pre > 0:
        child = r[K.CHILD_FIRST] + (counted - 1) * r[K.CHILD_OTHER]
    else:
        child = counted * r[K.CHILD_OTHER]
    # Disabled child additions are paid for every disabled child, the child limit aside (reg 24(2)).
    disabled = n_disabled_lower * r[K.DIS_LOWER] + n_disabled_higher * r[K.DIS_HIGHER]

    # LCWRA element (reg 27, 28; UC Act 2025 ss.2-3): one per award; the protected rate wins.
    c2 = np.int64(capability2) if couple else np.int64(0)
    if capability1 == LCWRA_PROTECTED or c2 == LCWRA_PROTECTED:
        lcwra = r[K.LCWRA_PROTECTED]
    elif capability1 == LCWRA_NEW or c2 == LCWRA_NEW:
        lcwra = r[K.LCWRA_NEW]
    else:
        lcwra = np.int64(0)
    # Carer element (reg 29(1)-(2)): one for each joint claimant who cares (two caring for the same
    # person arrive as one carer: reg 29(3), settled in `uc.to_inputs`). Reg 29(4) as amended by SI
    # 2017/204: a carer with LCWRA gets only the LCWRA element "in respect of" them, unless the award's
    # one LCWRA element is included in respect of the other joint claimant. So where both partners
    # have LCWRA the element is attributed to a partner who does not care (when there is one), and the
    # carer keeps the carer element; only where both care, or the carer alone has LCWRA, is one lost.
    l1 = capability1 >= LCWRA_PROTECTED
    l2 = c2 >= LCWRA_PROTECTED
    k2 = np.int64(carer2) if couple else np.int64(0)
    n_carers = np.int64(carer1) + k2
    if l1 and l2:
        blocked = np.int64(1) if carer1 and k2 else np.int64(0)
    else:
        blocked = np.int64(1) if (l1 and carer1) or (l2 and k2) else np.int64(0)
    if blocked:
        flags |= F_LCWRA_NOT_CARER
    carer = (n_carers - blocked) * r[K.CARER]

    # Childcare costs element (reg 31-34): 85% of charges, capped by the number of children.
    childcare = np.int64(0)
    if childcare_work_condition and n_children > 0 and childcare_costs > 0:
        childcare = round_half_up(np.int64(childcare_costs) * r[K.CC_SHARE_BP], 10000)
        cap = r[K.CC_MAX_2] if n_childcare_children >= 2 else r[K.CC_MAX_1]
        if childcare > cap:
            childcare = cap
            flags |= F_CHILDCARE_CAPPED

    # Bedroom entitlement under the size criteria (Schedule 4 para 10-12): one room for the claimant or
    # couple, one per non-dependant, one per young person 16 or over, and children under 16 paired where
    # they may share (same sex, or both under 10).
    boys = np.int64(boys_under_10) + boys_10_to_15
    girls = np.int64(girls_under_10) + girls_10_to_15
    pairs = boys // 2 + girls // 2
    if boys % 2 == 1 and girls % 2 == 1 and boys_under_10 > 0 and girls_under_10 > 0:
        pairs += 1
    older = max(np.int64(0), n_children - boys - girls)
    # Para 12: an additional bedroom for each condition met (overnight care, foster parent, a couple
    # who cannot share); a disabled child who cannot share arrives outside the pairing counts.
    bedrooms = 1 + np.int64(n_non_dependants) + boys + girls - pairs + older + extra_bedrooms

    # Housing costs element (Schedule 4): private rent limited to the LHA rate for the entitlement
    # (shared accommodation rate for a single renter under 35 with nobody else, paras 27-28, unless an
    # excepted person under para 29: then the one-bedroom rate); social rent reduced for
    # under-occupation; then non-dependant contributions.
    eligible_rent = np.int64(0)
    if tenure == PRIVATE:
        specified = couple == 0 and n_children == 0 and n_non_dependants == 0 and age1 < r[K.SHARED_AGE]
        if specified and shared_rate_exempt:
            flags |= F_SHARED_RATE_EXEMPT
        if specified and not shared_rate_exempt:
            category = 0
            flags |= F_SHARED_RATE
        else:
            category = min(bedrooms, 4)
        # A select chain, not `lha[category]`: a tuple indexed at run time is copied to the stack and
        # read back for every household.
        lha_rate = lha[4]
        if category == 0:
            lha_rate = lha[0]
        elif category == 1:
            lha_rate = lha[1]
        elif category == 2:
            lha_rate = lha[2]
        elif category == 3:
            lha_rate = lha[3]
        eligible_rent = min(np.int64(rent), lha_rate)
        if rent > lha_rate:
            flags |= F_LHA_CAPPED
    elif tenure == SOCIAL:
        extra = np.int64(bedrooms_in_home) - bedrooms
        reduction = np.int64(0)
        if extra >= 2:
            reduction = round_half_up(np.int64(rent) * r[K.UNDEROCC_2_BP], 10000)
            flags |= F_UNDER_OCCUPIED | F_UNDER_OCCUPIED_2
        elif extra == 1:
            reduction = round_half_up(np.int64(rent) * r[K.UNDEROCC_1_BP], 10000)
            flags |= F_UNDER_OCCUPIED
        eligible_rent = rent - reduction
    elif tenure == OWNER:
        # Owner-occupiers (reg 26(3), Sch 5): the only relevant payments are service charge payments
        # (Sch 5 para 3; Sch 1 paras 7-8), met in full (Sch 5 paras 8-9 and 13): no LHA, no size
        # criteria, no under-occupation deduction. Whether they are met this period (paras 4-5) needs
        # the earned income, below.
        eligible_rent = np.int64(rent)
    contributions = np.int64(0)
    # Housing cost contributions are a renter's (Sch 4 Part 5, paras 13-16): Sch 5 has none, so an
    # owner-occupier's non-dependants take nothing off the service charges.
    if tenure in (SOCIAL, PRIVATE):
        if non_dependant_waiver:
            if n_non_dependants > 0:
                flags |= F_NON_DEP_WAIVED
        else:
            liable = max(np.int64(0), np.int64(n_non_dependants) - n_non_dependants_exempt)
            contributions = min(liable * r[K.NONDEP], eligible_rent)
    housing = eligible_rent - contributions

    # Earned income (reg 55, 57, 62): net of tax, NI and pension, employment and self-employment
    # together; the minimum income floor for the gainfully self-employed after any start-up period.
    if gross_estimate:
        flags |= F_GROSS_ESTIMATE
    net1, t1, n1 = _net_earnings(
        earnings1, tax1, ni1, pension1, gross_estimate, scottish_taxpayer, self_employed1, r
    )
    net2 = np.int64(0)
    t2 = np.int64(0)
    n2 = np.int64(0)
    if couple:
        net2, t2, n2 = _net_earnings(
            earnings2, tax2, ni2, pension2, gross_estimate, scottish_taxpayer, self_employed2, r
        )
    # Surplus earnings (reg 54A(2)): carried from the old award's final assessment period, treated as
    # earned income of a new claim made within 6 months of its end (`surplus_months` 1 to 6 counts the
    # months since; 0 means none). Reg 82(4): for the cap's earnings rules, earned income is what was
    # earned (the surplus being earned income), not the floor.
    surplus_in = np.int64(surplus_earnings) if surplus_months > 0 else np.int64(0)
    if surplus_in > 0:
        flags |= F_SURPLUS_EARNINGS
    actual_earned = net1 + net2 + surplus_in
    if couple and (self_employed1 or self_employed2):
        # Reg 62(3): the floor is the self-employed partner's alone, and only while the couple's
        # combined earned income is under the couple threshold (the sum of their individual
        # thresholds, reg 90(3)(a), net under reg 62(4)); it is then their individual threshold less
        # whatever that plus the other partner's earned income would exceed the couple threshold by.
        # Each partner's floor is worked from the other's actual earnings.
        floor1 = minimum_income_floor(np.int64(expected_hours1), scottish_taxpayer, r)
        floor2 = minimum_income_floor(np.int64(expected_hours2), scottish_taxpayer, r)
        couple_threshold = floor1 + floor2
        below = net1 + net2 < couple_threshold
        adjusted1 = net1
        adjusted2 = net2
        if self_employed1 and below and net1 < floor1:
            adjusted1 = floor1 - max(np.int64(0), floor1 + net2 - couple_threshold)
            flags |= F_MIF1
        if self_employed2 and below and net2 < floor2:
            adjusted2 = floor2 - max(np.int64(0), floor2 + net1 - couple_threshold)
            flags |= F_MIF2
        net1 = adjusted1
        net2 = adjusted2
    elif self_employed1:
        # Reg 62(2): a single claimant's earned income is treated as no less than their threshold.
        floor1 = minimum_income_floor(np.int64(expected_hours1), scottish_taxpayer, r)
        if net1 < floor1:
            net1 = floor1
            flags |= F_MIF1
    earned = net1 + net2 + surplus_in

    # Owner-occupiers' service charges (Sch 5 Parts 2-3). Para 4: no housing costs element under Sch 5
    # in an assessment period in which the owner-occupier, or either member of the couple, has any
    # earned income, whatever its amount (the minimum income floor and surplus earnings are earned
    # income too, regs 54A(2) and 62). Paras 5-7: none until the period after a qualifying period of
    # 9 consecutive assessment periods of UC that would have included it but for para 5; earned income
    # or the end of entitlement starts it again (para 5(3)): `owner_qualifying_months` counts the
    # periods served before this one (9, `uc.housing.owner_occupier_qualifying_periods` = served) and is
    # carried to the next.
    owner_counts = False
    if tenure == OWNER and eligible_rent > 0:
        any_earned = earned > 0 or earnings1 > 0 or (couple != 0 and earnings2 > 0)
        if any_earned:
            housing = np.int64(0)
            flags |= F_OWNER_EARNED_INCOME
        else:
            owner_counts = True
            if owner_qualifying_months < r[K.OWNER_QUALIFYING_PERIODS]:
                housing = np.int64(0)
                flags |= F_OWNER_QUALIFYING

    maximum = standard + child + disabled + lcwra + carer + childcare + housing

    # Work allowance (reg 22(2)-(3)): only with a child or limited capability for work; the lower
    # amount when the award includes housing costs.
    work_allowance = np.int64(0)
    if n_children > 0 or capability1 != FIT or c2 != FIT:
        flags |= F_WORK_ALLOWANCE
        work_allowance = r[K.WA_HOUSING] if housing > 0 else r[K.WA_NO_HOUSING]
    earnings_deduction = round_half_up(max(np.int64(0), earned - work_allowance) * r[K.TAPER_BP], 10000)

    # Unearned income (reg 66, 73): New Style JSA and ESA (weekly x 52 / 12) and other income, in full.
    jsa_m = weekly_to_monthly(np.int64(jsa_weekly))
    esa_m = weekly_to_monthly(np.int64(esa_weekly))
    unearned = jsa_m + esa_m + other_unearned

    # Capital (reg 18, 72): nothing above the upper limit; tariff income of £4.35 for each £250 or part.
    tariff = np.int64(0)
    if capital > r[K.CAP_UPPER]:
        flags |= F_CAPITAL_OVER_LIMIT
    elif capital > r[K.CAP_LOWER]:
        step = r[K.TARIFF_STEP]
        tariff = (np.int64(capital) - r[K.CAP_LOWER] + step - 1) // step * r[K.TARIFF_AMOUNT]

    # Award (reg 22(1)): maximum amount less income; never below nil.
    award = max(np.int64(0), maximum - earnings_deduction - unearned - tariff)
    if flags & F_CAPITAL_OVER_LIMIT:
        award = np.int64(0)
    before_cap = award

    # Benefit cap (reg 78-83): total welfare benefits above the relevant amount reduce UC by the excess
    # less any childcare costs element, unless an exemption or the grace period applies.
    single_no_child = couple == 0 and n_children == 0
    if london:
        cap_level = r[K.BC_SINGLE_LONDON] if single_no_child else r[K.BC_FAMILY_LONDON]
    else:
        cap_level = r[K.BC_SINGLE] if single_no_child else r[K.BC_FAMILY]
    other_capped = weekly_to_monthly(np.int64(child_benefit_weekly)) + jsa_m + esa_m + other_capped_benefits
    # The grace period (reg 82(1)(b), (2)-(3)), carried from period to period: 9 consecutive months
    # from the first day of a period whose earnings fall below the threshold, if in each of the 12
    # months before it they were at or above it. `qualifying_earnings_months` counts those months (12 is
    # enough), `grace_months_left` the periods of a running grace period still to come (the caller may
    # seed it for work that ended before the claim, reg 82(2)(b)); the cap does not apply in a period in
    # which the grace period runs, begins or ends.
    threshold = r[K.BC_EARNINGS]
    q = np.int64(qualifying_earnings_months)
    g = np.int64(grace_months_left)
    if actual_earned >= threshold:
        qualifying_after = min(np.int64(12), q + 1)
        grace_after = max(np.int64(0), g - 1)
        in_grace = g > 0
    else:
        qualifying_after = np.int64(0)
        if q >= 12:
            in_grace = True
            grace_after = np.int64(8)
        elif g > 0:
            in_grace = True
            grace_after = g - 1
        else:
            in_grace = False
            grace_after = np.int64(0)
    cap_reduction = np.int64(0)
    if lcwra > 0 or carer > 0:
        flags |= F_CAP_EXEMPT_ELEMENT
    elif cap_exempt_benefit:
        flags |= F_CAP_EXEMPT_BENEFIT
    elif actual_earned >= threshold:
        flags |= F_CAP_EXEMPT_EARNINGS
    elif cap_grace_period or in_grace:
        flags |= F_CAP_GRACE
    elif award > 0:
        excess = award + other_capped - cap_level
        cap_reduction = min(award, max(np.int64(0), excess - childcare))
        if cap_reduction > 0:
            flags |= F_CAP_APPLIED
    award -= cap_reduction

    # Surplus earnings (reg 54A, SI 2015/345 as substituted by SI 2018/65). The engine takes a period
    # with a nil award after one with an award (`on_award`) as the old award's final assessment period,
    # and each later period as a new claim. The relevant threshold is the nil UC threshold (the least
    # earned income at which this period's award is nil: the work allowance plus what the 55% taper
    # needs to take away the maximum amount less unearned and tariff income, rounded as reg 6 rounds
    # the deduction) plus the de minimis amount (£2,500 in the temporary de minimis period of reg 5 of
    # SI 2015/345, extended by the Secretary of State's determinations; £300 otherwise). The excess over
    # it is the original surplus (54A(1)(c), (3)(a)); a claim within the 6 months that still has nil
    # award carries the adjusted surplus, the surplus plus that month's earned income over the
    # threshold (54A(3)(b)-(d)); after the sixth month nothing is carried (54A(1)(a)); an award made
    # uses the surplus up.
    surplus_after = np.int64(0)
    months_after = np.int64(0)
    on_award_after = np.int64(1) if before_cap > 0 else np.int64(0)
    owner_after = np.int64(0)
    if owner_counts and before_cap > 0:
        owner_after = min(r[K.OWNER_QUALIFYING_PERIODS], np.int64(owner_qualifying_months) + 1)
    # Only a nil award with earnings can leave a surplus: the threshold (a division by the taper) is
    # worked out for those alone.
    if before_cap == 0 and earned > 0 and (on_award or 0 < surplus_months < 6):
        rest = maximum - unearned - tariff
        nil_threshold = np.int64(0)
        if rest > 0:
            taper = r[K.TAPER_BP]
            nil_threshold = work_allowance + (5000 * (2 * rest - 1) + taper - 1) // taper
        relevant_threshold = nil_threshold + r[K.SURPLUS_DE_MINIMIS]
        if earned > relevant_threshold:
            surplus_after = earned - relevant_threshold
            months_after = np.int64(1) if on_award else np.int64(surplus_months) + 1

    return (
        standard,
        child,
        disabled,
        lcwra,
        carer,
        childcare,
        eligible_rent,
        contributions,
        housing,
        maximum,
        earned,
        work_allowance,
        earnings_deduction,
        unearned,
        tariff,
        before_cap,
        cap_level,
        other_capped,
        cap_reduction,
        award,
        np.int64(flags),
        counted,
        bedrooms,
        t1 + t2,
        n1 + n2,
        grace_after,
        qualifying_after,
        surplus_after,
        months_after,
        on_award_after,
        owner_after,
    )


@njit(cache=True, nogil=True, error_model="numpy")
def uc_single(x: np.ndarray, lha_table: np.ndarray, r: np.ndarray) -> tuple[int, ...]:
    """One household from an int64 vector laid out as `INPUTS` (the in-process API path): its row of
    `lha_table` (`lha_area`) and the rates vector `r` go to `uc_calc` as tuples of scalars."""
    a = x[25]
    lha = (lha_table[a, 0], lha_table[a, 1], lha_table[a, 2], lha_table[a, 3], lha_table[a, 4])
    rates = (
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
        r[15], r[16], r[17], r[18], r[19], r[20], r[21], r[22], r[23], r[24], r[25], r[26], r[27], r[28],
        r[29], r[30], r[31], r[32], r[33], r[34], r[35], r[36], r[37], r[38], r[39], r[40], r[41], r[42],
        r[43], r[44], r[45], r[46], r[47], r[48], r[49], r[50], r[51], r[52], r[53], r[54], r[55], r[56],
        r[57], r[58], r[59], r[60],
    )  # fmt: skip
    return uc_calc(
        (x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], x[14],
        x[15], x[16], x[17], x[18], x[19], x[20], x[21], x[22], x[23], x[24], x[25], x[26], x[27], x[28],
        x[29], x[30], x[31], x[32], x[33], x[34], x[35], x[36], x[37], x[38], x[39], x[40], x[41], x[42],
        x[43], x[44], x[45], x[46], x[47], x[48], x[49], x[50], x[51], x[52], x[53], x[54], x[55],
        x[56]), lha, rates,
    )  # fmt: skip


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def uc_batch(
    c0: np.ndarray, c1: np.ndarray, c2: np.ndarray, c3: np.ndarray, c4: np.ndarray, c5: np.ndarray,
    c6: np.ndarray, c7: np.ndarray, c8: np.ndarray, c9: np.ndarray, c10: np.ndarray, c11: np.ndarray,
    c12: np.ndarray, c13: np.ndarray, c14: np.ndarray, c15: np.ndarray, c16: np.ndarray, c17: np.ndarray,
    c18: np.ndarray, c19: np.ndarray, c20: np.ndarray, c21: np.ndarray, c22: np.ndarray, c23: np.ndarray,
    c24: np.ndarray, c25: np.ndarray, c26: np.ndarray, c27: np.ndarray, c28: np.ndarray, c29: np.ndarray,
    c30: np.ndarray, c31: np.ndarray, c32: np.ndarray, c33: np.ndarray, c34: np.ndarray, c35: np.ndarray,
    c36: np.ndarray, c37: np.ndarray, c38: np.ndarray, c39: np.ndarray, c40: np.ndarray, c41: np.ndarray,
    c42: np.ndarray, c43: np.ndarray, c44: np.ndarray, c45: np.ndarray, c46: np.ndarray, c47: np.ndarray,
    c48: np.ndarray, c49: np.ndarray, c50: np.ndarray, c51: np.ndarray, c52: np.ndarray,
    c53: np.ndarray, c54: np.ndarray, c55: np.ndarray, c56: np.ndarray,
    year: np.ndarray, lha_table: np.ndarray, rates_table: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """Every household of a batch, in parallel: columns laid out as `INPUTS`, `year` indexes
    `rates_table` rows, results written to `out` (rows x `OUTPUTS`).

    The loop body hands `uc_calc` scalars and tuples of scalars only, read element by element from the
    tables: passing an array (or a row view of one) to a function that is not inlined costs atomic
    reference-count updates on the array's header, shared by every thread, for each household."""
    for i in prange(c0.shape[0]):
        # An unsigned index: numba then skips the negative-index wraparound on every read and write.
        u = np.uint64(i)
        a = c25[u]
        y = year[u]
        rates = (
            rates_table[y, 0], rates_table[y, 1], rates_table[y, 2], rates_table[y, 3], rates_table[y, 4],
            rates_table[y, 5], rates_table[y, 6], rates_table[y, 7], rates_table[y, 8], rates_table[y, 9],
            rates_table[y, 10], rates_table[y, 11], rates_table[y, 12], rates_table[y, 13],
            rates_table[y, 14], rates_table[y, 15], rates_table[y, 16], rates_table[y, 17],
            rates_table[y, 18], rates_table[y, 19], rates_table[y, 20], rates_table[y, 21],
            rates_table[y, 22], rates_table[y, 23], rates_table[y, 24], rates_table[y, 25],
            rates_table[y, 26], rates_table[y, 27], rates_table[y, 28], rates_table[y, 29],
            rates_table[y, 30], rates_table[y, 31], rates_table[y, 32], rates_table[y, 33],
            rates_table[y, 34], rates_table[y, 35], rates_table[y, 36], rates_table[y, 37],
            rates_table[y, 38], rates_table[y, 39], rates_table[y, 40], rates_table[y, 41],
            rates_table[y, 42], rates_table[y, 43], rates_table[y, 44], rates_table[y, 45],
            rates_table[y, 46], rates_table[y, 47], rates_table[y, 48], rates_table[y, 49],
            rates_table[y, 50], rates_table[y, 51], rates_table[y, 52], rates_table[y, 53],
            rates_table[y, 54], rates_table[y, 55], rates_table[y, 56], rates_table[y, 57],
            rates_table[y, 58], rates_table[y, 59], rates_table[y, 60],
        )  # fmt: skip
        lha = (lha_table[a, 0], lha_table[a, 1], lha_table[a, 2], lha_table[a, 3], lha_table[a, 4])
        res = uc_calc(
            (c0[u], c1[u], c2[u], c3[u], c4[u], c5[u], c6[u], c7[u], c8[u], c9[u], c10[u], c11[u], c12[u],
            c13[u], c14[u], c15[u], c16[u], c17[u], c18[u], c19[u], c20[u], c21[u], c22[u], c23[u],
            c24[u], c25[u], c26[u], c27[u], c28[u], c29[u], c30[u], c31[u], c32[u], c33[u], c34[u],
            c35[u], c36[u], c37[u], c38[u], c39[u], c40[u], c41[u], c42[u], c43[u], c44[u], c45[u],
            c46[u], c47[u], c48[u], c49[u], c50[u], c51[u], c52[u], c53[u], c54[u], c55[u],
            c56[u]), lha, rates,
        )  # fmt: skip
        out[u, 0] = res[0]
        out[u, 1] = res[1]
        out[u, 2] = res[2]
        out[u, 3] = res[3]
        out[u, 4] = res[4]
        out[u, 5] = res[5]
        out[u, 6] = res[6]
        out[u, 7] = res[7]
        out[u, 8] = res[8]
        out[u, 9] = res[9]
        out[u, 10] = res[10]
        out[u, 11] = res[11]
        out[u, 12] = res[12]
        out[u, 13] = res[13]
        out[u, 14] = res[14]
        out[u, 15] = res[15]
        out[u, 16] = res[16]
        out[u, 17] = res[17]
        out[u, 18] = res[18]
        out[u, 19] = res[19]
        out[u, 20] = res[20]
        out[u, 21] = res[21]
        out[u, 22] = res[22]
        out[u, 23] = res[23]
        out[u, 24] = res[24]
        out[u, 25] = res[25]
        out[u, 26] = res[26]
        out[u, 27] = res[27]
        out[u, 28] = res[28]
        out[u, 29] = res[29]
        out[u, 30] = res[30]


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def gather_columns(out: np.ndarray, columns: np.ndarray, state: np.ndarray) -> None:
    """state[m, i] = out[i, columns[m]]: some output columns of every row, in one pass over the rows
    (`batch.carried_columns`)."""
    for i in prange(out.shape[0]):
        for m in range(columns.shape[0]):
            state[m, i] = out[i, columns[m]]
