"""Use cases for evidence: a citizen's upload for one of their to-dos, its check once it has arrived
(or once its window has passed without it), and a caseworker's download link.

    start_upload      the citizen asks to upload for an open evidence to-do: an upload record and the
                      presigned POST (the policy carries the domain's limits)
    check_upload      the citizen says it is done, or the sweep notices an expired one: the object is
                      inspected (HEAD, ranged GET), judged by `domain.evidence.check_upload`, scanned,
                      and the result recorded: accepted marks the to-do done (in the same transaction),
                      refused keeps it open with the reason, infected is quarantined and never shown
    download_link     a caseworker's link to accepted evidence, at most 5 minutes, each one audited

The upload's record lives in the claims service's own `evidence_uploads` table, written in the same
unit of work as the claim's change, its audit record and its events.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.claims import service
from dwp.claims.domain import evidence as E
from dwp.claims.domain import lifecycle
from dwp.claims.domain.errors import MoveNotAllowed, NotPermitted, StaleVersion, TodoClosed, TodoNotFound
from dwp.claims.domain.model import Actor, AuditRecord, Claim
from dwp.claims.domain.todos import role_of
from dwp.claims.evidence_store import (
    EXTENSIONS,
    Arrived,
    EvidenceStore,
    PresignedPost,
    StoredObjectChanged,
    incoming_key,
)
from dwp.claims.repository import evidence_uploads
from dwp.claims.scanning import MalwareScanner
from dwp.claims.service import ClaimsContext

log = structlog.get_logger("claims.evidence")

SYSTEM = Actor("claims-evidence", "system")
"""Who marks an evidence to-do done: the system, once the upload has passed its checks."""

CHANGED_RETRIES = 3
"""How often a check starts again when the object is replaced while it is being read."""


@dataclass(frozen=True)
class Checked:
    """A recorded upload with where its checked copy is and what the scanner called it."""

    upload: E.Upload
    stored_key: str | None = None
    signature: str | None = None


# --- the table ------------------------------------------------------------------------------------


class EvidenceRecords:
    """`evidence_uploads` on the unit of work's connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, upload: E.Upload) -> None:
        await self._connection.execute(evidence_uploads.insert().values(**_columns(Checked(upload))))

    async def save(self, checked: Checked) -> bool:
        """Record a check's result once: only an upload still awaiting its check changes."""
        result = await self._connection.execute(
            update(evidence_uploads)
            .where(
                evidence_uploads.c.id == checked.upload.id,
                evidence_uploads.c.state == E.UploadState.AWAITING.value,
            )
            .values(**_columns(checked))
        )
        return bool(result.rowcount == 1)

    async def get(self, upload_id: str) -> Checked | None:
        query = select(evidence_uploads).where(evidence_uploads.c.id == upload_id)
        row = (await self._connection.execute(query)).first()
        return _checked(row) if row is not None else None

    async def of_claim(self, claim_id: str) -> list[Checked]:
        query = (
            select(evidence_uploads)
            .where(evidence_uploads.c.claim_id == claim_id)
            .order_by(evidence_uploads.c.created_at, evidence_uploads.c.id)
        )
        return [_checked(r) for r in (await self._connection.execute(query)).all()]

    async def expired(self, at: datetime, *, limit: int = 50) -> list[Checked]:
        """Uploads still awaiting their check after their POST's window has closed."""
        query = (
            select(evidence_uploads)
            .where(
                evidence_uploads.c.state == E.UploadState.AWAITING.value,
                evidence_uploads.c.expires_at < at,
            )
            .order_by(evidence_uploads.c.expires_at)
            .limit(limit)
        )
        return [_checked(r) for r in (await self._connection.execute(query)).all()]


def _columns(checked: Checked) -> dict[str, Any]:
    u = checked.upload
    return {
        "id": u.id,
        "claim_id": u.claim_id,
        "todo_id": u.todo_id,
        "object_key": u.object_key,
        "declared_type": u.declared_type,
        "state": u.state.value,
        "refusal": u.refusal,
        "detected_type": u.detected_type,
        "size": u.size,
        "created_at": u.created_at,
        "expires_at": u.expires_at,
        "checked_at": u.checked_at,
        "stored_key": checked.stored_key,
        "signature": checked.signature,
    }


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored timestamp is UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _checked(row: Row[Any]) -> Checked:
    upload = E.Upload(
        id=row.id,
        claim_id=row.claim_id,
        todo_id=row.todo_id,
        object_key=row.object_key,
        declared_type=row.declared_type,
        created_at=_utc(row.created_at),  # type: ignore[arg-type]
        expires_at=_utc(row.expires_at),  # type: ignore[arg-type]
        state=E.UploadState(row.state),
        refusal=row.refusal,
        detected_type=row.detected_type,
        size=row.size,
        checked_at=_utc(row.checked_at),
    )
    return Checked(upload, row.stored_key, row.signature)


def records(uow: Any) -> EvidenceRecords:
    return EvidenceRecords(uow.repository.session)


# --- use cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What the evidence use cases run with beside the claims context."""

    store: EvidenceStore
    scanner: MalwareScanner
    policy: E.UploadPolicy = E.UPLOAD_POLICY


async def start_upload(
    ctx: ClaimsContext, evidence: Evidence, *, claim_id: str, todo_id: str, content_type: str, actor: Actor
) -> tuple[E.Upload, PresignedPost]:
    """An upload slot for one of the citizen's own open evidence to-dos, and the form to POST it with."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        claim = service._visible(await uow.repository.get(claim_id), actor)
        if role_of(actor, claim) != "claimant":
            raise NotPermitted("evidence is uploaded by the claimant")
        todo = next((t for t in claim.todos if t.id == todo_id), None)
        if todo is None:
            raise TodoNotFound("there is no such to-do on this claim")
        upload_id = ctx.new_id()
        upload = E.start_upload(
            todo,
            claim_id=claim.id,
            upload_id=upload_id,
            object_key=incoming_key(upload_id),
            declared_type=content_type,
            at=now,
            policy=evidence.policy,
        )
        form = await asyncio.to_thread(
            evidence.store.presigned_post,
            upload_id,
            content_type=content_type,
            policy=evidence.policy,
            at=now,
        )
        await records(uow).add(upload)
    return upload, form


async def uploads_of(ctx: ClaimsContext, *, claim_id: str, actor: Actor) -> list[Checked]:
    """A claim's uploads: all of them for its claimant (with each refusal's reason); for a caseworker
    only the accepted ones (a quarantined file is never shown, a refused one is not evidence)."""
    async with ctx.uow(read_only=True) as uow:
        claim = service._visible(await uow.repository.get(claim_id), actor)
        found = await records(uow).of_claim(claim.id)
    if actor.kind == "citizen":
        return found
    if not actor.is_staff:
        raise NotPermitted("evidence is seen by the claimant and caseworkers")
    return [c for c in found if c.upload.state == E.UploadState.ACCEPTED]


async def get_upload(ctx: ClaimsContext, *, claim_id: str, upload_id: str, actor: Actor) -> Checked:
    for checked in await uploads_of(ctx, claim_id=claim_id, actor=actor):
        if checked.upload.id == upload_id:
            return checked
    raise E.EvidenceNotAvailable("there is no such upload on this claim")


def passes_before_scan(upload: E.Upload, size: int | None, head: bytes, policy: E.UploadPolicy) -> bool:
    """Whether `domain.evidence.check_upload` will want the scan's verdict for this object: the same
    checks in the same order (a unit test holds the two together), so nothing is read or scanned for
    an object that is refused anyway."""
    return size is not None and 0 < size <= policy.max_bytes and E.sniff(head) == upload.declared_type


async def check_upload(
    ctx: ClaimsContext, evidence: Evidence, *, claim_id: str, upload_id: str, actor: Actor
) -> Checked:
    """Judge what arrived for an upload and record it (once: a repeated call changes nothing)."""
    async with ctx.uow(read_only=True) as uow:
        claim = service._visible(await uow.repository.get(claim_id), actor)
        if actor.kind == "citizen" and role_of(actor, claim) != "claimant":
            raise NotPermitted("evidence is uploaded by the claimant")
        found = await records(uow).get(upload_id)
    if found is None or found.upload.claim_id != claim.id:
        raise E.EvidenceNotAvailable("there is no such upload on this claim")
    return await _check(ctx, evidence, found)


async def check_expired(ctx: ClaimsContext, evidence: Evidence) -> list[Checked]:
    """The service noticing: every upload whose window has closed without a check is checked now (an
    object that never came is refused as not arrived; one that came and was never reported is judged)."""
    async with ctx.uow(read_only=True) as uow:
        expired = await records(uow).expired(ctx.clock())
    return [await _check(ctx, evidence, found) for found in expired]


async def _check(ctx: ClaimsContext, evidence: Evidence, found: Checked) -> Checked:
    upload = found.upload
    if upload.state != E.UploadState.AWAITING:
        return found
    for _ in range(CHANGED_RETRIES):
        try:
            return await _judge(ctx, evidence, upload)
        except StoredObjectChanged:
            continue  # replaced while being read: judge what is there now
    return await _judge(ctx, evidence, upload)


async def _judge(ctx: ClaimsContext, evidence: Evidence, upload: E.Upload) -> Checked:
    arrived: Arrived | None = await evidence.store.inspect(upload.object_key)
    now = ctx.clock()
    # Nothing there when the citizen says it is done (S3 refuses a POST outside the policy, so nothing
    # lands) or when the window has closed: not arrived, and they upload again.
    size = arrived.size if arrived else None
    head = arrived.head if arrived else b""
    verdict: E.ScanVerdict | None = None
    signature: str | None = None
    if arrived is not None and passes_before_scan(upload, size, head, evidence.policy):
        result = await evidence.scanner.scan(await evidence.store.read(arrived))
        verdict, signature = result.verdict, result.signature
    judged = E.check_upload(upload, size=size, head=head, scan=verdict, at=now, policy=evidence.policy)
    stored: str | None = None
    if arrived is not None and judged.state == E.UploadState.ACCEPTED:
        stored = await evidence.store.accept(arrived, upload.id)
    elif arrived is not None and judged.state == E.UploadState.QUARANTINED:
        stored = await evidence.store.quarantine(arrived, upload.id)
        log.warning(
            "evidence_quarantined", upload_id=upload.id, claim_id=upload.claim_id, signature=signature
        )
    return await _record(ctx, Checked(judged, stored, signature))


async def _record(ctx: ClaimsContext, checked: Checked) -> Checked:
    """Write the result with its audit record; an accepted upload marks its to-do done in the same
    transaction (unless the to-do was closed meanwhile, or the claim withdrawn: the upload still counts).
    Only the first of two checks at once records anything; both answer what was recorded."""
    upload = checked.upload
    audit = AuditRecord(
        upload.claim_id,
        f"evidence_{upload.state.value}",
        SYSTEM.subject,
        SYSTEM.kind,
        ctx.clock(),
        upload.refusal,
        {"upload": upload.id, "state": E.UploadState.AWAITING.value},
        {"upload": upload.id, "state": upload.state.value, "todo": upload.todo_id},
    )

    async def write(uow: Any, _claim: Claim | None = None) -> None:
        if await records(uow).save(checked):
            await uow.repository.audit(audit)

    recorded = False
    if upload.state == E.UploadState.ACCEPTED:
        for _ in range(CHANGED_RETRIES):
            try:
                await service.change_claim(
                    ctx,
                    claim_id=upload.claim_id,
                    actor=SYSTEM,
                    apply=lambda c: lifecycle.complete_todo(c, upload.todo_id, actor=SYSTEM, at=ctx.clock()),
                    also=write,
                )
                recorded = True
                break
            except StaleVersion:
                continue  # the claim changed meanwhile (another check of this upload, a caseworker): again
            except (TodoClosed, MoveNotAllowed):
                break  # recorded below without the to-do
    if not recorded:
        async with ctx.uow() as uow:
            await write(uow)
    async with ctx.uow(read_only=True) as uow:
        stored = await records(uow).get(upload.id)
    return stored or checked


async def download_link(
    ctx: ClaimsContext, evidence: Evidence, *, claim_id: str, upload_id: str, actor: Actor, purpose: str
) -> tuple[str, datetime]:
    """A caseworker's link to accepted evidence: audited (who, when, which upload, why), at most 5
    minutes; anything not accepted is not available, to anyone."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        claim = service._visible(await uow.repository.get(claim_id), actor)
        found = await records(uow).get(upload_id)
        if found is None or found.upload.claim_id != claim.id:
            raise E.EvidenceNotAvailable("there is no such upload on this claim")
        expires_at = E.download_link_expiry(found.upload, actor=actor, at=now)
        if found.stored_key is None:
            raise E.EvidenceNotAvailable("this evidence is not available")
        state: dict[str, object] = {"upload": upload_id, "state": found.upload.state.value}
        await uow.repository.audit(
            AuditRecord(
                claim.id,
                "evidence_link_issued",
                actor.subject,
                actor.kind,
                now,
                purpose,
                state,
                {**state, "expires_at": expires_at.isoformat()},
                actor.request_id,
            )
        )
    kind = found.upload.detected_type or found.upload.declared_type
    url = evidence.store.download_link(
        found.stored_key,
        content_type=kind,
        filename=f"evidence-{upload_id}.{EXTENSIONS.get(kind, 'bin')}",
        lifetime=expires_at - now,
    )
    return url, expires_at
