"""Assessment periods of a Universal Credit award, as payments needs them to find each payment day.

The rule is UC Regs 2013 reg 21 (the claims domain's `dates.py` has the same rule for its own use;
a service never imports another, and the rule is short and fixed in law, so it is copied here rather
than shared through `dwp.contracts`): each period is a month long and begins on the same day of each
month as the first day of entitlement, except that from the 31st each period begins on the month's last
day, and from the 29th or 30th on that day except in February, when it begins on the 27th (the 28th in a
leap year). Months are calendar months (Interpretation Act 1978 Sch 1).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def assessment_period_start(first_day: date, n: int) -> date:
    """The first day of the n-th assessment period (n = 0 is the first) of an award from `first_day`."""
    if n == 0:
        return first_day
    index = first_day.month - 1 + n
    year, month = first_day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if first_day.day == 31:
        return date(year, month, last)
    if first_day.day in (29, 30) and month == 2:
        return date(year, 2, 28 if calendar.isleap(year) else 27)
    return date(year, month, first_day.day)


def assessment_period_end(first_day: date, n: int) -> date:
    """The last day of the n-th assessment period: the day before the next one begins."""
    return assessment_period_start(first_day, n + 1) - timedelta(days=1)
