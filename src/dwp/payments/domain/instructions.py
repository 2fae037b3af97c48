"""A payment instruction: one scheduled payment sent to the payment system, and where it stands.

Its id is the scheduled payment's (`schedule.instruction_id`: the award and the payment's number), so
however often it is sent it is one payment. Its life: `pending` (recorded before the first send) ->
`accepted`, or `rejected` (with the system's reason code) -> and an accepted one may later be
`returned` by the receiving bank (with the return's reason code).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from dwp.payments.domain.bank import BankAccount
from dwp.payments.domain.schedule import ScheduledPayment

InstructionStatus = Literal["pending", "accepted", "rejected", "returned"]
BACS_NAME_LENGTH = 18
"""A Bacs standard-18 record carries 18 characters of the name and of the reference."""


@dataclass(frozen=True)
class Instruction:
    id: str
    award_id: str
    claim_id: str
    citizen_id: str
    number: int
    pay_on: date
    pence: int
    status: InstructionStatus = "pending"
    reason_code: str | None = None


def bacs_text(text: str) -> str:
    """Text as a Bacs record carries it: upper case A-Z, 0-9, space and `. / - & ,`, 18 characters."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ./-&,")
    # Accents come off (Zoë is ZOE), anything else Bacs cannot carry becomes a space.
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    folded = "".join(ch if ch in allowed else " " for ch in plain.upper())
    return " ".join(folded.split())[:BACS_NAME_LENGTH] or "DWP"


def reference(payment: ScheduledPayment, account: BankAccount) -> str:
    """The reference the person sees on their statement: a roll number when the account needs one."""
    if account.roll_number:
        return bacs_text(account.roll_number)
    return bacs_text(f"DWP {payment.award_id[:8]} {payment.number}")
