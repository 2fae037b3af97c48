"""The shapes that cross into and out of the payments service: an award to pay (from claims or the
monthly run), and the payment system's submission and its answers (the payments simulator follows them).

Amounts are integer pence; dates are ISO dates. None of these carries a name or a NINO; a payment
instruction carries the account it pays into, and travels only between payments and the payment system.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from dwp.platform.models import EdgeModel, IsoDate

Benefit = Literal["universal_credit", "new_style_jsa", "new_style_esa"]
Nation = Literal["england-and-wales", "scotland", "northern-ireland"]


class _Strict(EdgeModel):
    """A body the payments service or the payment system reads: strict, no unknown members."""


class DeductionShape(_Strict):
    code: str = Field(
        pattern=r"^[a-z0-9-]{1,64}$", description="Why: advance-recovery, third-party-rent-arrears..."
    )
    pence: int = Field(ge=0, le=10_000_000)


class AdvanceShape(_Strict):
    pence: int = Field(gt=0, le=10_000_000)
    paid_on: IsoDate
    instalments: int = Field(ge=1, le=24, description="Months to recover it over (24 at most)")


class AwardForPayment(_Strict):
    """An award to pay: claims sends it when it awards, and again (whole) as each period is assessed."""

    claim_id: str = Field(min_length=1, max_length=64)
    citizen_id: str = Field(min_length=1, max_length=64)
    benefit: Benefit
    first_day: IsoDate
    nation: Nation = "england-and-wales"
    period_amounts: list[int] = Field(max_length=600, description="Each period's award, in order")
    deductions: list[DeductionShape] = Field(default_factory=list, max_length=20)
    advance: AdvanceShape | None = None
    deduction_cap_pence: int | None = Field(None, ge=0)
    week_amounts: list[int] = Field(
        default_factory=list,
        max_length=600,
        description=(
            "New Style JSA and ESA: each benefit week's award from first_day, in order (period_amounts "
            "then empty); payments pays them by the fortnight in arrears"
        ),
    )

    overpayment_recovery_limit_pence: int | None = Field(
        None,
        ge=0,
        description=(
            "The most of an overpayment recovered from one period's payment (SS (Overpayments and Recovery)"
            " Regs 2013 reg 11(2)), inside the deduction cap; None: the cap alone"
        ),
    )

    @model_validator(mode="after")
    def _weeks_or_periods(self) -> AwardForPayment:
        if self.week_amounts and self.benefit == "universal_credit":
            raise ValueError("week_amounts are for New Style JSA and ESA; UC has period_amounts")
        if self.week_amounts and self.period_amounts:
            raise ValueError("give week_amounts or period_amounts, not both")
        if any(w < 0 for w in self.week_amounts):
            raise ValueError("a week's award is not negative")
        return self


MAX_AWARDS = 500
"""Awards in one bulk store (`POST /v1/internal/payments/awards`): a page of the monthly run."""
AWARDS_PATH = "/v1/internal/payments/awards"
AWARD_PATH = "/v1/internal/payments/awards/{award_id}"


class AwardToStore(_Strict):
    """One item of `AwardsForPayment`: an award's id and its terms, whole."""

    award_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    terms: AwardForPayment


class AwardsForPayment(_Strict):
    """`POST /v1/internal/payments/awards` (claims and the workers): many awards' latest terms in one
    transaction, each stored as `PUT .../awards/{award_id}` stores one (the same terms, the same version)."""

    items: list[AwardToStore] = Field(min_length=1, max_length=MAX_AWARDS)


AwardStoreOutcome = Literal["stored", "unchanged", "refused"]


class AwardStoredItem(BaseModel):
    """`stored` (new, or new terms: a new version), `unchanged` (the same terms: nothing changed) or
    `refused` (terms payments cannot pay, or another person's award id: `detail` says which field)."""

    award_id: str
    outcome: AwardStoreOutcome
    version: int | None = None
    detail: str | None = None


class AwardsStored(BaseModel):
    """The bulk store's answer (200): one item per item sent, in order."""

    items: list[AwardStoredItem]


# --- the payment system (Bacs / Faster Payments): submission, answer, returns ---------------------------

Scheme = Literal["bacs", "faster-payments"]
InstructionStatus = Literal["accepted", "rejected", "returned"]


class PaymentInstructionShape(_Strict):
    """One credit to one account: what a Bacs standard-18 record or a Faster Payments message carries."""

    instruction_id: str = Field(
        min_length=1, max_length=64, description="Unique per payment: resending is a no-op"
    )
    scheme: Scheme = "bacs"
    sort_code: str = Field(pattern=r"^[0-9]{6}$")
    account_number: str = Field(pattern=r"^[0-9]{8}$")
    account_name: str = Field(min_length=1, max_length=18, description="Bacs carries 18 characters")
    reference: str = Field(min_length=1, max_length=18, description="Bacs reference (a roll number if any)")
    pence: int = Field(gt=0, le=100_000_000)
    pay_on: IsoDate


class InstructionAnswer(BaseModel):
    """The payment system's answer to one instruction (the same answer whenever it is asked again)."""

    instruction_id: str
    status: InstructionStatus
    reason_code: str | None = None
    reason: str | None = None
    returned_on: date | None = None


class SubmissionAnswer(BaseModel):
    submission_id: str
    answers: list[InstructionAnswer]


class ReturnsPage(BaseModel):
    """Returns (ARUCS: unapplied credits; ADDACS-style advices) reported since a cursor."""

    items: list[InstructionAnswer]
    next_cursor: str | None = None
