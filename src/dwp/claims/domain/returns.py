"""A payment the payment system rejected, or the bank returned (an ARUCS/ADDACS-style return), told to
the claim it paid: a work item for a caseworker and a to-do for the citizen to check their bank details.

Each return is one work item and one to-do whatever the number of times it is told: their ids are made
from the payment instruction and the stage (`ids_for`). The payments service holds the instruction,
the account and the amount; the claim keeps only the codes (no account, no amount).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Literal

from dwp.claims.domain.errors import FieldProblem, InvalidAnswers, MoveNotAllowed
from dwp.claims.domain.events import TodoAdded
from dwp.claims.domain.lifecycle import Transition
from dwp.claims.domain.model import AuditRecord, Claim, Status, Todo, TodoKind
from dwp.claims.domain.work import WorkItem, WorkKind

Stage = Literal["rejected", "returned"]
_ITEMS = uuid.UUID("5d0e3f7a-2b64-4c1e-9a8f-71c2e04b6d93")
_TODOS = uuid.UUID("a3c94e12-6f0b-4d78-8e21-0b5f9c7d3e46")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$", re.ASCII)
ACTION = "payment_returned"


def ids_for(instruction_id: str, stage: Stage) -> tuple[str, str]:
    """The work item's and the to-do's ids for one instruction's rejection or return."""
    name = f"{instruction_id}/{stage}"
    return str(uuid.uuid5(_ITEMS, name)), str(uuid.uuid5(_TODOS, name))


def payment_returned(
    claim: Claim,
    *,
    at: datetime,
    instruction_id: str,
    stage: Stage,
    reason_code: str,
    subject: str = "payments",
) -> Transition:
    """The work item and the citizen's to-do for a returned payment. A withdrawn or closed claim asks
    nothing more of the citizen: only the caseworker's item is opened."""
    if claim.status == Status.DRAFT:
        raise MoveNotAllowed(ACTION, claim.status.value, "a draft has no payments")
    if not _CODE.fullmatch(reason_code):
        raise InvalidAnswers([FieldProblem("reason_code", "a payment system's reason code", "pattern")])
    item_id, todo_id = ids_for(instruction_id, stage)
    todos = claim.todos
    events: tuple[TodoAdded, ...] = ()
    if not claim.finished and all(t.id != todo_id for t in claim.todos):
        todos = (*todos, Todo(todo_id, TodoKind.CHECK_BANK_DETAILS, at, subject=stage))
        events = (TodoAdded(claim.id, at, todo_id, TodoKind.CHECK_BANK_DETAILS.value),)
    new = replace(claim, todos=todos, version=claim.version + 1)
    audit = AuditRecord(
        claim_id=claim.id,
        action=ACTION,
        actor_subject=subject,
        actor_kind="system",
        at=at,
        reason=f"payment {stage}: {reason_code}",
        before={"status": claim.status.value, "version": claim.version},
        after={
            "status": new.status.value,
            "version": new.version,
            "instruction": instruction_id,
            "work_item": item_id,
            "todo": todo_id if events else None,
        },
    )
    item = WorkItem(
        id=item_id,
        kind=WorkKind.PAYMENT_RETURNED,
        claim_id=claim.id,
        benefit=claim.claim_type,
        claim_status=claim.status,
        created_at=at,
        # Codes and ids only: the payments service holds the account and the amount.
        note=f"payment {stage}: {reason_code} (instruction {instruction_id})"[:200],
    )
    return Transition(new, audit, events, (item,))
