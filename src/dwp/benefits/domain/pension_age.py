"""State Pension age by date of birth, from the data file `rates/state-pension-age.toml`.

The rules are Pensions Act 1995 Schedule 4 Part 1 para 1 as the 2007, 2011 and 2014 Acts amended it;
the file holds every one with its source, so a change in the law is a change in the data. The day is
the qualifying age for state pension credit (State Pension Credit Act 2002 s.1(6)), which is what UC's
age condition (WRA 2012 s.4(1)(b)) and a mixed-age couple (UC Regs 2013 reg 3(2)(a)) turn on.
"""

from __future__ import annotations

import calendar
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

Sex = Literal["F", "M"]


@dataclass(frozen=True)
class PensionAgeRule:
    sex: str  # "F", "M" or "any"
    born_from: date
    born_to: date
    attained_on: date | None
    years: int
    months: int
    source: str


def add_years_and_months(born: date, years: int, months: int) -> date:
    """The day someone born on `born` attains `years` and `months`: the corresponding day, or the
    month's last day when it has none (Pensions Act 1995 Sch 4 para 1(7A)); a 29 February birthday is
    reached on 1 March in a common year, as `household.age_on` counts it."""
    index = born.month - 1 + months
    year, month = born.year + years + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if born.day <= last:
        return date(year, month, born.day)
    if months == 0 and (born.month, born.day) == (2, 29):
        return date(year, 3, 1)
    return date(year, month, last)


@cache
def _load() -> tuple[tuple[PensionAgeRule, ...], dict[date, date]]:
    text = (resources.files("dwp.benefits") / "rates" / "state-pension-age.toml").read_text("utf-8")
    data = tomllib.loads(text)
    rules = []
    for r in data["rule"]:
        if not str(r.get("source", "")).strip():
            raise ValueError(f"state pension age rule from {r['born_from']} needs a source")
        rules.append(
            PensionAgeRule(
                sex=r["sex"],
                born_from=r["born_from"],
                born_to=r["born_to"],
                attained_on=r.get("attained_on"),
                years=int(r.get("years", 0)),
                months=int(r.get("months", 0)),
                source=r["source"],
            )
        )
    exceptions = {e["born"]: e["attained_on"] for e in data.get("exception", [])}
    return tuple(rules), exceptions


def rules() -> tuple[PensionAgeRule, ...]:
    return _load()[0]


def rule_for(born: date, sex: Sex) -> PensionAgeRule:
    """The one rule that applies to a person of `sex` born on `born`."""
    found = [r for r in rules() if r.sex in (sex, "any") and r.born_from <= born <= r.born_to]
    if len(found) != 1:  # the data file's test makes this unreachable; say so if the data is wrong
        raise ValueError(f"{len(found)} State Pension age rules for {sex} born {born.isoformat()}")
    return found[0]


@lru_cache(maxsize=1 << 16)
def state_pension_date(born: date, sex: Sex | None = None) -> date:
    """The day someone born on `born` reaches State Pension age.

    Sex matters only for people born before 6 December 1953, all of whom had reached it by
    6 December 2018 (women from 60, men at 65). Without it, the later of the two days is given: the
    day by which the person has certainly reached it, which is the same answer for every assessment
    period this service can hold.

    Kept for each date of birth asked about (the data file is read once, so the answer never changes):
    every calculation asks it for each adult, and the rule search was a third of one household's time."""
    if sex is None:
        return max(state_pension_date(born, "F"), state_pension_date(born, "M"))
    exceptions = _load()[1]
    if born in exceptions:
        return exceptions[born]
    rule = rule_for(born, sex)
    if rule.attained_on is not None:
        return rule.attained_on
    return add_years_and_months(born, rule.years, rule.months)
