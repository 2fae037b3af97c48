"""The payments service's domain errors; `app.py`'s one error table turns each into a problem document."""

from __future__ import annotations


class PaymentsError(Exception):
    """Base of every payments domain error. `field` names the command's field at fault, if one is."""

    field: str | None = None

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def field_errors(self) -> list[tuple[str, str]]:
        return [(self.field, self.message)] if self.field else []


class InvalidBankDetails(PaymentsError):
    """A sort code, account number, roll number or account name that cannot be paid into."""


class InvalidBankDetailsList(PaymentsError):
    """Several fields broke the rules at once: each is named, so the citizen can fix them all."""

    def __init__(self, errors: list[PaymentsError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors))
        self.errors = errors

    def field_errors(self) -> list[tuple[str, str]]:
        return [item for error in self.errors for item in error.field_errors()]


class BankDetailsNotFound(PaymentsError):
    pass


class HoldNotFound(PaymentsError):
    pass


class HoldAlreadyDecided(PaymentsError):
    pass


class StaleVersion(PaymentsError):
    pass


class VersionRequired(PaymentsError):
    pass


class AwardNotFound(PaymentsError):
    pass


class InvalidAward(PaymentsError):
    pass


class InstructionNotFound(PaymentsError):
    pass


class RunOverlap(PaymentsError):
    """Another payment run recorded some of the same instructions first (their ids are unique)."""
