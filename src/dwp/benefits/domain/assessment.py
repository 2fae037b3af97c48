"""A stored assessment: the award worked out for one claim's period, with the inputs it was worked out
from and the explanation it gave, so any payment can be explained later without re-running old rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Assessment:
    id: str
    claim_id: str
    benefit: str
    period_start: date
    period_end: date
    tax_year: str
    award_pence: int
    inputs: dict[str, Any]
    kernel_inputs: dict[str, int]
    amounts: dict[str, int]
    explanation: list[dict[str, Any]]
    actor: str
    request_id: str | None
    created_at: datetime
