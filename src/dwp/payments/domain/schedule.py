"""The payment schedule of an award: when each payment is due, the day it is paid, and what it pays.

- **Universal Credit** is paid monthly in arrears, 7 days after each assessment period ends (UC Regs
  2013 reg 21 for the periods; the UC, PIP, JSA and ESA (Claims and Payments) Regulations 2013, Part 4,
  for payment in arrears; GOV.UK "Universal Credit: your first payment" for the 7 days).
- **New Style JSA and ESA** are paid fortnightly in arrears (the same regulations, Part 4):
  fortnights from the first day of the award, each paid the day after it ends. Claims sends each
  benefit week's award (`week_amounts`); a fortnight pays its two weeks (`fortnights`), the last one
  only its one week when the award's weeks end half-way through it.
- A payment whose day is not a payment day (a weekend or bank holiday, `calendar`) is paid on the last
  payment day before it, as DWP does ("if your payment date is on a weekend or bank holiday, you'll
  usually be paid on the working day before").
- **Deductions** the award shows (an advance's recovery, third-party deductions, an overpayment's
  recovery) come off each payment, in order, up to the award's cap (`deduction_cap_pence`, the limit the
  rules issue, such as UC's share of the standard allowance); what the cap leaves of an advance is
  recovered from later payments, so the plan only runs longer.
- **A revision** (a change of circumstances, `settle`): claims sends the award's terms again, whole, with
  the revised periods. A payment already instructed is never changed (its instruction id is one payment);
  the difference between what each instructed period now comes to and what was instructed for it is
  carried to the next payments not yet instructed: more is paid with the next payment as arrears, less
  is an overpayment recovered from the next payments as a deduction (`overpayment-recovery`) inside
  what the cap leaves (Social Security (Overpayments and Recovery) Regulations 2013 reg 11; UC, PIP,
  JSA and ESA (Claims and Payments) Regs 2013 Sch 6 para 3, the overall cap the sender gives). A UC,
  New Style JSA or ESA overpayment is recoverable whatever its cause, official error included
  (Social Security Administration Act 1992 s.71ZB(1)); claims records the cause.
- **A UC advance** is recovered in equal monthly instalments (the last one what is left) from the first
  payment on, over the months agreed (up to 24 for a new claim advance: GOV.UK "Universal Credit
  advances").

Money is integer pence. Every scheduled payment has a deterministic instruction id (award and number),
so sending it twice is the same instruction, never a second payment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from dwp.payments.domain import calendar, dates
from dwp.payments.domain.errors import InvalidAward

Benefit = Literal["universal_credit", "new_style_jsa", "new_style_esa"]
UC_PAYMENT_DELAY_DAYS = 7
FORTNIGHT_DAYS = 14
ADVANCE_RECOVERY = "advance-recovery"
OVERPAYMENT_RECOVERY = "overpayment-recovery"
_INSTRUCTIONS = uuid.UUID("0a1f3a5e-9b1d-4c1e-8d7a-2f6a0b9d5c11")
"""Namespace of instruction ids (uuid5 of the award id and the payment's number)."""


@dataclass(frozen=True)
class Deduction:
    """An amount the award shows coming off each payment (its `code` names why)."""

    code: str
    pence: int


@dataclass(frozen=True)
class Advance:
    pence: int
    paid_on: date
    instalments: int


@dataclass(frozen=True)
class Award:
    """An award as payments needs it: whose, which benefit, from when, and what each period awards."""

    id: str
    claim_id: str
    citizen_id: str
    benefit: Benefit
    first_day: date
    nation: calendar.Nation
    period_amounts: tuple[int, ...]
    """UC: each assessment period's award; JSA and ESA: each fortnight's (twice the weekly rate)."""
    deductions: tuple[Deduction, ...] = ()
    advance: Advance | None = None
    deduction_cap_pence: int | None = None
    week_amounts: tuple[int, ...] = ()
    """JSA and ESA, when claims sends them by benefit week: each week's award (`period_amounts` is then
    `fortnights(week_amounts)`, so the schedule works on fortnights either way)."""
    overpayment_recovery_limit_pence: int | None = None
    """The most of an overpayment recovered from one payment (O&R Regs 2013 reg 11(2): the rate for the
    case, from claims), inside what the cap leaves; None: the cap alone limits it."""


def fortnights(week_amounts: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """Benefit weeks paired into fortnights from the award's first day: weeks 1-2, 3-4, ...; an odd last
    week is its fortnight's whole amount. Worked example: weeks of 95.55, 95.55, 27.30 (a part-week) and
    0.00 are fortnights of 191.10 and 27.30."""
    weeks = list(week_amounts)
    return tuple(sum(weeks[i : i + 2]) for i in range(0, len(weeks), 2))


def by_weeks(award: Award) -> Award:
    """The award with its fortnights worked out from its weeks (unchanged when it has none)."""
    if not award.week_amounts:
        return award
    return replace(award, period_amounts=fortnights(award.week_amounts))


@dataclass(frozen=True)
class ScheduledPayment:
    award_id: str
    number: int
    period_start: date
    period_end: date
    due_on: date
    pay_on: date
    moved_because: tuple[str, ...]
    gross_pence: int
    deductions: tuple[Deduction, ...]
    net_pence: int
    arrears_pence: int = 0
    """What a revision added for earlier periods already paid (included in `net_pence`)."""

    @property
    def instruction_id(self) -> str:
        return instruction_id(self.award_id, self.number)


def instruction_id(award_id: str, number: int) -> str:
    return str(uuid.uuid5(_INSTRUCTIONS, f"{award_id}/{number}"))


def check_award(award: Award) -> Award:
    if award.benefit not in ("universal_credit", "new_style_jsa", "new_style_esa"):
        raise InvalidAward("The benefit is universal_credit, new_style_jsa or new_style_esa", field="benefit")
    if any(p < 0 for p in award.period_amounts):
        raise InvalidAward("An award for a period is not negative", field="period_amounts")
    if award.week_amounts:
        if award.benefit == "universal_credit":
            raise InvalidAward("Universal Credit is paid by assessment period", field="week_amounts")
        if any(w < 0 for w in award.week_amounts):
            raise InvalidAward("An award for a week is not negative", field="week_amounts")
        if award.period_amounts != fortnights(award.week_amounts):
            raise InvalidAward("The fortnights are the award's weeks two by two", field="period_amounts")
    if any(d.pence < 0 for d in award.deductions):
        raise InvalidAward("A deduction is not negative", field="deductions")
    if award.deduction_cap_pence is not None and award.deduction_cap_pence < 0:
        raise InvalidAward("The deduction cap is not negative", field="deduction_cap_pence")
    if award.overpayment_recovery_limit_pence is not None and award.overpayment_recovery_limit_pence < 0:
        raise InvalidAward(
            "The overpayment recovery limit is not negative", field="overpayment_recovery_limit_pence"
        )
    if award.advance is not None:
        if award.advance.pence <= 0 or not 1 <= award.advance.instalments <= 24:
            raise InvalidAward("An advance is more than 0, recovered over 1 to 24 months", field="advance")
        if award.benefit != "universal_credit":
            raise InvalidAward("Only Universal Credit has advances recovered this way", field="advance")
    try:
        # The last period's payment day must be a date (year 9999 is not a start that can be paid).
        _period(award, len(award.period_amounts))
    except (OverflowError, ValueError) as exc:
        raise InvalidAward(
            "The award's dates are not dates payments can be made on", field="first_day"
        ) from exc
    return award


def _period(award: Award, n: int) -> tuple[date, date, date]:
    """The n-th period's first and last days and the day its payment is due."""
    if award.benefit == "universal_credit":
        start = dates.assessment_period_start(award.first_day, n)
        end = dates.assessment_period_end(award.first_day, n)
        return start, end, end + timedelta(days=UC_PAYMENT_DELAY_DAYS)
    start = award.first_day + timedelta(days=FORTNIGHT_DAYS * n)
    end = start + timedelta(days=FORTNIGHT_DAYS - 1)
    return start, end, end + timedelta(days=1)


def schedule(award: Award) -> list[ScheduledPayment]:
    """Every payment of the award, in order, with its deductions worked out period by period."""
    check_award(award)
    payments = []
    advance_left = award.advance.pence if award.advance else 0
    instalment = -(-award.advance.pence // award.advance.instalments) if award.advance else 0
    for n, gross in enumerate(award.period_amounts):
        start, end, due = _period(award, n)
        pay_on, skipped = calendar.payment_day_on_or_before(due, award.nation)
        room = gross if award.deduction_cap_pence is None else min(gross, award.deduction_cap_pence)
        taken: list[Deduction] = []
        wanted = []
        if advance_left and award.advance and award.advance.paid_on <= pay_on:
            wanted.append(Deduction(ADVANCE_RECOVERY, min(instalment, advance_left)))
        wanted.extend(award.deductions)
        for deduction in wanted:
            amount = min(deduction.pence, room)
            if amount:
                taken.append(Deduction(deduction.code, amount))
                room -= amount
                if deduction.code == ADVANCE_RECOVERY:
                    advance_left -= amount
        payments.append(
            ScheduledPayment(
                award_id=award.id,
                number=n,
                period_start=start,
                period_end=end,
                due_on=due,
                pay_on=pay_on,
                moved_because=tuple(skipped),
                gross_pence=gross,
                deductions=tuple(taken),
                net_pence=gross - sum(d.pence for d in taken),
            )
        )
    return payments


def advance_outstanding(award: Award) -> int:
    """What of the advance the award's periods leave to be recovered from later awards."""
    if award.advance is None:
        return 0
    recovered = sum(d.pence for p in schedule(award) for d in p.deductions if d.code == ADVANCE_RECOVERY)
    return award.advance.pence - recovered


def _room(award: Award, payment: ScheduledPayment) -> int:
    """What the cap still leaves to deduct from this payment after its own deductions."""
    cap = payment.gross_pence if award.deduction_cap_pence is None else award.deduction_cap_pence
    return max(0, min(cap, payment.gross_pence) - sum(d.pence for d in payment.deductions))


def settle(award: Award, paid: Mapping[int, int]) -> tuple[list[ScheduledPayment], int]:
    """The award's payments given what was already instructed for each (`paid`: payment number ->
    pence), and the overpayment still to recover after them (0 when none).

    An instructed payment stays as it was; the balance of each (what its period now comes to, less what
    was instructed) is carried to the next payment not yet instructed: a positive balance is paid there
    as arrears, a negative one (an overpayment) is deducted there and from the payments after it, at
    most what the cap leaves of each and at most the award's overpayment recovery limit (the rate O&R
    Regs 2013 reg 11(2) sets for the case: 15%, 25% with earnings, 40% after a fraud finding). Because
    an instructed payment's arrears or recovery are part of what was instructed for it, working this out
    again after it is paid carries nothing twice.

    Worked example (by hand): periods of 600.00 each, the first two instructed at 600.00; a change cuts
    both to 450.00 and the cap is 60.02 (15% of the 25-or-over standard allowance 400.14, rounded down).
    The balance is 2 x (450.00 - 600.00) = -300.00: the third payment pays 450.00 - 60.02 = 389.98 with
    an overpayment-recovery deduction of 60.02, and 239.98 is left for the payments after it.
    """
    payments = []
    balance = 0
    for payment in schedule(award):
        if payment.number in paid:
            balance += payment.net_pence - paid[payment.number]
            payments.append(payment)
            continue
        if balance > 0:
            payment = replace(payment, arrears_pence=balance, net_pence=payment.net_pence + balance)
            balance = 0
        elif balance < 0:
            take = min(-balance, _room(award, payment), payment.net_pence)
            if award.overpayment_recovery_limit_pence is not None:
                take = min(take, award.overpayment_recovery_limit_pence)
            if take:
                payment = replace(
                    payment,
                    deductions=(*payment.deductions, Deduction(OVERPAYMENT_RECOVERY, take)),
                    net_pence=payment.net_pence - take,
                )
                balance += take
        payments.append(payment)
    return payments, max(0, -balance)
