"""A page of households through the batch engine at once: the benefits service's batch route.

The monthly run reassesses every award whose assessment period ends on a day, a page of a shard at a
time. Each household of a page is checked as `calculate_uc` checks it, turned into kernel inputs by the
same `to_inputs`, and the page goes through `calculate_batch` (the compiled kernel over columns) in one
call; each award is then explained by `explain_household`, as the single path explains it. So a page's
awards are the single path's to the penny (tests/unit/benefits/test_pages.py compares them) at the batch
engine's cost. The carried state (`uc_kernel.CARRIED`: what the law hands from one assessment period to
the next, such as the benefit cap's grace period under UC Regs 2013 reg 82) comes in beside each
household, as `calculate_batch_periods` takes it with a shard's columns, and goes out as the outputs of
the same names.

Errors name the item: `items[3].adults[0].date_of_birth`, relative to the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.batch import calculate_batch
from dwp.benefits.domain.errors import InvalidCircumstances, UnknownTaxYear
from dwp.benefits.domain.household import Household, validate
from dwp.benefits.domain.rates import Rates, rates_on, rates_table
from dwp.benefits.domain.uc import UCResult, explain_household, to_inputs

_RANGES = {name: (lowest, highest) for name, _dtype, lowest, highest in k.INPUTS}


@dataclass(frozen=True)
class PageItem:
    household: Household
    carried: Mapping[str, int] | None = None
    """The state the previous period's award carried (`uc_kernel.CARRIED` names); None at the start,
    or to take the household's own figures."""


@dataclass(frozen=True)
class PageResult:
    result: UCResult
    kernel_inputs: dict[str, int]
    """The kernel's inputs for the household, as the single path stores them with an assessment."""


def carried_state(amounts: Mapping[str, int]) -> dict[str, int]:
    """What an award carries to the next period: its outputs named in `uc_kernel.CARRIED`."""
    return {name: int(amounts[name]) for name in k.CARRIED}


def with_carried(index: int, item: PageItem) -> Household:
    """The household with the carried state applied (only names the rules carry, within their range)."""
    if not item.carried:
        return item.household
    for name, value in item.carried.items():
        if name not in k.CARRIED:
            raise InvalidCircumstances(
                f"items[{index}].carried_state.{name}",
                f"is not state the rules carry from one period to the next ({', '.join(k.CARRIED)})",
            )
        lowest, highest = _RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            raise InvalidCircumstances(
                f"items[{index}].carried_state.{name}", f"must be a whole number from {lowest} to {highest}"
            )
    return replace(item.household, **dict(item.carried))  # type: ignore[arg-type]


def calculate_page(items: Sequence[PageItem]) -> list[PageResult]:
    """Every item's award and explanation, through the batch engine in one call."""
    if not items:
        return []
    names, table = rates_table()
    row_of_year = {name: i for i, name in enumerate(names)}
    rates_by_start: dict[object, Rates] = {}
    households: list[Household] = []
    inputs: list[dict[str, int]] = []
    years: list[int] = []
    lha_rows: dict[bytes, int] = {}
    for i, item in enumerate(items):
        h = with_carried(i, item)
        try:
            validate(h)
            rates = rates_by_start.get(h.period_start)
            if rates is None:
                rates = rates_by_start[h.period_start] = rates_on(h.period_start)
        except InvalidCircumstances as exc:
            raise InvalidCircumstances(f"items[{i}].{exc.field}", exc.message) from exc
        except UnknownTaxYear as exc:
            raise UnknownTaxYear(exc.what, field=f"items[{i}].{exc.field}") from exc
        values, lha = to_inputs(h, rates)
        for name, value in values.items():
            lowest, highest = _RANGES[name]
            if not lowest <= value <= highest:
                # The single path would take it; the batch columns cannot: say which item, not a column.
                raise InvalidCircumstances(
                    f"items[{i}]",
                    f"{name} comes to {value}, outside what the rules take ({lowest} to {highest})",
                )
        values["lha_area"] = lha_rows.setdefault(lha.tobytes(), len(lha_rows))
        households.append(h)
        inputs.append(values)
        years.append(row_of_year[rates.tax_year])
    n = len(inputs)
    lha_table = np.stack([np.frombuffer(raw, dtype=np.int64) for raw in lha_rows])
    columns = {name: np.fromiter((v[name] for v in inputs), dtype=np.int64, count=n) for name, *_ in k.INPUTS}
    out = calculate_batch(columns, np.array(years, dtype=np.int16), lha_table, table).tolist()
    results = []
    for h, values, row, year in zip(households, inputs, out, years, strict=True):
        values["lha_area"] = 0  # as the single path keeps it: the household's own LHA rates are row 0
        amounts = dict(zip(k.OUTPUTS, row, strict=True))
        result = UCResult(names[year], amounts, explain_household(h, values, amounts))
        results.append(PageResult(result, values))
    return results
