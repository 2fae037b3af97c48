"""The rights every decision notice states, and the time limits for using them.

- A mandatory reconsideration is asked for within one month of the date the decision was notified, or
  late with reasons up to 13 months from it (UC, PIP, JSA and ESA (Decisions and Appeals) Regulations
  2013, regs 5 and 6). It is decided by a different decision maker.
- An appeal goes to the First-tier Tribunal only against a mandatory reconsideration notice (same Regs,
  reg 7), within one month of that notice, late up to 12 months after that month (Tribunal Procedure
  (First-tier Tribunal) (Social Entitlement Chamber) Rules 2008, r22(2)(d) and r22(8)).
- A decision made automatically may be reviewed by a person on request (UK GDPR Art. 22(3)).
- After the tribunal, the Upper Tribunal on a point of law, with permission (Tribunals, Courts and
  Enforcement Act 2007 s.11), asked within a month of the tribunal's written reasons.
"""

from __future__ import annotations

from datetime import date

from dwp.claims.domain.dates import add_months
from dwp.claims.domain.errors import LateReasonsRequired, NotReconsiderable, TooLate
from dwp.claims.domain.model import DecisionKind, Right
from dwp.claims.domain.text import text_problem

IN_TIME_MONTHS = 1
LATEST_MONTHS = 13
MR_SOURCE = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013 regs 5 and 6"
APPEAL_SOURCE = "Tribunal Procedure (First-tier Tribunal) (Social Entitlement Chamber) Rules 2008 r22"
REVIEW_SOURCE = "UK GDPR Art. 22(3)"
UPPER_TRIBUNAL_SOURCE = "Tribunals, Courts and Enforcement Act 2007 s.11"


def window(notified_on: date) -> tuple[date, date]:
    """The last day to ask in time, and the last day to ask late."""
    return add_months(notified_on, IN_TIME_MONTHS), add_months(notified_on, LATEST_MONTHS)


def rights_for(kind: DecisionKind, notified_on: date, *, automated: bool) -> tuple[Right, ...]:
    """What the notice of a decision of this kind tells the person they can do next."""
    ask_by, late_until = window(notified_on)
    if kind in (DecisionKind.INITIAL, DecisionKind.HUMAN_REVIEW):
        rights = [Right("mandatory_reconsideration", ask_by, late_until, MR_SOURCE)]
        if automated:
            rights.append(Right("human_review", None, None, REVIEW_SOURCE))
        return tuple(rights)
    if kind == DecisionKind.RECONSIDERATION:
        return (Right("appeal", ask_by, late_until, APPEAL_SOURCE),)
    return (Right("upper_tribunal", None, None, UPPER_TRIBUNAL_SOURCE),)


def check_in_time(requested_on: date, notified_on: date, late_reasons: str) -> bool:
    """Whether a request is late (True) or in time (False); refuses one past the latest day, and a late
    one without reasons. The last day of each period counts as in it."""
    if requested_on < notified_on:
        raise NotReconsiderable("asked before the decision was notified")
    ask_by, late_until = window(notified_on)
    if requested_on <= ask_by:
        return False
    if requested_on > late_until:
        raise TooLate(f"the last day to ask, even late, was {late_until.isoformat()}")
    problem = text_problem("late_reasons", late_reasons, required=True)
    if problem is not None:
        message = (
            "say why you are asking after " + ask_by.isoformat()
            if problem.code == "required"
            else problem.message
        )
        raise LateReasonsRequired(message)
    return True
