"""Dates the claims rules turn on. Dates are dates: a moment becomes a date in UK time, because an
assessment period, a claim date and a deadline are UK calendar days whatever the server's zone.

Months are calendar months (Interpretation Act 1978 Sch 1). A period of months from a day ends on the
corresponding day of the later month, or on that month's last day when it has none (the corresponding
date rule, Dodds v Walker [1981] 1 WLR 1027). The rule is written out here, a few lines over the
standard library, because the law's wording is clearer to check against than a library's.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_date(moment: datetime) -> date:
    """The UK calendar day of an aware moment; a naive one is refused rather than guessed at."""
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its time zone (the clock gives UTC)")
    return moment.astimezone(UK).date()


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later, or the last day of that month when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def assessment_period_start(first_day: date, n: int) -> date:
    """The first day of the n-th assessment period (n = 0 is the first) of an award whose first day of
    entitlement is `first_day` (UC Regs 2013 reg 21(2)): the same day each month, except that from the
    31st each period begins on the month's last day, and from the 29th or 30th on that day except in
    February, when it begins on the 27th (the 28th in a leap year)."""
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


def period_containing(first_day: date, day: date) -> tuple[int, date, date]:
    """The assessment period (number, first day, last day) of an award from `first_day` that holds
    `day`; the monthly run uses it to find every award whose period ends on a given day."""
    if day < first_day:
        raise ValueError("the day is before the award began")
    n = max(0, (day.year - first_day.year) * 12 + day.month - first_day.month - 1)
    while assessment_period_start(first_day, n + 1) <= day:
        n += 1
    return n, assessment_period_start(first_day, n), assessment_period_end(first_day, n)


def period_ends_on(first_day: date, day: date) -> bool:
    return day >= first_day and period_containing(first_day, day)[2] == day
