"""The benefit rules: pure functions over plain data, no I/O and no framework.

Universal Credit (`calculate_uc` for one household, `calculate_batch` for columns of millions, both on
the one compiled kernel), New Style JSA and New Style ESA (`new_style_jsa`, `new_style_esa`), and the
rates per tax year they read.

Its names are imported on first use (PEP 562 `__getattr__`): importing one module of the package, such
as `dwp.benefits.domain.assessment` for the migrations of an image without the `rules` extra, must not
load the compiled kernel (NumPy, numba) that `batch` and `uc` need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_PROVIDERS = {
    "Adult": "dwp.benefits.domain.household",
    "BenefitsError": "dwp.benefits.domain.errors",
    "Capability": "dwp.benefits.domain.household",
    "Child": "dwp.benefits.domain.household",
    "Disability": "dwp.benefits.domain.household",
    "ESAGroup": "dwp.benefits.domain.contributory",
    "Earnings": "dwp.benefits.domain.household",
    "Household": "dwp.benefits.domain.household",
    "Housing": "dwp.benefits.domain.household",
    "InvalidCircumstances": "dwp.benefits.domain.errors",
    "Line": "dwp.benefits.domain.explanation",
    "NIYear": "dwp.benefits.domain.contributory",
    "NonDependant": "dwp.benefits.domain.household",
    "Rates": "dwp.benefits.domain.rates",
    "Tenure": "dwp.benefits.domain.household",
    "UCResult": "dwp.benefits.domain.uc",
    "UnknownTaxYear": "dwp.benefits.domain.errors",
    "WeeklyAward": "dwp.benefits.domain.contributory",
    "all_rates": "dwp.benefits.domain.rates",
    "as_dicts": "dwp.benefits.domain.explanation",
    "calculate_batch": "dwp.benefits.domain.batch",
    "calculate_batch_periods": "dwp.benefits.domain.batch",
    "calculate_claim": "dwp.benefits.domain.uc",
    "calculate_uc": "dwp.benefits.domain.uc",
    "dates_that_make_sense": "dwp.benefits.domain.rates",
    "new_style_esa": "dwp.benefits.domain.contributory",
    "new_style_jsa": "dwp.benefits.domain.contributory",
    "one_month_later": "dwp.benefits.domain.household",
    "pounds": "dwp.benefits.domain.explanation",
    "rates_for": "dwp.benefits.domain.rates",
    "rates_on": "dwp.benefits.domain.rates",
}


def __getattr__(name: str) -> Any:
    module = _PROVIDERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
