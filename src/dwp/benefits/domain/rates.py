"""Rates per tax year, read from the data files in `dwp/benefits/rates/`.

A tax year is a file, never a code change: `YYYY-YY.toml` holds every figure as a small table with its
value and the source it was copied from. The UC kernel takes the figures as one int64 vector whose
layout is `PARAMS`, so the compiled code never touches a dictionary.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np

from dwp.benefits.domain.errors import UnknownTaxYear
from dwp.benefits.domain.params import PARAMS

_VALUE_KEYS = ("pence", "basis_points", "count", "years", "hours", "days", "weeks")

P = {name: i for i, (name, _) in enumerate(PARAMS)}
"""Index of each kernel parameter in a rates vector."""


@dataclass(frozen=True)
class Figure:
    value: int
    unit: str
    source: str


@dataclass(frozen=True)
class Rates:
    """The figures of one tax year, as read from its file."""

    tax_year: str
    tax_year_start: date
    uprating_day: date
    sources: tuple[str, ...]
    figures: dict[str, Figure]

    def __getitem__(self, dotted: str) -> int:
        return self.figures[dotted].value

    def vector(self) -> np.ndarray:
        """The kernel's rates vector for this year (int64, layout `PARAMS`), built once per Rates."""
        return self._vector

    @cached_property
    def _vector(self) -> np.ndarray:
        vector = np.array([self.figures[dotted].value for _, dotted in PARAMS], dtype=np.int64)
        vector.flags.writeable = False  # shared by every calculation of the year
        return vector

    def with_overrides(self, **changes: int) -> Rates:
        """A copy with some kernel parameters changed (by `PARAMS` name), for worked examples from
        guidance written in earlier years' rates."""
        figures = dict(self.figures)
        for name, value in changes.items():
            dotted = PARAMS[P[name]][1]
            old = figures[dotted]
            figures[dotted] = Figure(value, old.unit, f"override for a worked example (was {old.value})")
        return Rates(self.tax_year, self.tax_year_start, self.uprating_day, self.sources, figures)


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, Figure]) -> None:
    for key, value in node.items():
        name = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, dict):
            continue
        units = [k for k in _VALUE_KEYS if k in value]
        if units:
            if len(units) != 1 or not str(value.get("source", "")).strip():
                raise ValueError(f"rates figure {name} needs exactly one value and a source")
            out[name] = Figure(int(value[units[0]]), units[0], str(value["source"]))
        else:
            _flatten(value, name, out)


def parse_rates(text: str) -> Rates:
    data = tomllib.loads(text)
    meta = data.pop("meta")
    figures: dict[str, Figure] = {}
    _flatten(data, "", figures)
    missing = [dotted for _, dotted in PARAMS if dotted not in figures]
    if missing:
        raise ValueError(f"rates file {meta['tax_year']} lacks {missing}")
    return Rates(
        tax_year=meta["tax_year"],
        tax_year_start=meta["tax_year_start"],
        uprating_day=meta["uprating_day"],
        sources=tuple(meta["sources"]),
        figures=figures,
    )


@cache
def all_rates() -> dict[str, Rates]:
    """Every tax year with a rates file, by name (`2025-26`)."""
    folder = resources.files("dwp.benefits") / "rates"
    years: dict[str, Rates] = {}
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".toml") and name[:4].isdigit() and name[4] == "-" and len(name) == 12:
            rates = parse_rates(item.read_text(encoding="utf-8"))
            years[rates.tax_year] = rates
    return dict(sorted(years.items()))


def rates_for(tax_year: str) -> Rates:
    try:
        return all_rates()[tax_year]
    except KeyError:
        raise UnknownTaxYear(tax_year) from None


def rates_on(day: date) -> Rates:
    """The rates in force for an assessment period (or benefit week) beginning on `day`: the latest year
    whose up-rating day is on or before it."""
    chosen = None
    for rates in all_rates().values():
        if rates.uprating_day <= day:
            chosen = rates
    # Past the end of the last tax year held, the next year's rates are unknown: refuse rather than guess.
    if chosen is None or day >= date(chosen.tax_year_start.year + 1, 4, 6):
        raise UnknownTaxYear(day.isoformat(), field="period_start")
    return chosen


def dates_that_make_sense() -> tuple[date, date]:
    """The first and last day a period, claim or payment date may take: the tax years with a rates file
    and one either side (a date further out is a mistake, not a household; and past `date.max` a month
    cannot even be added)."""
    starts = [rates.tax_year_start for rates in all_rates().values()]
    first, last = min(starts), max(starts)
    return date(first.year - 1, first.month, first.day), date(last.year + 2, 4, 5)


def rates_table() -> tuple[tuple[str, ...], np.ndarray]:
    """All years as a 2D table (years x PARAMS) for the batch engine, with the year names in row order."""
    years = all_rates()
    return tuple(years), np.stack([r.vector() for r in years.values()])


@cache
def lower_earnings_limits() -> dict[str, Figure]:
    """Weekly Class 1 lower earnings limit by tax year (for the JSA and ESA contribution conditions)."""
    text = (resources.files("dwp.benefits") / "rates" / "lower-earnings-limits.toml").read_text("utf-8")
    out: dict[str, Figure] = {}
    _flatten(tomllib.loads(text)["limits"], "", out)
    return out
