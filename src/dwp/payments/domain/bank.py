"""Bank details: a sort code and account number that pass Vocalink's modulus check, an optional building
society roll number, and the name on the account. Pure Python: the sealing at rest is the repository's.

Identifiers are ASCII (docs/architecture.md, "Data"): digits of any script are folded to ASCII first, so
one account is never two; the separators people type (spaces, hyphens, the en dash a phone keyboard
offers) are removed; anything else (a NUL, a letter, a bidi override) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from dwp.contracts import identifiers
from dwp.payments.domain import modulus
from dwp.payments.domain.errors import (
    InvalidBankDetails,
    InvalidBankDetailsList,
    PaymentsError,
    StaleVersion,
    VersionRequired,
)

_T = TypeVar("_T")
_SEPARATORS = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u00a0")
# A roll number as building societies print them: letters, digits, and the / . - they use inside one;
# 18 characters at most, the Bacs reference field's length (Bacs Payment Schemes, standard 18 format).
_ROLL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/.\- ]{0,16}[A-Z0-9]|[A-Z0-9]", re.ASCII)
ACCOUNT_NAME_MAX = 70
"""The longest name on an account we keep (Bacs carries 18 characters of it; Confirmation of Payee, 70)."""


def _digits(raw: str, *, what: str, field: str) -> str:
    text = identifiers.fold_digits(raw)
    compact = "".join(ch for ch in text if ch not in _SEPARATORS)
    if not compact or not (compact.isascii() and compact.isdigit()):
        raise InvalidBankDetails(f"{what} can only use the numbers 0 to 9", field=field)
    return compact


def parse_sort_code(raw: str) -> str:
    """A sort code as six ASCII digits (`12-34-56`, `12 34 56` and `123456` are the same one)."""
    digits = _digits(raw, what="A sort code", field="sort_code")
    if len(digits) != 6:
        raise InvalidBankDetails("A sort code is 6 numbers, like 30-99-50", field="sort_code")
    return digits


def parse_account_number(raw: str) -> str:
    digits = _digits(raw, what="An account number", field="account_number")
    if not 6 <= len(digits) <= 10:
        raise InvalidBankDetails("An account number is between 6 and 8 numbers", field="account_number")
    return digits


def parse_roll_number(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        text = identifiers.free_text(identifiers.fold_digits(raw))
    except identifiers.InvalidText as exc:
        raise InvalidBankDetails(f"A roll number {exc}", field="roll_number") from exc
    if not text:
        return None
    upper = text.upper()
    if not upper.isascii() or not _ROLL_NUMBER.fullmatch(upper):
        raise InvalidBankDetails(
            "A building society roll number is up to 18 letters and numbers (with / . or -)",
            field="roll_number",
        )
    return upper


def parse_account_name(raw: str) -> str:
    try:
        text = identifiers.free_text(raw)
    except identifiers.InvalidText as exc:
        raise InvalidBankDetails(f"The name on the account {exc}", field="account_name") from exc
    if not text:
        raise InvalidBankDetails("Enter the name on the account", field="account_name")
    if len(text) > ACCOUNT_NAME_MAX:
        raise InvalidBankDetails(
            f"The name on the account is {ACCOUNT_NAME_MAX} characters or fewer", field="account_name"
        )
    return text


@dataclass(frozen=True)
class BankAccount:
    """Where a payment goes. `account_number` is as the person gave it (6 to 10 digits); the payment
    uses `standard()`, the sort code and 8 digits that the modulus check and Bacs use."""

    sort_code: str
    account_number: str
    account_name: str
    roll_number: str | None = None

    def standard(self) -> tuple[str, str]:
        return modulus.standardise(self.sort_code, self.account_number)

    def masked(self) -> str:
        """What a letter or a screen may show: the sort code and the account's last 2 digits."""
        sort_code = self.sort_code
        return f"{sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]} ******{self.account_number[-2:]}"


@dataclass(frozen=True)
class BankDetails:
    """A citizen's bank details: one account that every payment to them goes to."""

    id: str
    citizen_id: str
    account: BankAccount
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _Errors:
    def __init__(self) -> None:
        self.found: list[PaymentsError] = []

    def check(self, rule: Callable[[], _T]) -> _T | None:
        try:
            return rule()
        except PaymentsError as exc:
            self.found.append(exc)
            return None

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidBankDetailsList(self.found)


def bank_account(
    *, sort_code: str, account_number: str, account_name: str, roll_number: str | None = None
) -> BankAccount:
    """Parse and check bank details: every field's shape, then the modulus check of the pair."""
    errors = _Errors()
    code = errors.check(lambda: parse_sort_code(sort_code))
    number = errors.check(lambda: parse_account_number(account_number))
    name = errors.check(lambda: parse_account_name(account_name))
    roll = errors.check(lambda: parse_roll_number(roll_number))
    errors.raise_any()
    assert code is not None
    assert number is not None
    assert name is not None
    if not modulus.check(code, number).valid:
        raise InvalidBankDetails(
            "The sort code and account number do not match. Check them on a bank statement or card",
            field="account_number",
        )
    return BankAccount(sort_code=code, account_number=number, account_name=name, roll_number=roll)


def check_version(details: BankDetails | None, expected: int | None) -> None:
    """A change of existing bank details names the version it read (If-Match); a first one does not."""
    if details is None:
        return
    if expected is None:
        raise VersionRequired("Send If-Match with the ETag of the bank details you are changing")
    if expected != details.version:
        raise StaleVersion("The bank details have changed since you read them; read them again and retry")
