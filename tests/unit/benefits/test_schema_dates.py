"""The bounds of every date the benefits API takes, at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from dwp.benefits.domain import dates_that_make_sense
from dwp.benefits.schemas import ContributoryIn, NIYearIn, RTIPaymentIn, UCCircumstances

FIRST, LAST = dates_that_make_sense()
ADULT = {"date_of_birth": "1985-01-01"}


def refused(model: type[Any], data: dict[str, Any]) -> tuple[str | int, ...]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    (error,) = caught.value.errors()
    return tuple(error["loc"])


def test_the_dates_follow_the_rates_files() -> None:
    # 2025-26 and 2026-27 are held: from the start of 2024-25 to the end of 2027-28.
    assert (date(2024, 4, 6), date(2028, 4, 5)) == (FIRST, LAST)


@pytest.mark.parametrize("day", [FIRST, LAST])
def test_period_dates_at_the_edges_are_taken(day: date) -> None:
    UCCircumstances.model_validate({"assessment_period_start": day.isoformat(), "adults": [ADULT]})
    RTIPaymentIn.model_validate({"paid_on": day.isoformat(), "gross": 1})


@pytest.mark.parametrize(
    "day", [FIRST - timedelta(days=1), LAST + timedelta(days=1), date(9999, 12, 31), date(1, 1, 1)]
)
def test_period_dates_beyond_them_are_refused_by_name(day: date) -> None:
    uc = {"assessment_period_start": day.isoformat(), "adults": [ADULT]}
    assert refused(UCCircumstances, uc) == ("assessment_period_start",)
    jsa = {"date_of_birth": "1985-01-01", "claim_date": day.isoformat(), "week_start": "2026-02-09"}
    assert refused(ContributoryIn, jsa) == ("claim_date",)
    assert refused(RTIPaymentIn, {"paid_on": day.isoformat(), "gross": 1}) == ("paid_on",)


def test_dates_of_birth_run_from_1900_to_today() -> None:
    uk_today = datetime.now(UTC).date()  # UK today is UTC today or the day after it
    for taken in ("1900-01-01", (uk_today - timedelta(days=1)).isoformat()):
        UCCircumstances.model_validate(
            {"assessment_period_start": "2025-06-01", "adults": [{"date_of_birth": taken}]}
        )
    for wrong in ("1899-12-31", (uk_today + timedelta(days=2)).isoformat(), "9999-12-31"):
        uc = {"assessment_period_start": "2025-06-01", "adults": [{"date_of_birth": wrong}]}
        assert refused(UCCircumstances, uc) == ("adults", 0, "date_of_birth")


@pytest.mark.parametrize("year", ["9999-00", "2023-99", "1900-01", "2023-25"])
def test_ni_years_must_be_real_tax_years(year: str) -> None:
    assert refused(NIYearIn, {"tax_year": year}) == ("tax_year",)


def test_ni_years_that_are_real_are_taken() -> None:
    for year in ("1975-76", "1999-00", "2024-25"):
        NIYearIn.model_validate({"tax_year": year})
