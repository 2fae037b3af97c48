"""The benefits domain's own errors. The service maps them to RFC 9457 problems at its edge."""

from __future__ import annotations


class BenefitsError(Exception):
    """Base of every error the rules raise."""


class UnknownTaxYear(BenefitsError):
    """No rates file covers the tax year or date asked for."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no rates for {what}")
        self.what = what


class InvalidCircumstances(BenefitsError):
    """The circumstances given cannot describe a real household (field names the offending input)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
