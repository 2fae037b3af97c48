"""Layout of the kernel's rates vector: one index per figure, and the figure's dotted name in the rates
file. Plain integer constants, because compiled code reads them as literals."""

from __future__ import annotations

SA_SINGLE_U25 = 0
SA_SINGLE_25 = 1
SA_COUPLE_U25 = 2
SA_COUPLE_25 = 3
CHILD_FIRST = 4
CHILD_OTHER = 5
CHILD_LIMIT = 6
DIS_LOWER = 7
DIS_HIGHER = 8
LCWRA_PROTECTED = 9
LCWRA_NEW = 10
CARER = 11
CC_SHARE_BP = 12
CC_MAX_1 = 13
CC_MAX_2 = 14
WA_HOUSING = 15
WA_NO_HOUSING = 16
TAPER_BP = 17
NONDEP = 18
UNDEROCC_1_BP = 19
UNDEROCC_2_BP = 20
SHARED_AGE = 21
CAP_LOWER = 22
CAP_UPPER = 23
TARIFF_STEP = 24
TARIFF_AMOUNT = 25
BC_SINGLE_LONDON = 26
BC_SINGLE = 27
BC_FAMILY_LONDON = 28
BC_FAMILY = 29
BC_EARNINGS = 30
NLW = 31
MIF_HOURS = 32
PA = 33
PA_TAPER = 34
RUK_BASIC_BAND = 35
RUK_HIGHER_BAND = 36
RUK_BASIC = 37
RUK_HIGHER = 38
RUK_ADDITIONAL = 39
SCO_STARTER_BAND = 40
SCO_BASIC_BAND = 41
SCO_INTERMEDIATE_BAND = 42
SCO_HIGHER_BAND = 43
SCO_ADVANCED_BAND = 44
SCO_STARTER = 45
SCO_BASIC = 46
SCO_INTERMEDIATE = 47
SCO_HIGHER = 48
SCO_ADVANCED = 49
SCO_TOP = 50
NI_PT_M = 51
NI_UEL_M = 52
NI_MAIN = 53
NI_UPPER = 54
C4_LPL = 55
C4_UPL = 56
C4_MAIN = 57
C4_UPPER = 58
SURPLUS_DE_MINIMIS = 59
OWNER_QUALIFYING_PERIODS = 60

PARAMS: tuple[tuple[str, str], ...] = (
    ("SA_SINGLE_U25", "uc.standard_allowance.single_under_25"),
    ("SA_SINGLE_25", "uc.standard_allowance.single_25_or_over"),
    ("SA_COUPLE_U25", "uc.standard_allowance.couple_both_under_25"),
    ("SA_COUPLE_25", "uc.standard_allowance.couple_one_or_both_25_or_over"),
    ("CHILD_FIRST", "uc.child.first_child_born_before_6_april_2017"),
    ("CHILD_OTHER", "uc.child.other_child"),
    ("CHILD_LIMIT", "uc.child.limit"),
    ("DIS_LOWER", "uc.child.disabled_lower"),
    ("DIS_HIGHER", "uc.child.disabled_higher"),
    ("LCWRA_PROTECTED", "uc.lcwra.protected"),
    ("LCWRA_NEW", "uc.lcwra.new_claimant"),
    ("CARER", "uc.carer"),
    ("CC_SHARE_BP", "uc.childcare.share"),
    ("CC_MAX_1", "uc.childcare.max_one_child"),
    ("CC_MAX_2", "uc.childcare.max_two_or_more_children"),
    ("WA_HOUSING", "uc.work_allowance.with_housing"),
    ("WA_NO_HOUSING", "uc.work_allowance.without_housing"),
    ("TAPER_BP", "uc.taper"),
    ("NONDEP", "uc.housing.non_dependant_contribution"),
    ("UNDEROCC_1_BP", "uc.housing.under_occupancy_one_bedroom"),
    ("UNDEROCC_2_BP", "uc.housing.under_occupancy_two_or_more"),
    ("SHARED_AGE", "uc.housing.shared_accommodation_age"),
    ("CAP_LOWER", "uc.capital.lower_limit"),
    ("CAP_UPPER", "uc.capital.upper_limit"),
    ("TARIFF_STEP", "uc.capital.tariff_step"),
    ("TARIFF_AMOUNT", "uc.capital.tariff_amount"),
    ("BC_SINGLE_LONDON", "uc.benefit_cap.single_london"),
    ("BC_SINGLE", "uc.benefit_cap.single"),
    ("BC_FAMILY_LONDON", "uc.benefit_cap.family_london"),
    ("BC_FAMILY", "uc.benefit_cap.family"),
    ("BC_EARNINGS", "uc.benefit_cap.earnings_exemption"),
    ("NLW", "uc.national_living_wage"),
    ("MIF_HOURS", "uc.minimum_income_floor.default_hours"),
    ("PA", "income_tax.personal_allowance"),
    ("PA_TAPER", "income_tax.personal_allowance_taper_threshold"),
    ("RUK_BASIC_BAND", "income_tax.ruk.basic_band"),
    ("RUK_HIGHER_BAND", "income_tax.ruk.higher_band"),
    ("RUK_BASIC", "income_tax.ruk.basic_rate"),
    ("RUK_HIGHER", "income_tax.ruk.higher_rate"),
    ("RUK_ADDITIONAL", "income_tax.ruk.additional_rate"),
    ("SCO_STARTER_BAND", "income_tax.scotland.starter_band"),
    ("SCO_BASIC_BAND", "income_tax.scotland.basic_band"),
    ("SCO_INTERMEDIATE_BAND", "income_tax.scotland.intermediate_band"),
    ("SCO_HIGHER_BAND", "income_tax.scotland.higher_band"),
    ("SCO_ADVANCED_BAND", "income_tax.scotland.advanced_band"),
    ("SCO_STARTER", "income_tax.scotland.starter_rate"),
    ("SCO_BASIC", "income_tax.scotland.basic_rate"),
    ("SCO_INTERMEDIATE", "income_tax.scotland.intermediate_rate"),
    ("SCO_HIGHER", "income_tax.scotland.higher_rate"),
    ("SCO_ADVANCED", "income_tax.scotland.advanced_rate"),
    ("SCO_TOP", "income_tax.scotland.top_rate"),
    ("NI_PT_M", "national_insurance.primary_threshold_monthly"),
    ("NI_UEL_M", "national_insurance.upper_earnings_limit_monthly"),
    ("NI_MAIN", "national_insurance.main_rate"),
    ("NI_UPPER", "national_insurance.upper_rate"),
    ("C4_LPL", "national_insurance.class4_lower_profits_limit"),
    ("C4_UPL", "national_insurance.class4_upper_profits_limit"),
    ("C4_MAIN", "national_insurance.class4_main_rate"),
    ("C4_UPPER", "national_insurance.class4_upper_rate"),
    ("SURPLUS_DE_MINIMIS", "uc.surplus_earnings.de_minimis"),
    ("OWNER_QUALIFYING_PERIODS", "uc.housing.owner_occupier_qualifying_periods"),
)
