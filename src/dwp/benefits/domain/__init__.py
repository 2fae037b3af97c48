"""The benefit rules: pure functions over plain data, no I/O and no framework.

Universal Credit (`calculate_uc` for one household, `calculate_batch` for columns of millions, both on
the one compiled kernel), New Style JSA and New Style ESA (`new_style_jsa`, `new_style_esa`), and the
rates per tax year they read.
"""

from dwp.benefits.domain.batch import calculate_batch, calculate_batch_periods
from dwp.benefits.domain.contributory import ESAGroup, NIYear, WeeklyAward, new_style_esa, new_style_jsa
from dwp.benefits.domain.errors import BenefitsError, InvalidCircumstances, UnknownTaxYear
from dwp.benefits.domain.explanation import Line, as_dicts, pounds
from dwp.benefits.domain.household import (
    Adult,
    Capability,
    Child,
    Disability,
    Earnings,
    Household,
    Housing,
    NonDependant,
    Tenure,
    one_month_later,
)
from dwp.benefits.domain.rates import Rates, all_rates, dates_that_make_sense, rates_for, rates_on
from dwp.benefits.domain.uc import UCResult, calculate_claim, calculate_uc

__all__ = [
    "Adult",
    "BenefitsError",
    "Capability",
    "Child",
    "Disability",
    "ESAGroup",
    "Earnings",
    "Household",
    "Housing",
    "InvalidCircumstances",
    "Line",
    "NIYear",
    "NonDependant",
    "Rates",
    "Tenure",
    "UCResult",
    "UnknownTaxYear",
    "WeeklyAward",
    "all_rates",
    "as_dicts",
    "calculate_batch",
    "calculate_batch_periods",
    "calculate_claim",
    "calculate_uc",
    "dates_that_make_sense",
    "new_style_esa",
    "new_style_jsa",
    "one_month_later",
    "pounds",
    "rates_for",
    "rates_on",
]
