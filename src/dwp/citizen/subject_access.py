"""The citizen service's part of a subject access export (UK GDPR Art 15; decision 0011): the person's
record in full (NINO and date of birth opened: they are the person's own), the registrations of theirs
held for a caseworker, and the audit of their record, who read it included.

Only the claims service asks (it assembles the archive), and only for a team leader: their own token
comes in `On-Behalf-Of`, and this service checks it itself. The export is audited here, on the
person's record, under the export's id: a retried request writes the same entry once, so the call is
safe to repeat.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from dwp.citizen.domain import CitizenNotFound
from dwp.citizen.repository import SqlCitizenRepository, audit_log
from dwp.citizen.service import CitizenContext
from dwp.contracts.subject_access import CitizenPart, ExportRequest, export_audit_id
from dwp.platform.auth import Principal, SubjectAccessAsker
from dwp.platform.database import conflict_insert

router = APIRouter(prefix="/v1/internal/citizens", tags=["internal"])


def _ctx(request: Request) -> CitizenContext:
    ctx: CitizenContext = request.app.state.citizen_context
    return ctx


@router.post(
    "/{citizen_id}/subject-access-exports",
    response_model=CitizenPart,
    summary="Everything this service holds about a person, for a subject access export (claims only)",
)
async def export(
    citizen_id: str,
    body: ExportRequest,
    ctx: Annotated[CitizenContext, Depends(_ctx)],
    asked: SubjectAccessAsker,
) -> CitizenPart:
    return await export_person(ctx, citizen_id=citizen_id, request=body, staff=asked.staff, via=asked.via)


async def export_person(
    ctx: CitizenContext, *, citizen_id: str, request: ExportRequest, staff: Principal, via: str
) -> CitizenPart:
    """Read everything about the person and audit the export, in one transaction (the audit that
    comes back includes this export's own entry)."""
    async with ctx.uow() as uow:
        repository = uow.repository
        assert isinstance(repository, SqlCitizenRepository)
        citizen = await repository.get(citizen_id)
        if citizen is None:
            raise CitizenNotFound("No citizen with that id")
        held = await repository.held_registrations(citizen_id)
        # The export's own entry after the reads (a write takes SQLite's lock), before the trail.
        entry = conflict_insert(repository.session, audit_log).values(
            id=export_audit_id(request.export_id, "citizen", citizen_id),
            citizen_id=citizen_id,
            actor=staff.subject,
            actor_kind=staff.kind,
            action="subject_access_exported",
            reason=f"subject access request {request.reference} (export {request.export_id}, via {via})",
            at=ctx.clock(),
        )
        await repository.session.execute(entry.on_conflict_do_nothing())
        audit = await _whole_trail(repository, citizen_id)
    record: dict[str, Any] = {
        "id": citizen.id,
        "given_name": citizen.given_name,
        "family_name": citizen.family_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "national_insurance_number": citizen.nino.value,
        "email": citizen.email,
        "phone": citizen.phone,
        "address_reference": citizen.address_reference,
        "preferred_language": citizen.preferred_language,
        "contact_preferences": {
            "channels": list(citizen.contact.channels),
            "welsh_letters": citizen.contact.welsh_letters,
        },
        "version": citizen.version,
        "created_at": citizen.created_at.isoformat() if citizen.created_at else None,
        "updated_at": citizen.updated_at.isoformat() if citizen.updated_at else None,
    }
    return CitizenPart(citizen_id=citizen_id, record=record, registration_holds=held, audit=audit)


async def _whole_trail(repository: SqlCitizenRepository, citizen_id: str) -> list[dict[str, Any]]:
    """Every audit entry of the record, oldest first, page by page."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = await repository.audit_trail(citizen_id, after_id=cursor, limit=500)
        found.extend(page)
        if len(page) < 500:
            return found
        cursor = page[-1]["id"]
