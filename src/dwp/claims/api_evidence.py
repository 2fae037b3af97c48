"""HTTP for evidence: the citizen's upload form for a to-do and saying it is done, the uploads of a
claim, and a caseworker's download link. Routes call `evidence_service` and nothing else; the
service's error table turns its errors into problems (another citizen's claim: 404).

The router's lifespan attaches the evidence store and the malware scanner (the setting
`DWP_MALWARE_SCANNER` chooses it) to the app, and runs the sweep that checks uploads whose window has
closed without the citizen saying so, so that nothing waits for ever on a browser that went away.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from pydantic import BaseModel, Field

from dwp.claims import evidence_service as evidence
from dwp.claims.deps import AnyActor, CaseworkerActor, CitizenActor, Context
from dwp.claims.domain.evidence import REFUSAL_TEXT, Upload, UploadState
from dwp.claims.evidence_service import Checked, Evidence
from dwp.claims.evidence_store import EvidenceSettings, EvidenceStore
from dwp.claims.scanning import scanner_from
from dwp.claims.service import ClaimsContext
from dwp.platform.models import EdgeModel

log = structlog.get_logger("claims.evidence")

QUARANTINED_TEXT = "We could not accept this file. Upload a different file."


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = EvidenceSettings(platform=app.state.settings)
    store = await asyncio.to_thread(EvidenceStore, settings)
    app.state.evidence = Evidence(store=store, scanner=scanner_from(settings))
    sweep = asyncio.create_task(_sweep(app, settings.evidence_sweep_seconds), name="claims-evidence-sweep")
    try:
        yield
    finally:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep


async def _sweep(app: FastAPI, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        ctx: ClaimsContext | None = getattr(app.state, "claims_context", None)
        if ctx is None:
            continue
        try:
            await evidence.check_expired(ctx, app.state.evidence)
        except Exception as error:  # a failed sweep is logged and tried again next time
            log.warning("evidence_sweep_failed", error=type(error).__name__)


def _evidence(request: Request) -> Evidence:
    found: Evidence = request.app.state.evidence
    return found


EvidenceDeps = Annotated[Evidence, Depends(_evidence)]

router = APIRouter(prefix="/v1/claims", tags=["evidence"], lifespan=lifespan)

Id = Annotated[str, Field(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class Strict(EdgeModel):
    """Request bodies: the platform's strict edge model."""


class UploadRequest(Strict):
    content_type: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            description="The file's type: application/pdf, image/jpeg, image/png",
        ),
    ]


class LinkRequest(Strict):
    purpose: Annotated[str, Field(min_length=1, max_length=500, description="Why the caseworker opens it")]


class UploadView(BaseModel):
    id: str
    todo_id: str
    state: UploadState
    refusal: str | None = Field(None, description="Why it was refused (not_arrived, empty, too_big, ...)")
    message: str | None = Field(None, description="What to tell the citizen, in English")
    declared_type: str
    detected_type: str | None
    size: int | None
    created_at: datetime
    expires_at: datetime
    checked_at: datetime | None


class UploadForm(BaseModel):
    """POST `fields` then the file (as the last part, named `file`) to `url` as multipart/form-data."""

    upload: UploadView
    url: str
    fields: dict[str, str]
    max_bytes: int


class UploadList(BaseModel):
    items: list[UploadView]


class DownloadLink(BaseModel):
    url: str
    expires_at: datetime


def _view(checked: Checked | Upload) -> UploadView:
    u = checked.upload if isinstance(checked, Checked) else checked
    message = REFUSAL_TEXT.get(u.refusal) if u.refusal else None
    if u.state == UploadState.QUARANTINED:
        message = QUARANTINED_TEXT
    return UploadView(
        id=u.id,
        todo_id=u.todo_id,
        state=u.state,
        refusal=u.refusal,
        message=message,
        declared_type=u.declared_type,
        detected_type=u.detected_type,
        size=u.size,
        created_at=u.created_at,
        expires_at=u.expires_at,
        checked_at=u.checked_at,
    )


@router.post(
    "/{claim_id}/todos/{todo_id}/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadForm,
    summary="Upload evidence for one of your to-dos: a form to POST the file to, valid for 15 minutes",
)
async def start_upload(
    claim_id: Id,
    todo_id: Id,
    body: UploadRequest,
    response: Response,
    ctx: Context,
    deps: EvidenceDeps,
    actor: CitizenActor,
) -> UploadForm:
    upload, form = await evidence.start_upload(
        ctx,
        deps,
        claim_id=claim_id,
        todo_id=todo_id,
        content_type=body.content_type,
        actor=actor,
    )
    response.headers["Location"] = f"/v1/claims/{claim_id}/uploads/{upload.id}"
    response.headers["Cache-Control"] = "no-store"
    return UploadForm(upload=_view(upload), url=form.url, fields=form.fields, max_bytes=deps.policy.max_bytes)


@router.post(
    "/{claim_id}/uploads/{upload_id}/completion",
    response_model=UploadView,
    summary="Say the file is uploaded: it is checked and the result recorded",
)
async def complete_upload(
    claim_id: Id,
    upload_id: Id,
    ctx: Context,
    deps: EvidenceDeps,
    actor: CitizenActor,
) -> UploadView:
    checked = await evidence.check_upload(ctx, deps, claim_id=claim_id, upload_id=upload_id, actor=actor)
    return _view(checked)


@router.get("/{claim_id}/uploads", response_model=UploadList, summary="Evidence uploaded for a claim")
async def uploads(claim_id: Id, ctx: Context, actor: AnyActor) -> UploadList:
    found = await evidence.uploads_of(ctx, claim_id=claim_id, actor=actor)
    return UploadList(items=[_view(c) for c in found])


@router.get("/{claim_id}/uploads/{upload_id}", response_model=UploadView, summary="One upload")
async def upload(claim_id: Id, upload_id: Id, ctx: Context, actor: AnyActor) -> UploadView:
    found = await evidence.get_upload(ctx, claim_id=claim_id, upload_id=upload_id, actor=actor)
    return _view(found)


@router.post(
    "/{claim_id}/uploads/{upload_id}/download-link",
    status_code=status.HTTP_201_CREATED,
    response_model=DownloadLink,
    summary="A link to accepted evidence, for caseworkers: it works for 5 minutes, and is audited",
)
async def download_link(
    claim_id: Id,
    upload_id: Id,
    body: LinkRequest,
    response: Response,
    ctx: Context,
    deps: EvidenceDeps,
    actor: CaseworkerActor,
) -> DownloadLink:
    url, expires_at = await evidence.download_link(
        ctx,
        deps,
        claim_id=claim_id,
        upload_id=upload_id,
        actor=actor,
        purpose=body.purpose,
    )
    response.headers["Cache-Control"] = "no-store"
    return DownloadLink(url=url, expires_at=expires_at)
