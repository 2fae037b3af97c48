"""The citizen: who they are, how to reach them, and the rules for registering and changing a profile.

Pure Python: no web framework, database or AWS here. Validation libraries for email addresses and
phone numbers are used because their rules are data (domains, numbering plans), not ours to invent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Literal, TypeVar, get_args

import phonenumbers
from email_validator import EmailNotValidError, validate_email

Language = Literal["en", "cy"]
Channel = Literal["email", "sms", "post"]
MINIMUM_AGE = 16
_T = TypeVar("_T")


class CitizenError(Exception):
    """Base of every citizen domain error. `field` names the command's field at fault, if one is."""

    field: str | None = None

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def field_errors(self) -> list[tuple[str, str]]:
        """(field, message) for each field at fault, for the problem document's `errors`."""
        return [(self.field, self.message)] if self.field else []


class InvalidNino(CitizenError):
    field = "national_insurance_number"


class InvalidDateOfBirth(CitizenError):
    field = "date_of_birth"


class InvalidContactDetail(CitizenError):
    pass


class InvalidLanguage(CitizenError):
    field = "preferred_language"


class InvalidDetails(CitizenError):
    """Several fields broke the rules at once: each is named, so the citizen can fix them all."""

    def __init__(self, errors: list[CitizenError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors))
        self.errors = errors

    def field_errors(self) -> list[tuple[str, str]]:
        return [item for error in self.errors for item in error.field_errors()]


class CitizenNotFound(CitizenError):
    pass


class AlreadyRegistered(CitizenError):
    """This person already has a record; `existing_id` is theirs to see, and only theirs."""

    def __init__(self, message: str, existing_id: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.existing_id = existing_id


class StaleVersion(CitizenError):
    pass


class VersionRequired(CitizenError):
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
        raise InvalidContactDetail(f"Email address is not valid: {exc}", field="email") from exc


def normalise_phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException as exc:
        raise InvalidContactDetail("Phone number is not a phone number", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidContactDetail("Phone number is not a valid number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_language(raw: str) -> Language:
    if raw not in get_args(Language):
        raise InvalidLanguage("Preferred language is en (English) or cy (Welsh)")
    return raw  # type: ignore[return-value]


@dataclass(frozen=True)
class ContactPreferences:
    channels: tuple[Channel, ...] = ("email",)
    welsh_letters: bool = False

    def __post_init__(self) -> None:
        if not self.channels:
            raise InvalidContactDetail("Choose at least one way for us to contact you", field="channels")
        if len(set(self.channels)) != len(self.channels):
            raise InvalidContactDetail("Each contact channel can be chosen once", field="channels")
        unknown = set(self.channels) - set(get_args(Channel))
        if unknown:
            raise InvalidContactDetail("A contact channel is email, sms or post", field="channels")


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


# --- commands: what a use case is asked to do, typed; the API checks their shape, the rules run here ---


@dataclass(frozen=True)
class RegisterCitizen:
    """A citizen registers themselves; field names are those of the API, so errors name them."""

    citizen_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str
    email: str | None = None
    phone: str | None = None
    address_reference: str | None = None
    preferred_language: str = "en"
    contact_channels: tuple[str, ...] = ("email",)
    welsh_letters: bool = False


@dataclass(frozen=True)
class ChangeProfile:
    """A citizen changes their own profile: only the fields in `changes` (None clears one), against the
    version they read."""

    citizen_id: str
    changes: Mapping[str, str | None]
    expected_version: int | None


@dataclass(frozen=True)
class ChangeContactPreferences:
    citizen_id: str
    channels: tuple[str, ...]
    welsh_letters: bool
    expected_version: int | None


class _Errors:
    """Collects every rule a command breaks, so all of them are reported at once."""

    def __init__(self) -> None:
        self.found: list[CitizenError] = []

    def check(self, rule: Callable[[], _T]) -> _T | None:
        try:
            return rule()
        except CitizenError as exc:
            self.found.append(exc)
            return None

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidDetails(self.found)


def _within(prefix: str, rule: Callable[[], _T]) -> _T:
    """Run a rule on a nested part of a command, so its error names the field inside that part."""
    try:
        return rule()
    except CitizenError as exc:
        exc.field = f"{prefix}.{exc.field}" if exc.field else prefix
        raise


def register(command: RegisterCitizen, *, today: date) -> Citizen:
    errors = _Errors()
    date_of_birth = errors.check(lambda: check_date_of_birth(command.date_of_birth, today))
    nino = errors.check(lambda: Nino.parse(command.national_insurance_number))
    email = errors.check(lambda: normalise_email(command.email) if command.email else None)
    phone = errors.check(lambda: normalise_phone(command.phone) if command.phone else None)
    language = errors.check(lambda: check_language(command.preferred_language))
    contact = errors.check(
        lambda: _within(
            "contact_preferences",
            lambda: ContactPreferences(
                channels=command.contact_channels,  # type: ignore[arg-type]
                welsh_letters=command.welsh_letters,
            ),
        )
    )
    errors.raise_any()
    assert date_of_birth is not None
    assert nino is not None
    assert language is not None
    assert contact is not None
    return Citizen(
        id=command.citizen_id,
        given_name=command.given_name.strip(),
        family_name=command.family_name.strip(),
        date_of_birth=date_of_birth,
        nino=nino,
        email=email,
        phone=phone,
        address_reference=command.address_reference,
        preferred_language=language,
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


def _normalise_profile_field(name: str, value: object) -> object:
    if name == "email":
        return normalise_email(str(value)) if value else None
    if name == "phone":
        return normalise_phone(str(value)) if value else None
    if name == "preferred_language":
        return check_language(str(value))
    if name in ("given_name", "family_name"):
        if not isinstance(value, str) or not value.strip():
            raise CitizenError("A name cannot be removed, only changed", field=name)
        return value.strip()
    return value


def change_profile(
    citizen: Citizen, changes: Mapping[str, object], *, expected_version: int | None
) -> tuple[Citizen, list[str]]:
    """Apply a citizen's own changes; returns the new profile and the names of fields that changed."""
    check_version(citizen, expected_version)
    locked = LOCKED_FIELDS & changes.keys()
    if locked:
        raise ProfileFieldLocked(f"{', '.join(sorted(locked))} can only be changed by a caseworker")
    unknown = changes.keys() - EDITABLE_FIELDS
    if unknown:
        raise CitizenError(f"{', '.join(sorted(unknown))} is not part of a profile", field=sorted(unknown)[0])
    errors = _Errors()
    values: dict[str, object] = {}
    for name, value in changes.items():
        normalised = errors.check(partial(_normalise_profile_field, name, value))
        if getattr(citizen, name) != normalised:
            values[name] = normalised
    errors.raise_any()
    if not values:
        return citizen, []
    # The profile's own rules (a channel needs its contact detail) hold for the changed profile too.
    updated = replace(citizen, **values, version=citizen.version + 1)  # type: ignore[arg-type]
    return updated, sorted(values)


def contact_preferences(command: ChangeContactPreferences) -> ContactPreferences:
    return ContactPreferences(
        channels=command.channels,  # type: ignore[arg-type]
        welsh_letters=command.welsh_letters,
    )


def change_contact_preferences(
    citizen: Citizen, preferences: ContactPreferences, *, expected_version: int | None
) -> tuple[Citizen, list[str]]:
    check_version(citizen, expected_version)
    if preferences == citizen.contact:
        return citizen, []
    try:
        changed = replace(citizen, contact=preferences, version=citizen.version + 1)
    except InvalidContactDetail as exc:
        exc.field = "channels"  # the channel chosen is what the citizen changes here
        raise
    return changed, ["contact"]
