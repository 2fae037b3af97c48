"""Which days a payment can reach a bank account on: not a weekend, not a bank holiday.

The bank holidays are the maintained `holidays` package's lists for the United Kingdom's nations
(subdivisions ENG and WLS, which are the same list, SCT and NIR), as GOV.UK publishes them (gov.uk
"UK bank holidays": England and Wales, Scotland, Northern Ireland), including substitute days and
one-off holidays. A payment moves earlier when its day is:
- a Saturday or Sunday;
- a bank holiday in England and Wales: Bacs and the banks' settlement do not run on those, wherever the
  person lives (so Easter Monday moves a payment in Scotland too);
- a bank holiday in the person's own nation (2 January and St Andrew's Day in Scotland, St Patrick's Day
  and the Battle of the Boyne in Northern Ireland), when their bank is closed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Literal

Nation = Literal["england-and-wales", "scotland", "northern-ireland"]
_SUBDIVISION: dict[Nation, str] = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


@cache
def _holidays(subdivision: str, year: int) -> dict[date, str]:
    # Imported here: the migrations, which every image's init container runs, import this module through
    # the repository, and only the payments image holds the `holidays` package.
    import holidays

    return dict(holidays.country_holidays("GB", subdiv=subdivision, years=year).items())


def bank_holiday(day: date, nation: Nation) -> str | None:
    """The bank holiday's name if `day` is one where payments stop for a person in `nation`."""
    return _holidays("ENG", day.year).get(day) or _holidays(_SUBDIVISION[nation], day.year).get(day)


def why_not_a_payment_day(day: date, nation: Nation) -> str | None:
    if day.weekday() >= 5:
        return day.strftime("%A")
    return bank_holiday(day, nation)


def payment_day_on_or_before(day: date, nation: Nation) -> tuple[date, list[str]]:
    """The last day a payment can arrive on, `day` or earlier, and why each later day was skipped."""
    skipped: list[str] = []
    while (reason := why_not_a_payment_day(day, nation)) is not None:
        skipped.append(f"{day.isoformat()} is {reason}")
        day -= timedelta(days=1)
    return day, skipped
