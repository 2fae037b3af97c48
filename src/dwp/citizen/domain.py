"""The citizen: who they are, how to reach them, and the rules for registering and changing a profile.

Pure Python: no web framework, database or AWS here. Validation libraries for email addresses and
phone numbers are used because their rules are data (domains, numbering plans), not ours to invent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Literal, TypeVar, get_args

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dwp.contracts import identifiers

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


class InvalidText(CitizenError):
    """Free text with a control, invisible or bidi-override character; `field` names which."""


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


@dataclass(frozen=True)
class Nino:
    value: str

    @classmethod
    def parse(cls, raw: str) -> Nino:
        """HMRC's rules (NIM39110), with other scripts' digits folded first: one person, one NINO."""
        try:
            return cls(identifiers.nino(raw))
        except identifiers.InvalidIdentifier as exc:
            raise InvalidNino(str(exc)) from exc

    def masked(self) -> str:
        return f"{self.value[:2]} ** ** ** {self.value[-1]}"


def check_text(value: str, field_name: str) -> str:
    """Free text as stored: NFC, trimmed, with no control, invisible or bidi-override characters."""
    try:
        return identifiers.free_text(value)
    except identifiers.InvalidText as exc:
        raise InvalidText(f"{field_name} {exc}", field=field_name) from exc


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
    raw = check_text(raw, "email")
    try:
        # Deliverability needs DNS, which a request must not wait on; Notify reports bounces instead.
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidContactDetail(f"Email address is not valid: {exc}", field="email") from exc


def normalise_phone(raw: str) -> str:
    raw = check_text(raw, "phone")
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
class RegistrationHeld:
    """A registration kept for a caseworker instead of a record: its NINO is another person's record's.

    The caller is told only that the registration is being checked (the same answer whatever the
    reason), so an answer never confirms that a NINO is registered; the claims work queue shows the
    hold, through its event, to a caseworker who contacts the person."""

    id: str
    citizen_id: str
    reason: str
    created_at: datetime


HELD_NINO_REGISTERED = "nino-registered-to-another-person"
"""Why a registration is held: its NINO is on another person's record (the only reason today)."""


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
    given_name = errors.check(lambda: check_text(command.given_name, "given_name"))
    family_name = errors.check(lambda: check_text(command.family_name, "family_name"))
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
    assert given_name is not None
    assert family_name is not None
    assert date_of_birth is not None
    assert nino is not None
    assert language is not None
    assert contact is not None
    return Citizen(
        id=command.citizen_id,
        given_name=given_name,
        family_name=family_name,
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
        return check_text(value, name)
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


# --- rectification (UK GDPR Art 16): a caseworker corrects a record, with a reason -----------------

RECTIFIABLE_FIELDS = EDITABLE_FIELDS | {"date_of_birth", "national_insurance_number"}
"""What a caseworker may correct: the profile, and the fields a citizen cannot change themselves."""
REASON_MAX = 1000


class NinoOnAnotherRecord(CitizenError):
    """The corrected NINO is another person's record's: two records cannot share one (a caseworker
    resolves which record is whose first)."""

    field = "national_insurance_number"


@dataclass(frozen=True)
class RectifyRecord:
    """A caseworker corrects a record: only the fields in `changes`, against the version they read,
    saying why (kept in the audit entry with the record before and after)."""

    citizen_id: str
    changes: Mapping[str, object]
    reason: str
    expected_version: int | None


def _rectified_field(name: str, value: object, today: date) -> tuple[str, object]:
    """(the record's attribute, its checked value) for one corrected field."""
    if name == "national_insurance_number":
        if not isinstance(value, str):
            raise InvalidNino("A National Insurance number cannot be removed, only corrected")
        return "nino", Nino.parse(value)
    if name == "date_of_birth":
        if not isinstance(value, date):
            raise InvalidDateOfBirth("A date of birth cannot be removed, only corrected")
        return "date_of_birth", check_date_of_birth(value, today)
    return name, _normalise_profile_field(name, value)


def rectify(citizen: Citizen, command: RectifyRecord, *, today: date) -> tuple[Citizen, list[str]]:
    """Apply a caseworker's corrections; returns the corrected record and the attributes that changed.

    A correction is checked by the same rules as a registration (a NINO by HMRC's, a date of birth in
    the past and 16 or over), and every rule broken is reported at once."""
    check_version(citizen, command.expected_version)
    reason = check_text(command.reason, "reason")
    if not reason:
        raise CitizenError("Say why the record is being corrected", field="reason")
    if len(reason) > REASON_MAX:
        raise CitizenError(f"The reason is longer than {REASON_MAX} characters", field="reason")
    unknown = command.changes.keys() - RECTIFIABLE_FIELDS
    if unknown:
        raise CitizenError(f"{', '.join(sorted(unknown))} is not part of a record", field=sorted(unknown)[0])
    errors = _Errors()
    values: dict[str, object] = {}
    for name, value in command.changes.items():
        checked = errors.check(partial(_rectified_field, name, value, today))
        if checked is not None and getattr(citizen, checked[0]) != checked[1]:
            values[checked[0]] = checked[1]
    errors.raise_any()
    if not values:
        return citizen, []
    updated = replace(citizen, **values, version=citizen.version + 1)  # type: ignore[arg-type]
    return updated, sorted(values)
