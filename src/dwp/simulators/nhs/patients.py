"""The NHS simulator's test patients and their fit notes. Invented people, valid NHS numbers.

| NHS number | Who | What they show |
| --- | --- | --- |
| 9000000009 | Jane Smith | PDS sandbox's own number; a fit note "not fit for work", then one "may be fit" |
| 9449306753 | Sarah Jones | One Login's Sarah; one current fit note, mental and behavioural |
| 9449310378 | Mohammed Khan | One Login's Mohammed; three consecutive fit notes (musculoskeletal) |
| 9449304424 | Gwen Evans | One Login's Gwen; no fit notes |
| 9000000025 | Alex Turner | restricted ("sensitive"): address, telecom and GP are removed |
| 9449305552 | Ewa Kowalska | superseded by 9449306621: PDS answers with the new record |
| 9449304130 | Tom Baker | invalidated: PDS answers 404 INVALIDATED_RESOURCE |

Any other valid NHS number is unknown (404 RESOURCE_NOT_FOUND); an invalid one is 400.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Advice = Literal["not-fit", "may-be-fit"]
Adjustment = Literal["phased-return", "altered-hours", "amended-duties", "workplace-adaptations"]


def nhs_number_is_valid(value: str) -> bool:
    """The NHS Data Dictionary's modulus 11 check.

    The first nine digits are weighted 10 down to 2; the check digit is 11 minus the remainder of the
    sum divided by 11, where 11 becomes 0 and 10 means the number can never be valid.
    """
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


@dataclass(frozen=True)
class FitNote:
    id: str
    start: date
    end: date
    issued: date
    advice: Advice
    condition_category: str
    """An ICD-10 chapter code (see `CONDITION_CATEGORIES`)."""
    adjustments: tuple[Adjustment, ...] = ()
    assessed_by: Literal["doctor", "nurse", "occupational-therapist", "pharmacist", "physiotherapist"] = (
        "doctor"
    )
    follow_up_needed: bool = False


@dataclass(frozen=True)
class Patient:
    nhs_number: str
    given: tuple[str, ...]
    family: str
    prefix: str
    gender: Literal["male", "female", "other", "unknown"]
    birth_date: date
    address: tuple[str, ...]
    postcode: str
    gp_ods_code: str
    phone: str | None = None
    restricted: bool = False
    superseded_by: str | None = None
    invalidated: bool = False
    version: int = 1
    fit_notes: tuple[FitNote, ...] = field(default=())


CONDITION_CATEGORIES = {
    "F00-F99": "Mental and behavioural disorders",
    "M00-M99": "Diseases of the musculoskeletal system and connective tissue",
    "I00-I99": "Diseases of the circulatory system",
    "J00-J99": "Diseases of the respiratory system",
    "S00-T98": "Injury, poisoning and certain other consequences of external causes",
    "C00-D48": "Neoplasms",
    "G00-G99": "Diseases of the nervous system",
}

PATIENTS: tuple[Patient, ...] = (
    Patient(
        "9000000009",
        ("Jane",),
        "Smith",
        "Mrs",
        "female",
        date(1980, 10, 22),
        ("1 Trevelyan Square", "Boar Lane", "Leeds"),
        "LS1 6AE",
        "Y12345",
        phone="01632960587",
        version=2,
        fit_notes=(
            FitNote(
                "fn-9000000009-1", date(2025, 9, 1), date(2025, 9, 28), date(2025, 9, 1), "not-fit", "J00-J99"
            ),
            FitNote(
                "fn-9000000009-2",
                date(2025, 9, 29),
                date(2025, 10, 26),
                date(2025, 9, 26),
                "may-be-fit",
                "J00-J99",
                adjustments=("phased-return", "altered-hours"),
                assessed_by="nurse",
            ),
        ),
    ),
    Patient(
        "9449306753",
        ("Sarah", "Anne"),
        "Jones",
        "Ms",
        "female",
        date(1985, 4, 12),
        ("Flat 3", "12 Park Road", "Leeds"),
        "LS6 2AB",
        "B86018",
        phone="07700900123",
        fit_notes=(
            FitNote(
                "fn-9449306753-1",
                date(2025, 11, 3),
                date(2026, 1, 25),
                date(2025, 11, 3),
                "not-fit",
                "F00-F99",
                follow_up_needed=True,
            ),
        ),
    ),
    Patient(
        "9449310378",
        ("Mohammed",),
        "Khan",
        "Mr",
        "male",
        date(1979, 11, 3),
        ("44 Halliwell Road", "Bolton"),
        "BL1 3NX",
        "P82001",
        fit_notes=(
            FitNote(
                "fn-9449310378-1", date(2025, 6, 2), date(2025, 6, 29), date(2025, 6, 2), "not-fit", "M00-M99"
            ),
            FitNote(
                "fn-9449310378-2",
                date(2025, 6, 30),
                date(2025, 8, 24),
                date(2025, 6, 27),
                "not-fit",
                "M00-M99",
                assessed_by="physiotherapist",
            ),
            FitNote(
                "fn-9449310378-3",
                date(2025, 8, 25),
                date(2025, 10, 19),
                date(2025, 8, 22),
                "may-be-fit",
                "M00-M99",
                adjustments=("amended-duties", "workplace-adaptations"),
            ),
        ),
    ),
    Patient(
        "9449304424",
        ("Gwen",),
        "Evans",
        "Miss",
        "female",
        date(1992, 8, 30),
        ("7 Heol y Deri", "Roath", "Cardiff"),
        "CF24 3AA",
        "W97001",
    ),
    Patient(
        "9000000025",
        ("Alex",),
        "Turner",
        "Mx",
        "other",
        date(1975, 2, 14),
        ("Address withheld",),
        "ZZ99 3WZ",
        "Y12345",
        restricted=True,
    ),
    Patient(
        "9449305552",
        ("Ewa",),
        "Kowalska",
        "Ms",
        "female",
        date(1987, 2, 27),
        ("9 Byker Bank", "Newcastle upon Tyne"),
        "NE6 1LP",
        "A86003",
        superseded_by="9449306621",
    ),
    Patient(
        "9449306621",
        ("Ewa",),
        "Kowalska",
        "Ms",
        "female",
        date(1987, 2, 27),
        ("9 Byker Bank", "Newcastle upon Tyne"),
        "NE6 1LP",
        "A86003",
        version=3,
    ),
    Patient(
        "9449304130",
        ("Tom",),
        "Baker",
        "Mr",
        "male",
        date(1990, 1, 15),
        ("21 Station Road", "Bristol"),
        "BS5 0DE",
        "L81001",
        invalidated=True,
    ),
)
