"""The citizen: who they are, how to reach them, and the rules for registering and changing a profile.

Pure Python: no web framework, database or AWS here. Validation libraries for email addresses and
phone numbers are used because their rules are data (domains, numbering plans), not ours to invent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email

Language = Literal["en", "cy"]
Channel = Literal["email", "sms", "post"]
MINIMUM_AGE = 16


class CitizenError(Exception):
    """Base of every citizen domain error. `field` names the input at fault, when there is one, so the
    problem document can point at it."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidNino(CitizenError):
    pass


class InvalidDateOfBirth(CitizenError):
    pass


class InvalidContactDetail(CitizenError):
    pass


class CitizenNotFound(CitizenError):
    pass


class AlreadyRegistered(CitizenError):
    """This person already has a record; `existing_id` is theirs to see, and only theirs."""

    def __init__(self, message: str, existing_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class StaleVersion(CitizenError):
    pass


class VersionRequired(CitizenError):
    pass


class IdempotencyKeyReused(CitizenError):
    pass


class ProfileFieldLocked(CitizenError):
    pass


# HMRC National Insurance Manual NIM39110: the format is two prefix letters, six digits and a suffix
# A, B, C or D. D, F, I, Q, U and V are never used as either prefix letter, O is not used as the second,
# and the prefixes BG, GB, NK, KN, TN, NT and ZZ are not allocated.
_NINO_SHAPE = re.compile(r"^([A-Z])([A-Z])(\d{6})([A-D])$")
_NEVER_FIRST = set("DFIQUV")
_NEVER_SECOND = set("DFIQUVO")
_UNALLOCATED_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


@dataclass(frozen=True)
class Nino:
    value: str

    @classmethod
    def parse(cls, raw: str) -> Nino:
        compact = re.sub(r"\s+", "", raw).upper()
        if len(compact) != 9:
            raise InvalidNino(
                "A National Insurance number is 2 letters, 6 numbers and a letter, like QQ 12 34 56 C"
            )
        match = _NINO_SHAPE.match(compact)
        if not match:
            raise InvalidNino("A National Insurance number is 2 letters, 6 numbers, then A, B, C or D")
        first, second, _, _ = match.groups()
        if first in _NEVER_FIRST or second in _NEVER_SECOND or first + second in _UNALLOCATED_PREFIXES:
            raise InvalidNino(f"{first}{second} is not a prefix HMRC uses for National Insurance numbers")
        return cls(compact)

    def masked(self) -> str:
        return f"{self.value[:2]} ** ** ** {self.value[-1]}"


def age_on(date_of_birth: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


def check_date_of_birth(date_of_birth: date, today: date) -> date:
    if date_of_birth >= today:
        raise InvalidDateOfBirth("Date of birth must be in the past")
    if age_on(date_of_birth, today) < MINIMUM_AGE:
        raise InvalidDateOfBirth(f"You must be {MINIMUM_AGE} or over to register")
    if age_on(date_of_birth, today) > 130:
        raise InvalidDateOfBirth("Date of birth must be a real date of birth")
    return date_of_birth


def normalise_email(raw: str) -> str:
    try:
        # Deliverability needs DNS, which a request must not wait on; Notify reports bounces instead.
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidContactDetail(f"Email address is not valid: {exc}") from exc


def normalise_phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException as exc:
        raise InvalidContactDetail("Phone number is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidContactDetail("Phone number is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ContactPreferences:
    channels: tuple[Channel, ...] = ("email",)
    welsh_letters: bool = False

    def __post_init__(self) -> None:
        if not self.channels:
            raise InvalidContactDetail("Choose at least one way for us to contact you")
        if len(set(self.channels)) != len(self.channels):
            raise InvalidContactDetail("Each contact channel can be chosen once")


@dataclass(frozen=True)
class Citizen:
    id: str
    given_name: str
    family_name: str
    date_of_birth: date
    nino: Nino
    email: str | None
    phone: str | None
    address_reference: str | None
    preferred_language: Language
    contact: ContactPreferences = field(default_factory=ContactPreferences)
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if "email" in self.contact.channels and not self.email:
            raise InvalidContactDetail("To be contacted by email, give an email address", field="email")
        if "sms" in self.contact.channels and not self.phone:
            raise InvalidContactDetail("To be contacted by text message, give a phone number", field="phone")
        if "post" in self.contact.channels and not self.address_reference:
            raise InvalidContactDetail("To be contacted by post, give an address", field="address_reference")


def register(
    *,
    citizen_id: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    nino: str,
    email: str | None,
    phone: str | None,
    address_reference: str | None,
    preferred_language: Language,
    contact: ContactPreferences,
    today: date,
) -> Citizen:
    return Citizen(
        id=citizen_id,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=check_date_of_birth(date_of_birth, today),
        nino=Nino.parse(nino),
        email=normalise_email(email) if email else None,
        phone=normalise_phone(phone) if phone else None,
        address_reference=address_reference,
        preferred_language=preferred_language,
        contact=contact,
    )


EDITABLE_FIELDS = frozenset(
    {"given_name", "family_name", "email", "phone", "address_reference", "preferred_language"}
)
# A citizen cannot change these themselves: a caseworker does, with evidence.
LOCKED_FIELDS = frozenset({"nino", "date_of_birth"})


def check_version(citizen: Citizen, expected: int | None) -> None:
    if expected is None:
        raise VersionRequired("Send If-Match with the ETag of the profile you are changing")
    if expected != citizen.version:
        raise StaleVersion("The profile has changed since you read it; read it again and retry")


def change_profile(
    citizen: Citizen, changes: dict[str, object], *, expected_version: int | None
) -> tuple[Citizen, list[str]]:
    """Apply a citizen's own changes; returns the new profile and the names of fields that changed."""
    check_version(citizen, expected_version)
    locked = LOCKED_FIELDS & changes.keys()
    if locked:
        raise ProfileFieldLocked(f"{', '.join(sorted(locked))} can only be changed by a caseworker")
    values: dict[str, object] = {}
    for name, value in changes.items():
        if name == "email":
            value = normalise_email(str(value)) if value else None
        elif name == "phone":
            value = normalise_phone(str(value)) if value else None
        elif name in ("given_name", "family_name") and isinstance(value, str):
            value = value.strip()
        if getattr(citizen, name) != value:
            values[name] = value
    if not values:
        return citizen, []
    updated = replace(citizen, **values, version=citizen.version + 1)  # type: ignore[arg-type]
    return updated, sorted(values)


def change_contact_preferences(
    citizen: Citizen, preferences: ContactPreferences, *, expected_version: int | None
) -> tuple[Citizen, list[str]]:
    check_version(citizen, expected_version)
    if preferences == citizen.contact:
        return citizen, []
    return replace(citizen, contact=preferences, version=citizen.version + 1), ["contact"]
