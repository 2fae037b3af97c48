"""The claims service's side of the events it is told about by the workers (`dwp.workers.claims_inbox`):

- the automatic path, asked on `claims.submitted` and on each `claims.todo_done`: when nothing needs a
  person (`domain.automation.needs_a_person`), it decides as `casework.decide_automatically` does
  (HMRC earnings and NHS fit notes through integrations, the award from benefits, recorded as
  automated with the right to a person's review, never a disallowance). Benefits or integrations down
  or slow: the claim waits with a work item (`Waiting`, a 202), and the worker's queue asks again;
- a payment the payment system rejected or the bank returned (`payments.payment_returned`): a work
  item for a caseworker and a to-do for the citizen, once per instruction and stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from dwp.claims import casework
from dwp.claims.casework import Assessed, CaseworkContext, Waiting
from dwp.claims.domain import returns
from dwp.claims.domain.automation import needs_a_person
from dwp.claims.domain.errors import ClaimNotFound
from dwp.claims.domain.model import Claim
from dwp.claims.upstreams import Upstreams
from dwp.contracts import claims as contract


@dataclass(frozen=True)
class Automatic:
    """What the automatic path did: decided (`claim.latest_decision` is automated), or left the claim
    (`left_for_a_person` says why) to a person or to the citizen's to-dos."""

    claim: Claim
    assessed: Assessed | None = None
    left_for_a_person: str | None = None


async def decide_when_ready(
    ctx: CaseworkContext, upstreams: Upstreams, *, claim_id: str
) -> Automatic | Waiting:
    async with ctx.uow(read_only=True) as uow:
        claim = await uow.repository.get(claim_id)
        if claim is None:
            raise ClaimNotFound("There is no such claim")
        items = await uow.repository.work_for_claim(claim_id)
    reason = needs_a_person(claim, items)
    if reason is not None:
        return Automatic(claim, left_for_a_person=reason)
    result = await casework.decide_automatically(ctx, upstreams, claim_id=claim_id)
    if isinstance(result, Waiting):
        return result
    decided, assessed = result
    decision = decided.latest_decision
    if decision is None or not decision.automated:
        return Automatic(decided, assessed, left_for_a_person="left to a decision maker")
    return Automatic(decided, assessed)


async def open_returned_payment(
    ctx: CaseworkContext, body: contract.ReturnedPayment
) -> contract.ReturnedPaymentRef:
    """A caseworker's work item and the citizen's to-do for one rejected or returned payment; told again
    (the event delivered twice), it changes nothing and answers the same ids."""
    item_id, todo_id = returns.ids_for(body.instruction_id, body.stage)
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo = uow.repository
        claim = await repo.get(body.claim_id)
        if claim is None or claim.claimant.citizen_id not in (None, body.citizen_id):
            raise ClaimNotFound("There is no such claim")
        if await repo.get_work_item(item_id) is not None:
            has_todo = any(t.id == todo_id for t in claim.todos)
            return contract.ReturnedPaymentRef(
                work_item_id=item_id, todo_id=todo_id if has_todo else None, created=False
            )
        transition = returns.payment_returned(
            claim,
            at=now,
            instruction_id=body.instruction_id,
            stage=body.stage,
            reason_code=body.reason_code,
        )
        await casework.apply_transition(uow, claim, transition, now=now)
    return contract.ReturnedPaymentRef(
        work_item_id=item_id, todo_id=todo_id if transition.events else None, created=True
    )
