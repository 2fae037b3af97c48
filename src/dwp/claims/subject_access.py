"""A subject access export (UK GDPR Art 15; decision 0011): a team leader asks for everything DWP holds
about a person, and gets one zip archive of JSON files, the evidence objects and a manifest.

The claims service assembles it. It holds most of what there is (claims, their answers, decisions,
periods, changes, journal, work items, audit and the evidence objects in its bucket), and it asks the
citizen and payments services for their parts over `platform.http` (`POST .../subject-access-exports`,
this service's token, the team leader's own token in `On-Behalf-Of`, which each checks itself). No
service reads another's tables.

Nothing half-exported is shown as complete: the archive exists only in the answer, built after every
part came back; a part that cannot be had (a service down, slow or broken, the bucket unreachable) is a
503 problem and no archive. The citizen and payments services audit the export on the person's
records when they hand their part over; this service audits it on each claim exported, in one
transaction, once the archive is whole and just before it is sent, so an audit entry here means the
archive went out whole.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, FastAPI, Path, Request, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.claims.changes_records import changes_of
from dwp.claims.domain import errors
from dwp.claims.evidence_store import ACCEPTED, EXTENSIONS
from dwp.claims.repository import (
    DECISION_PURPOSE,
    DOCUMENT_PURPOSE,
    ClaimsRepository,
    audit_log,
    claims,
    decisions,
    dump_document,
    evidence_uploads,
    load_claim,
    uc_awards,
)
from dwp.claims.service import ClaimsContext
from dwp.contracts.subject_access import CitizenPart, ExportRequest, PaymentsPart, export_audit_id
from dwp.platform.auth import Principal, TeamLeader
from dwp.platform.database import conflict_insert
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.http import (
    ResilientClient,
    RetryPolicy,
    ServiceTokens,
    UpstreamError,
    UpstreamRejected,
)
from dwp.platform.models import EdgeModel
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings

SERVICE = "claims"
ARCHIVE_TYPE = "application/zip"
# A team leader waits on the export: each part gets a few attempts within its deadline.
EXPORT_POLICY = RetryPolicy(attempts=3, total_seconds=20.0, attempt_seconds=10.0, connect_seconds=2.0)


class NoSuchPerson(errors.ClaimsError):
    """The citizen service has no record of the person: there is nothing to export (404)."""


class ExportBody(EdgeModel):
    reference: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9 ./_-]+$",
        description="The subject access request's reference (kept in every service's audit entry)",
    )


class Parts(Protocol):
    """The other services' parts of an export (real clients, or a test's)."""

    async def citizen(self, citizen_id: str, request: ExportRequest, *, on_behalf_of: str) -> CitizenPart: ...

    async def payments(
        self, citizen_id: str, request: ExportRequest, *, on_behalf_of: str
    ) -> PaymentsPart: ...


@dataclass
class HttpParts:
    citizen_client: ResilientClient
    payments_client: ResilientClient

    @classmethod
    def from_settings(cls, settings: Settings, **client_options: Any) -> HttpParts:
        tokens = ServiceTokens.for_service(SERVICE, settings, **client_options)
        options = {"tokens": tokens, "policy": EXPORT_POLICY, **client_options}
        return cls(
            citizen_client=ResilientClient.for_service("citizen", settings, **options),
            payments_client=ResilientClient.for_service("payments", settings, **options),
        )

    async def aclose(self) -> None:
        await self.citizen_client.aclose()
        await self.payments_client.aclose()

    async def citizen(self, citizen_id: str, request: ExportRequest, *, on_behalf_of: str) -> CitizenPart:
        # Safe to repeat: the citizen service audits an export id once.
        return await self.citizen_client.post_model(
            f"/v1/internal/citizens/{citizen_id}/subject-access-exports",
            request,
            CitizenPart,
            headers={"On-Behalf-Of": on_behalf_of},
            idempotent=True,
        )

    async def payments(self, citizen_id: str, request: ExportRequest, *, on_behalf_of: str) -> PaymentsPart:
        return await self.payments_client.post_model(
            f"/v1/internal/payments/citizens/{citizen_id}/subject-access-exports",
            request,
            PaymentsPart,
            headers={"On-Behalf-Of": on_behalf_of},
            idempotent=True,
        )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The clients for the citizen and payments services (unless a test put its own on the state)."""
    owned: HttpParts | None = None
    if getattr(app.state, "subject_access_parts", None) is None:
        owned = HttpParts.from_settings(app.state.settings)
        app.state.subject_access_parts = owned
    try:
        yield
    finally:
        if owned is not None:
            await owned.aclose()
            app.state.subject_access_parts = None


router = APIRouter(prefix="/v1/claims/casework", tags=["casework"], lifespan=lifespan)


# --- the claims service's own part ---------------------------------------------------------------


@dataclass
class ClaimFiles:
    """One claim's files in the archive, and the evidence objects to fetch."""

    claim_id: str
    files: dict[str, Any] = field(default_factory=dict)
    evidence: list[tuple[str, str]] = field(default_factory=list)
    """(path in the archive, accepted object key)."""
    withheld: list[dict[str, Any]] = field(default_factory=list)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite gives back naive datetimes; every stored moment is UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(row: Any, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _iso(v) for k, v in row._mapping.items() if k not in without}


async def claims_part(ctx: ClaimsContext, citizen_id: str) -> list[ClaimFiles]:
    """Every claim the person made or joined (as claimant or partner), with all that belongs to it."""
    assert ctx.cipher is not None
    cipher = ctx.cipher
    async with ctx.uow(read_only=True) as uow:
        repository = uow.repository
        assert isinstance(repository, ClaimsRepository)
        connection: AsyncConnection = repository.session
        c = claims.c
        rows = (
            await connection.execute(
                select(claims)
                .where((c.claimant_subject == citizen_id) | (c.partner_subject == citizen_id))
                .order_by(c.created_at, c.id)
            )
        ).all()
        found = []
        for row in rows:
            found.append(await _one_claim(connection, repository, cipher, row))
        return found


async def _one_claim(
    connection: AsyncConnection, repository: ClaimsRepository, cipher: PiiCipher, row: Any
) -> ClaimFiles:
    claim_id = row.id
    claim = load_claim(row, await cipher.open(row.document_sealed, context=DOCUMENT_PURPOSE))
    out = ClaimFiles(claim_id)
    out.files["claim.json"] = {
        "id": claim.id,
        "claim_type": claim.claim_type.value,
        "status": claim.status.value,
        "joint": claim.joint,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "submitted_at": _iso(row.submitted_at),
        "claim_date": _iso(row.claim_date),
        "version": claim.version,
        # Answers, decisions, challenges, to-dos, the claimant's proven facts: the sealed document.
        **json.loads(dump_document(claim)),
    }
    d = decisions.c
    out.files["decisions.json"] = [
        _row(r, without=("reasons_sealed",))
        | {"reasons": json.loads(await cipher.open(r.reasons_sealed, context=DECISION_PURPOSE))}
        for r in (
            await connection.execute(
                select(decisions).where(d.claim_id == claim_id).order_by(d.made_at, d.id)
            )
        ).all()
    ]
    out.files["assessment-periods.json"] = [
        {
            "id": p.id,
            "benefit": p.benefit,
            "period_start": p.period_start.isoformat(),
            "period_end": p.period_end.isoformat(),
            "award_pence": p.award_pence,
            "assessment_id": p.assessment_id,
            "decision_id": p.decision_id,
            "source": p.source,
            "created_at": p.created_at.isoformat(),
            **p.document,
        }
        for p in await repository.periods_of(claim_id)
    ]
    award = (await connection.execute(select(uc_awards).where(uc_awards.c.claim_id == claim_id))).first()
    out.files["uc-award.json"] = _row(award, without=("shard_hi", "shard_lo")) if award is not None else None
    out.files["changes.json"] = [
        {k: _iso(v) for k, v in change.items()} for change in await changes_of(connection, cipher, claim_id)
    ]
    out.files["journal.json"] = [
        {"id": e.id, "author": e.author, "side": e.side, "at": e.at.isoformat(), "text": e.text}
        for e in await repository.journal_of(claim_id, limit=1_000_000)
    ]
    out.files["work-items.json"] = [
        {
            "id": w.id,
            "kind": w.kind.value,
            "created_at": w.created_at.isoformat(),
            "due_on": w.due.on.isoformat() if w.due else None,
            "due_rule": w.due.rule if w.due else None,
            "assigned_to": w.assigned_to,
            "escalated": w.escalated,
            "escalation_reason": w.escalation_reason,
            "note": w.note,
            "done_at": w.done_at.isoformat() if w.done_at else None,
        }
        for w in await repository.work_for_claim(claim_id)
    ]
    out.files["audit.json"] = [
        {k: _iso(v) for k, v in entry.items()} for entry in await repository.audit_trail(claim_id)
    ]
    u = evidence_uploads.c
    uploads = (
        await connection.execute(
            select(evidence_uploads).where(u.claim_id == claim_id).order_by(u.created_at, u.id)
        )
    ).all()
    listed = []
    for upload in uploads:
        entry = _row(upload, without=("object_key", "stored_key", "signature"))
        key = upload.stored_key
        if upload.state == "accepted" and key and key.startswith(ACCEPTED):
            extension = EXTENSIONS.get(upload.detected_type or "", "bin")
            path = f"claims/{claim_id}/evidence/{upload.id}.{extension}"
            entry["file"] = path
            out.evidence.append((path, key))
        else:
            # Never checked, refused, or flagged by the malware scan (no one may read those objects).
            out.withheld.append(
                {
                    "upload_id": upload.id,
                    "claim_id": claim_id,
                    "state": upload.state,
                    "refusal": upload.refusal,
                }
            )
        listed.append(entry)
    out.files["evidence.json"] = listed
    return out


# --- the archive ---------------------------------------------------------------------------------


def _fetch_objects(store: Any, keys: list[tuple[str, str]]) -> dict[str, bytes]:
    """Every object, four at a time (boto3's clients are thread-safe); any one missing: no archive."""
    s3, bucket = store._s3, store.bucket

    def one(item: tuple[str, str]) -> tuple[str, bytes]:
        path, key = item
        try:
            return path, bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(
                "the evidence store cannot give every object; nothing was exported",
                dependency="s3",
                retry_after=5,
            ) from error

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="subject-access") as pool:
        return dict(pool.map(one, keys))


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def build_archive(
    *,
    manifest: dict[str, Any],
    files: dict[str, bytes],
) -> bytes:
    """The zip: every file, then the manifest naming each with its size and SHA-256."""
    buffer = io.BytesIO()
    listed = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            content = files[path]
            # Evidence (PDF, PNG, JPEG) is compressed already: stored as it is, the JSON deflated.
            kind = zipfile.ZIP_DEFLATED if path.endswith(".json") else zipfile.ZIP_STORED
            archive.writestr(path, content, compress_type=kind)
            listed.append(
                {"path": path, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            )
        archive.writestr("manifest.json", _json(manifest | {"files": listed}))
    return buffer.getvalue()


async def export_person(
    ctx: ClaimsContext,
    parts: Parts,
    evidence_store: Any,
    *,
    citizen_id: str,
    reference: str,
    staff: Principal,
    staff_token: str,
    request_id: str | None = None,
) -> tuple[str, bytes]:
    """Assemble a person's archive; (export id, zip bytes). Any part missing: an error, no archive."""
    export_id = str(uuid.uuid4())
    ask = ExportRequest(export_id=export_id, reference=reference)
    try:
        # The citizen first: a person with no record has nothing to export, and payments is not asked.
        citizen = await parts.citizen(citizen_id, ask, on_behalf_of=staff_token)
        payments, own = await asyncio.gather(
            parts.payments(citizen_id, ask, on_behalf_of=staff_token), claims_part(ctx, citizen_id)
        )
    except UpstreamRejected as exc:
        if exc.status == 404 and exc.upstream == "citizen":
            raise NoSuchPerson("No citizen with that id") from exc
        raise DependencyUnavailable(
            f"the {exc.upstream} service refused its part ({exc.status}); nothing was exported",
            dependency=exc.upstream,
        ) from exc
    except UpstreamError as exc:
        raise DependencyUnavailable(
            f"the {exc.upstream} service could not give its part; nothing was exported",
            dependency=exc.upstream,
            retry_after=exc.retry_after or 5,
        ) from exc
    wanted = [item for claim in own for item in claim.evidence]
    if wanted and evidence_store is None:
        raise DependencyUnavailable("the evidence store is not configured", dependency="s3")
    objects = await asyncio.to_thread(_fetch_objects, evidence_store, wanted) if wanted else {}
    files: dict[str, bytes] = {
        "citizen/record.json": _json(citizen.record),
        "citizen/registration-holds.json": _json(citizen.registration_holds),
        "citizen/audit.json": _json(citizen.audit),
        "payments/bank-details.json": _json(payments.bank_details),
        "payments/known-devices.json": _json(payments.known_devices),
        "payments/payment-holds.json": _json(payments.payment_holds),
        "payments/awards.json": _json(payments.awards),
        "payments/instructions.json": _json(payments.instructions),
        "payments/audit.json": _json(payments.audit),
    }
    for claim in own:
        for name, content in claim.files.items():
            files[f"claims/{claim.claim_id}/{name}"] = _json(content)
    files.update(objects)
    now = ctx.clock()
    manifest = {
        "export_id": export_id,
        "reference": reference,
        "citizen_id": citizen_id,
        "created_at": now.isoformat(),
        "requested_by": staff.subject,
        "complete": True,
        "parts": {
            "citizen": {"audit_entries": len(citizen.audit)},
            "payments": {
                "bank_details": payments.bank_details is not None,
                "awards": len(payments.awards),
                "instructions": len(payments.instructions),
                "audit_entries": len(payments.audit),
            },
            "claims": {
                "claims": [c.claim_id for c in own],
                "evidence_files": len(objects),
            },
        },
        "withheld": [w for c in own for w in c.withheld],
        "legal_basis": "UK GDPR Article 15 (right of access); Data Protection Act 2018 s 45",
    }
    archive = await asyncio.to_thread(build_archive, manifest=manifest, files=files)
    # Audited on each claim once the archive is whole, just before it goes out.
    if own:
        async with ctx.uow() as uow:
            repository = uow.repository
            assert isinstance(repository, ClaimsRepository)
            for claim in own:
                entry = conflict_insert(repository.session, audit_log).values(
                    id=export_audit_id(export_id, SERVICE, claim.claim_id),
                    claim_id=claim.claim_id,
                    actor=staff.subject,
                    actor_kind=staff.kind,
                    action="subject_access_exported",
                    reason=f"subject access request {reference} (export {export_id})",
                    before=json.dumps({}),
                    after=json.dumps({"export_id": export_id}),
                    request_id=request_id,
                    at=now,
                )
                await repository.session.execute(entry.on_conflict_do_nothing())
    return export_id, archive


@router.post(
    "/citizens/{citizen_id}/subject-access-export",
    response_class=Response,
    responses={200: {"content": {ARCHIVE_TYPE: {}}, "description": "The archive (zip)"}},
    summary="Everything DWP holds about a person, as one archive (a team leader; audited in every service)",
)
async def subject_access_export(
    citizen_id: Annotated[str, Path(max_length=64)],
    body: ExportBody,
    request: Request,
    principal: TeamLeader,
) -> Response:
    ctx: ClaimsContext = request.app.state.claims_context
    parts: Parts = request.app.state.subject_access_parts
    evidence = getattr(request.app.state, "evidence", None)
    token = request.headers["Authorization"].split(" ", 1)[1].strip()
    export_id, archive = await export_person(
        ctx,
        parts,
        evidence.store if evidence is not None else None,
        citizen_id=citizen_id,
        reference=body.reference,
        staff=principal,
        staff_token=token,
        request_id=getattr(request.state, "request_id", None),
    )
    return Response(
        archive,
        media_type=ARCHIVE_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="subject-access-{export_id}.zip"',
            "Cache-Control": "no-store",
            "X-Export-Id": export_id,
        },
    )
