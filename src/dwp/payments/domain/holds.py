"""A hold on a person's next payment, for a caseworker's check after a change of bank details."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from dwp.payments.domain.errors import HoldAlreadyDecided

HoldStatus = Literal["held", "released", "stopped"]


@dataclass(frozen=True)
class PaymentHold:
    id: str
    citizen_id: str
    bank_details_id: str
    reasons: tuple[str, ...]
    """The codes of the fraud rules the change matched (`data/fraud_rules.toml`)."""
    rules_version: str
    status: HoldStatus
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status == "held"


def decide(hold: PaymentHold, *, release: bool, by: str, at: datetime, reason: str) -> PaymentHold:
    """A caseworker releases the hold (the change was the person's) or stops the payment (it was not)."""
    if not hold.open:
        raise HoldAlreadyDecided(f"This hold was already {hold.status}")
    return replace(
        hold,
        status="released" if release else "stopped",
        decided_by=by,
        decided_at=at,
        decision_reason=reason,
    )
