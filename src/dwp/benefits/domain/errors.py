"""The benefits domain's own errors. The service's error table (`benefits/app.py`) maps them to RFC 9457
problems; each names the field at fault, relative to the household."""

from __future__ import annotations


class BenefitsError(Exception):
    """Base of every error the rules raise."""


class UnknownTaxYear(BenefitsError):
    """No rates file covers the tax year or date asked for; `field` names the input that asked
    (`tax_year`, or `period_start` for the date an assessment period starts)."""

    def __init__(self, what: str, field: str = "tax_year") -> None:
        super().__init__(f"no rates for {what}")
        self.what = what
        self.field = field


class InvalidCircumstances(BenefitsError):
    """The circumstances given cannot describe a real household (field names the offending input)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
