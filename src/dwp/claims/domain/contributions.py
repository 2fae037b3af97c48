"""Which tax years of the National Insurance record New Style JSA and ESA look at, for asking HMRC.

The contribution conditions look at the two complete tax years before the benefit year the claim falls
in (SSCBA 1992 s.21(6), Jobseekers Act 1995 s2, Welfare Reform Act 2007 Sch 1 para 1-2; the benefits
service applies the conditions): a benefit year begins on the first Sunday in January, so a claim made
on 2 February 2026 (benefit year from 4 January 2026) looks at 2023-24 and 2024-25.
"""

from __future__ import annotations

from datetime import date, timedelta


def benefit_year_start(day: date) -> date:
    for year in (day.year, day.year - 1):
        jan1 = date(year, 1, 1)
        sunday = jan1 + timedelta(days=(6 - jan1.weekday()) % 7)
        if day >= sunday:
            return sunday
    raise AssertionError("unreachable: a day is on or after the first Sunday of its year or the last")


def relevant_tax_years(claim_date: date) -> tuple[int, int]:
    """The two tax years, by the year each starts: (2023, 2024) for 2023-24 and 2024-25."""
    start = benefit_year_start(claim_date).year
    return start - 3, start - 2
