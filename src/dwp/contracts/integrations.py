"""Bodies of the integrations service's API, as the claims service and the workers send and read them.

Every request names why the data is wanted: the claim and the lawful purpose, which the integrations
service records with each access. Money is integer pence. An `EarningsPayment` carries what the
benefits service's `hmrc_earnings` input needs (`paid_on`, `gross`, `income_tax`,
`national_insurance`); the caller adds which adult of the claim it belongs to.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dwp.platform.models import EdgeModel, IsoDate, UtcDateTime

LawfulPurpose = Literal[
    "new-claim-assessment",
    "monthly-assessment",
    "change-of-circumstances",
    "fraud-and-error-review",
]
"""Why DWP may ask a provider about a person (Social Security Administration Act 1992 gateways)."""

Advice = Literal["not-fit", "may-be-fit"]
Outcome = Literal["found", "no-match", "not-found", "refused", "provider-unavailable"]


class _Request(EdgeModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)
    claim_id: str = Field(min_length=1, max_length=64)
    purpose: LawfulPurpose


class BulkEarningsPerson(EdgeModel):
    """Whose earnings, for which claim, over which period: one person of a bulk look-up."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)
    claim_id: str = Field(min_length=1, max_length=64)
    national_insurance_number: str = Field(min_length=9, max_length=13)
    given_name: str = Field(min_length=1, max_length=35)
    family_name: str = Field(min_length=1, max_length=35)
    date_of_birth: IsoDate
    period_from: IsoDate
    period_to: IsoDate


class EarningsRequest(BulkEarningsPerson):
    """`POST /v1/earnings`: PAYE payments HMRC holds for a person in a period, and why they are asked."""

    purpose: LawfulPurpose


class EarningsPayment(BaseModel):
    """One payment an employer reported to HMRC through RTI."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    employer_name: str | None
    employer_paye_reference: str
    paid_on: date
    gross: int
    """Taxable pay in the pay period, pence."""
    income_tax: int
    """Tax deducted in the period, pence; negative for a refund."""
    national_insurance: int
    """Employee's Class 1 NICs in the period, pence."""
    tax_year: str
    pay_frequency: str | None = None


class Earnings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    access_id: str
    """The audit record of this look-up."""
    claim_id: str
    period_from: date
    period_to: date
    payments: list[EarningsPayment]


class NiRecordRequest(_Request):
    """`POST /v1/national-insurance-record`: the Class 1 record HMRC holds for a range of tax years (by
    the year each starts: 2023 is 2023-24), at most six and none later than the last complete one."""

    national_insurance_number: str = Field(min_length=9, max_length=13)
    date_of_birth: IsoDate
    first_tax_year: int = Field(ge=1975, le=2200)
    last_tax_year: int = Field(ge=1975, le=2200)


class NiYear(BaseModel):
    """One tax year of the record, as the benefits service's contribution conditions take it."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    tax_year: str
    """`2023-24`."""
    paid_earnings: int
    """Earnings factor of Class 1 contributions paid, pence."""
    credited_earnings: int
    """Earnings factor of Class 1 credits, pence."""


class NiRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    access_id: str
    claim_id: str
    years: list[NiYear]


MAX_BULK_EARNINGS = 500
"""People in one bulk look-up: a page of the monthly run's shard (200 awards) with a partner each."""


class BulkEarningsRequest(EdgeModel):
    """`POST /v1/earnings/bulk`: PAYE payments for many people at once (a page of a monthly run's shard),
    all for one lawful purpose. Service tokens only."""

    model_config = ConfigDict(frozen=True)
    purpose: LawfulPurpose
    people: list[BulkEarningsPerson] = Field(min_length=1, max_length=MAX_BULK_EARNINGS)


class BulkEarningsResult(BaseModel):
    """One person's answer, in the request's order: the earnings when found, else why not. An
    unavailable provider comes with `retry_after` seconds; the caller tries that person again later."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    index: int
    outcome: Outcome
    earnings: Earnings | None = None
    retry_after: float | None = None


class BulkEarnings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    results: list[BulkEarningsResult]


class FitNotesRequest(_Request):
    """`POST /v1/fit-notes`: the fit notes the NHS holds for a person."""

    nhs_number: str = Field(min_length=10, max_length=12)


class FitNote(BaseModel):
    """A statement of fitness for work; never a diagnosis, only its ICD-10 chapter (decision 6)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    start: date
    end: date
    issued: date
    advice: Advice
    condition_category: str | None
    adjustments: list[str]
    assessed_by: str | None
    follow_up_needed: bool


class FitNotes(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    access_id: str
    claim_id: str
    notes: list[FitNote]


class DataAccess(BaseModel):
    """One audit record: who asked, why, what, when, and what came of it."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    at: UtcDateTime
    caller: str
    caller_kind: str
    request_id: str | None
    claim_id: str
    purpose: str
    provider: str
    dataset: str
    subject: str
    """The person asked about, masked (never a full NINO or NHS number)."""
    period_from: date | None
    period_to: date | None
    outcome: Outcome
    records: int


class DataAccessPage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    items: list[DataAccess]
