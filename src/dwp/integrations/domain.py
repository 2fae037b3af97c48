"""Rules of the integrations service that know nothing of HTTP or SQL: identifiers and errors."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# HMRC NIM39110: two prefix letters (not D, F, I, Q, U or V; O not second; BG, GB, KN, NK, NT, TN and
# ZZ never allocated), six digits and a suffix A to D.
NINO_PATTERN = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")


class IntegrationsError(Exception):
    """Base of this service's domain errors."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidIdentifier(IntegrationsError):
    """A NINO or NHS number that cannot be one: refused before any provider is asked."""


class InvalidPeriod(IntegrationsError):
    pass


class NotMatched(IntegrationsError):
    """HMRC could not match the person (NINO, name and date of birth together)."""


class NoRecord(IntegrationsError):
    """The NHS has no (valid) record for the NHS number."""


class ProviderRefused(IntegrationsError):
    """The provider refused the request for a reason of ours (a scope, a header): fix, not retry."""


class ProviderUnavailable(IntegrationsError):
    """The provider is down, slow, rate-limiting or answering nonsense: try again after `retry_after`."""

    def __init__(self, provider: str, reason: str, retry_after: float | None) -> None:
        super().__init__(f"{provider} is not answering: {reason}")
        self.provider = provider
        self.retry_after = retry_after


def normalise_nino(value: str) -> str:
    """Upper case without spaces, checked against NIM39110."""
    nino = re.sub(r"\s+", "", value).upper()
    if not NINO_PATTERN.match(nino):
        raise InvalidIdentifier("not a valid National Insurance number", field="national_insurance_number")
    return nino


def normalise_nhs_number(value: str) -> str:
    """Digits only (spaces allowed as printed, 943 476 5919), passing the modulus 11 check."""
    number = re.sub(r"\s+", "", value)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        raise InvalidIdentifier("an NHS number is 10 digits", field="nhs_number")
    total = sum(int(digit) * weight for digit, weight in zip(number[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if check == 10 or check != int(number[9]):
        raise InvalidIdentifier("not a valid NHS number (modulus 11 check)", field="nhs_number")
    return number


def mask(identifier: str) -> str:
    """What the audit shows of an identifier: enough to tell records apart, not enough to use."""
    return identifier[:2] + "*" * (len(identifier) - 4) + identifier[-2:]


def pence(pounds: object) -> int:
    """Pounds as HMRC sends them (a JSON number with two decimals, read as Decimal) to integer pence."""
    try:
        amount = Decimal(str(pounds)) * 100
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {pounds!r}") from None
    if amount != amount.to_integral_value():
        raise ValueError(f"more than two decimal places: {pounds!r}")
    return int(amount)
