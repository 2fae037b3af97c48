"""Payment system simulator: a submission of credits in the shape of Bacs (or Faster Payments), its
answer per instruction, and the returns that come back days later.

What it follows (the shape, not the schemes' file formats, which are fixed-width Bacs standard-18 and
ISO 20022 messages): a submission holds instructions, each one credit of `pence` to a sort code and
8-digit account with an 18-character name and reference and a processing day; each is **accepted**, or
**rejected** at once with a reason code (as a Bacs input report or a Faster Payments rejection), and an
accepted one may be **returned** later by the receiving bank (as Bacs's ARUCS report of unapplied
credits; the ADDACS-style advice codes beside it), which `GET /v1/returns` lists after a cursor.

- `POST /v1/submissions` `{"instructions": [...]}`: the answer for each. An instruction id seen before
  is answered as it was the first time and is never paid again (the scheme's duplicate check), so a
  sender that lost the answer can send again safely.
- `GET /v1/instructions/{instruction_id}`: what became of one instruction (404 if never received), for
  a sender reconciling after a crash.
- `GET /v1/returns?after=<cursor>`: returns since the cursor, oldest first.
- Test control: `PUT /_simulator/payments/accounts` `{"sort_code", "account_number", "outcome":
  "reject"|"return", "reason_code"}` makes an account misbehave; `GET /_simulator/payments` shows what
  was received and how many payments were made for each instruction; `DELETE` clears it all. The shared
  fault control (`/_simulator/control`: slow, error, timeout...) makes the whole system misbehave.

A bearer key is required (`Authorization: Bearer <key>`; `DWP_PAYMENT_SYSTEM_KEY`, default
`local-payment-system-key`), as the payment bureau's API would ask for its credentials.
"""

from __future__ import annotations

import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from dwp.contracts.payments import InstructionAnswer, PaymentInstructionShape, ReturnsPage, SubmissionAnswer
from dwp.platform.models import EdgeModel
from dwp.simulators.control import control_allowed, control_problem, json_error_body, mount_control, refusal

LOCAL_KEY = "local-payment-system-key"
MAX_INSTRUCTIONS = 10_000
FASTER_PAYMENTS_LIMIT_PENCE = 100_000_000
"""Faster Payments' scheme limit per payment, £1 million."""

REJECTIONS = {
    "R01": "Sort code not reachable for this scheme",
    "R02": "Amount over the scheme's limit",
    "R03": "Processing day is not a Bacs processing day",
    "R04": "Account cannot accept credits",
}
"""Immediate rejections (the simulator's codes, in the shape of a Bacs input report)."""

RETURNS = {
    "ARUCS-0": "Refer to payer",
    "ARUCS-2": "Beneficiary deceased",
    "ARUCS-3": "Account transferred",
    "ARUCS-5": "No account (or wrong account type)",
    "ARUCS-B": "Account closed",
}
"""Returns of unapplied credits by the receiving bank (ARUCS's reasons, and ADDACS's for B and 3)."""

RETURN_DAYS = 3
"""A return reaches the originator about three working days after the processing day (Bacs cycle)."""


class AccountRule(EdgeModel):
    sort_code: str = Field(pattern=r"^[0-9]{6}$")
    account_number: str = Field(pattern=r"^[0-9]{8}$")
    outcome: Literal["reject", "return"]
    reason_code: str


class Submission(EdgeModel):
    instructions: list[PaymentInstructionShape] = Field(min_length=1, max_length=MAX_INSTRUCTIONS)


@dataclass
class Received:
    instruction: PaymentInstructionShape
    answer: InstructionAnswer
    submissions: int = 1
    paid: int = 0


@dataclass
class PaymentSystem:
    received: dict[str, Received] = field(default_factory=dict)
    rules: dict[tuple[str, str], AccountRule] = field(default_factory=dict)
    returns: list[InstructionAnswer] = field(default_factory=list)

    def take(self, instruction: PaymentInstructionShape) -> InstructionAnswer:
        seen = self.received.get(instruction.instruction_id)
        if seen is not None:
            seen.submissions += 1
            return seen.answer
        rule = self.rules.get((instruction.sort_code, instruction.account_number))
        answer = InstructionAnswer(instruction_id=instruction.instruction_id, status="accepted")
        if instruction.scheme == "faster-payments" and instruction.pence > FASTER_PAYMENTS_LIMIT_PENCE:
            answer = _rejected(instruction, "R02")
        elif instruction.pay_on.weekday() >= 5:
            answer = _rejected(instruction, "R03")
        elif rule is not None and rule.outcome == "reject":
            answer = _rejected(instruction, rule.reason_code)
        record = Received(instruction, answer, paid=1 if answer.status == "accepted" else 0)
        self.received[instruction.instruction_id] = record
        if answer.status == "accepted" and rule is not None and rule.outcome == "return":
            returned = InstructionAnswer(
                instruction_id=instruction.instruction_id,
                status="returned",
                reason_code=rule.reason_code,
                reason=RETURNS.get(rule.reason_code, "Returned by the receiving bank"),
                returned_on=instruction.pay_on + timedelta(days=RETURN_DAYS),
            )
            self.returns.append(returned)
            record.answer = returned
        return answer


def _rejected(instruction: PaymentInstructionShape, code: str) -> InstructionAnswer:
    return InstructionAnswer(
        instruction_id=instruction.instruction_id,
        status="rejected",
        reason_code=code,
        reason=REJECTIONS.get(code, "Rejected"),
    )


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message}]}, status_code=status)


def _fault(status: int) -> dict[str, Any]:
    return {
        "errors": [{"code": "SYSTEM_UNAVAILABLE" if status >= 500 else "RATE_LIMITED", "message": "fault"}]
    }


def create_app(*, key: str | None = None) -> FastAPI:
    system = PaymentSystem()
    keys = [key or os.environ.get("DWP_PAYMENT_SYSTEM_KEY") or LOCAL_KEY]
    app = FastAPI(title="Payment system simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.payment_system = system
    mount_control(app, error_body=json_error_body(_fault))

    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), keys[0].encode())

    @app.put("/_simulator/key", include_in_schema=False)
    async def new_key(request: Request) -> JSONResponse:
        """The bureau issues a new key (rotation): the old one is refused from now on."""
        if not control_allowed():
            return refusal()
        try:
            given = json.loads(await request.body())["key"]
            if not isinstance(given, str) or not 16 <= len(given) <= 200:
                raise ValueError("key: 16 to 200 characters")
        except (ValueError, KeyError, TypeError) as exc:
            return control_problem(400, "Not a key", str(exc)[:200])
        keys[0] = given
        return JSONResponse({"rotated": True})

    @app.post("/v1/submissions")
    async def submit(request: Request) -> JSONResponse:
        if not authorised(request):
            return _error(401, "UNAUTHORISED", "Send the payment system key as a bearer token")
        try:
            submission = Submission.model_validate_json(await request.body())
        except ValidationError as exc:
            return _error(400, "INVALID_SUBMISSION", f"{exc.error_count()} fields are not valid")
        answers = [system.take(instruction) for instruction in submission.instructions]
        body = SubmissionAnswer(submission_id=str(uuid.uuid4()), answers=answers)
        return JSONResponse(body.model_dump(mode="json"))

    @app.get("/v1/instructions/{instruction_id}")
    async def instruction(instruction_id: str, request: Request) -> JSONResponse:
        if not authorised(request):
            return _error(401, "UNAUTHORISED", "Send the payment system key as a bearer token")
        seen = system.received.get(instruction_id)
        if seen is None:
            return _error(404, "NOT_FOUND", "No instruction with that id was received")
        return JSONResponse(seen.answer.model_dump(mode="json"))

    @app.get("/v1/returns")
    async def returns(request: Request, after: int = 0) -> JSONResponse:
        if not authorised(request):
            return _error(401, "UNAUTHORISED", "Send the payment system key as a bearer token")
        items = system.returns[max(after, 0) :]
        page = ReturnsPage(items=items, next_cursor=str(len(system.returns)))
        return JSONResponse(page.model_dump(mode="json"))

    @app.put("/_simulator/payments/accounts")
    async def account_rule(request: Request) -> JSONResponse:
        if not control_allowed():
            return _error(403, "FORBIDDEN", "The simulator's control works only in local and test")
        try:
            rule = AccountRule.model_validate_json(await request.body())
        except ValidationError:
            return _error(400, "INVALID_RULE", "sort_code, account_number, outcome and reason_code")
        system.rules[(rule.sort_code, rule.account_number)] = rule
        return JSONResponse(rule.model_dump())

    @app.get("/_simulator/payments")
    async def show() -> JSONResponse:
        if not control_allowed():
            return _error(403, "FORBIDDEN", "The simulator's control works only in local and test")
        return JSONResponse(
            {
                "instructions": {
                    k: {
                        "submissions": r.submissions,
                        "paid": r.paid,
                        "status": r.answer.status,
                        "pence": r.instruction.pence,
                    }
                    for k, r in system.received.items()
                },
                "payments": sum(r.paid for r in system.received.values()),
                "returns": len(system.returns),
            }
        )

    @app.delete("/_simulator/payments")
    async def clear() -> JSONResponse:
        if not control_allowed():
            return _error(403, "FORBIDDEN", "The simulator's control works only in local and test")
        system.received.clear()
        system.rules.clear()
        system.returns.clear()
        return JSONResponse({"cleared": True})

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app
