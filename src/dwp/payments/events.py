"""What the payments service tells the rest of the platform, always through the unit of work's outbox.
No event carries a sort code, an account number, a name or an amount (docs/decisions/0004)."""

from __future__ import annotations

from dwp.contracts.events import (
    PaymentsBankDetailsChanged,
    PaymentsHoldDecided,
    PaymentsPaymentHeld,
    PaymentsPaymentReturned,
)
from dwp.contracts.payments import InstructionAnswer
from dwp.payments.domain.bank import BankDetails
from dwp.payments.domain.holds import PaymentHold
from dwp.payments.domain.instructions import Instruction
from dwp.platform.catalog import PAYMENTS_EVENTS_TOPIC
from dwp.platform.uow import Outbox

SOURCE = "payments"


async def bank_details_changed(outbox: Outbox, details: BankDetails, *, first: bool, held: bool) -> str:
    event = PaymentsBankDetailsChanged(
        citizen_id=details.citizen_id, bank_details_id=details.id, first=first, held=held
    )
    return await outbox.add(PAYMENTS_EVENTS_TOPIC, event)


async def payment_held(outbox: Outbox, hold: PaymentHold) -> str:
    event = PaymentsPaymentHeld(citizen_id=hold.citizen_id, hold_id=hold.id, reasons=list(hold.reasons))
    return await outbox.add(PAYMENTS_EVENTS_TOPIC, event)


async def hold_decided(outbox: Outbox, hold: PaymentHold) -> str:
    assert hold.status in ("released", "stopped")
    event = PaymentsHoldDecided(citizen_id=hold.citizen_id, hold_id=hold.id, outcome=hold.status)
    return await outbox.add(PAYMENTS_EVENTS_TOPIC, event)


async def payment_returned(outbox: Outbox, instruction: Instruction, answer: InstructionAnswer) -> str:
    assert answer.status in ("rejected", "returned")
    event = PaymentsPaymentReturned(
        citizen_id=instruction.citizen_id,
        claim_id=instruction.claim_id,
        award_id=instruction.award_id,
        instruction_id=instruction.id,
        stage=answer.status,
        reason_code=answer.reason_code or "unknown",
    )
    return await outbox.add(PAYMENTS_EVENTS_TOPIC, event)
