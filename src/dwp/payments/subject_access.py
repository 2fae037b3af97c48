"""The payments service's part of a subject access export (UK GDPR Art 15; decision 0011): the person's
bank details in full (decision 0011 says why not masked), the devices trusted for a change of them (as
the dates they were first trusted: the stored keyed hash means nothing to anyone without the key),
payment holds, awards with their terms, every payment instruction (without the account it was sent
to, which is the bank details above), and the audit of the bank details, who read them included.

Only the claims service asks (it assembles the archive), for a team leader whose own token comes in
`On-Behalf-Of` and is checked here. The export is audited on the person's bank details audit under the
export's id, so a retried request writes one entry.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from dwp.contracts.subject_access import ExportRequest, PaymentsPart, export_audit_id
from dwp.payments.repository import (
    SqlPaymentsRepository,
    audit_log,
    awards,
    known_devices,
    payment_holds,
    payment_instructions,
    utc,
)
from dwp.payments.service import PaymentsContext
from dwp.platform.auth import Principal, SubjectAccessAsker
from dwp.platform.database import conflict_insert

router = APIRouter(prefix="/v1/internal/payments", tags=["internal"])


def _ctx(request: Request) -> PaymentsContext:
    ctx: PaymentsContext = request.app.state.payments_context
    return ctx


@router.post(
    "/citizens/{citizen_id}/subject-access-exports",
    response_model=PaymentsPart,
    summary="Everything this service holds about a person, for a subject access export (claims only)",
)
async def export(
    citizen_id: str,
    body: ExportRequest,
    ctx: Annotated[PaymentsContext, Depends(_ctx)],
    asked: SubjectAccessAsker,
) -> PaymentsPart:
    return await export_person(ctx, citizen_id=citizen_id, request=body, staff=asked.staff, via=asked.via)


def _moment(value: Any) -> str | None:
    return utc(value).isoformat() if value is not None else None


async def export_person(
    ctx: PaymentsContext, *, citizen_id: str, request: ExportRequest, staff: Principal, via: str
) -> PaymentsPart:
    """Read everything about the person and audit the export, in one transaction. A person this service
    knows nothing of has an empty part (and the audit entry that says it was asked)."""
    async with ctx.uow() as uow:
        repository = uow.repository
        assert isinstance(repository, SqlPaymentsRepository)
        connection = repository.session
        details = await repository.bank_details(citizen_id)
        devices = (
            await connection.execute(
                select(known_devices.c.first_seen)
                .where(known_devices.c.citizen_id == citizen_id)
                .order_by(known_devices.c.first_seen)
            )
        ).all()
        h = payment_holds.c
        holds = (
            await connection.execute(
                select(payment_holds).where(h.citizen_id == citizen_id).order_by(h.created_at, h.id)
            )
        ).all()
        a = awards.c
        award_rows = (
            await connection.execute(select(awards).where(a.citizen_id == citizen_id).order_by(a.id))
        ).all()
        i = payment_instructions.c
        instruction_rows = (
            await connection.execute(
                select(
                    i.id,
                    i.award_id,
                    i.claim_id,
                    i.number,
                    i.pay_on,
                    i.pence,
                    i.status,
                    i.reason_code,
                    i.attempts,
                    i.created_at,
                    i.answered_at,
                )
                .where(i.citizen_id == citizen_id)
                .order_by(i.award_id, i.number)
            )
        ).all()
        # The export's own entry last: a write takes SQLite's lock, so the reads come first.
        entry = conflict_insert(connection, audit_log).values(
            id=export_audit_id(request.export_id, "payments", citizen_id),
            citizen_id=citizen_id,
            actor=staff.subject,
            actor_kind=staff.kind,
            action="subject_access_exported",
            reason=f"subject access request {request.reference} (export {request.export_id}, via {via})",
            at=ctx.clock(),
        )
        await connection.execute(entry.on_conflict_do_nothing())
        audit = await repository.audit_trail(citizen_id, limit=1_000_000)
    bank = None
    if details is not None:
        bank = {
            "id": details.id,
            "sort_code": details.account.sort_code,
            "account_number": details.account.account_number,
            "account_name": details.account.account_name,
            "roll_number": details.account.roll_number,
            "version": details.version,
            "created_at": _moment(details.created_at),
            "updated_at": _moment(details.updated_at),
        }
    return PaymentsPart(
        citizen_id=citizen_id,
        bank_details=bank,
        known_devices=[{"first_trusted_at": _moment(d.first_seen)} for d in devices],
        payment_holds=[
            {
                "id": r.id,
                "reasons": [x for x in r.reasons.split(",") if x],
                "rules_version": r.rules_version,
                "status": r.status,
                "created_at": _moment(r.created_at),
                "decided_by": r.decided_by,
                "decided_at": _moment(r.decided_at),
                "decision_reason": r.decision_reason,
            }
            for r in holds
        ],
        awards=[
            {
                "id": r.id,
                "claim_id": r.claim_id,
                "benefit": r.benefit,
                "first_day": r.first_day.isoformat(),
                "nation": r.nation,
                "terms": json.loads(r.terms),
                "version": r.version,
                "updated_at": _moment(r.updated_at),
            }
            for r in award_rows
        ],
        instructions=[
            {
                "id": r.id,
                "award_id": r.award_id,
                "claim_id": r.claim_id,
                "number": r.number,
                "pay_on": r.pay_on.isoformat(),
                "pence": r.pence,
                "status": r.status,
                "reason_code": r.reason_code,
                "attempts": r.attempts,
                "created_at": _moment(r.created_at),
                "answered_at": _moment(r.answered_at),
            }
            for r in instruction_rows
        ],
        audit=audit,
    )
