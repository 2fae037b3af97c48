"""The claims service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from dwp.claims import api_casework, api_changes, retention, subject_access
from dwp.claims.api import SECTION_SCHEMAS, router
from dwp.claims.api_evidence import router as evidence_router
from dwp.claims.api_explanation import router as explanation_router
from dwp.claims.domain import errors
from dwp.claims.domain.evidence import EvidenceNotAvailable, UploadNotAllowed
from dwp.claims.domain.household import NotReadyToAssess
from dwp.claims.repository import outbox
from dwp.claims.service import ClaimsContext
from dwp.platform.app_factory import create_app
from dwp.platform.outbox import database_with_outbox
from dwp.platform.pii import PiiCipher
from dwp.platform.problems import ErrorMapping, ErrorTable
from dwp.platform.settings import Settings, get_settings

SERVICE = "claims"

INVALID = "Your request has invalid fields"


def _move(exc: errors.MoveNotAllowed) -> dict[str, Any]:
    return {"move": exc.move, "claim_status": exc.status}


def _missing(exc: errors.IncompleteClaim) -> dict[str, Any]:
    return {"sections": list(exc.missing)}


def _unconfirmed(exc: errors.UnconfirmedAnswers) -> dict[str, Any]:
    return {"questions": list(exc.keys)}


ERRORS: ErrorTable = {
    # Another citizen's claim, and one that does not exist, get the same answer (DESIGN.md 3).
    errors.ClaimNotFound: ErrorMapping(404, "not-found", "Not found", pointer=lambda _e, _r: None),
    errors.UnknownSection: ErrorMapping(404, "unknown-section", "No such section"),
    errors.UnknownQuestion: ErrorMapping(404, "unknown-question", "No such question"),
    errors.TodoNotFound: ErrorMapping(404, "not-found", "Not found"),
    errors.InvalidAnswers: ErrorMapping(422, "validation", INVALID),
    errors.DeclarationRequired: ErrorMapping(422, "declaration-required", "Confirm the declaration"),
    errors.IncompleteClaim: ErrorMapping(
        422, "incomplete-claim", "The claim is not complete", extensions=_missing
    ),
    errors.UnconfirmedAnswers: ErrorMapping(
        422, "unconfirmed-answers", "Some answers need confirming", extensions=_unconfirmed
    ),
    errors.InvalidJoinCode: ErrorMapping(422, "invalid-join-code", "This code is not valid"),
    errors.TooLate: ErrorMapping(422, "too-late", "Too late to ask"),
    errors.LateReasonsRequired: ErrorMapping(422, "late-reasons-required", "Say why you are asking late"),
    errors.NotPermitted: ErrorMapping(403, "not-permitted", "Forbidden"),
    errors.MoveNotAllowed: ErrorMapping(409, "move-not-allowed", "Not allowed now", extensions=_move),
    errors.ClaimNotEditable: ErrorMapping(409, "claim-not-editable", "The claim cannot be changed now"),
    errors.PartnerNotConfirmed: ErrorMapping(409, "partner-not-confirmed", "Your partner must confirm"),
    errors.SameDecisionMaker: ErrorMapping(409, "same-decision-maker", "A different decision maker"),
    errors.ReconsiderationRequired: ErrorMapping(
        409, "reconsideration-required", "A mandatory reconsideration comes first"
    ),
    errors.NotReconsiderable: ErrorMapping(409, "not-reconsiderable", "Cannot be reconsidered"),
    errors.AutomatedDisallowForbidden: ErrorMapping(
        409, "automated-disallow-forbidden", "A person decides a disallowance"
    ),
    errors.NotAutomated: ErrorMapping(409, "not-automated", "Not an automatic decision"),
    errors.EvidenceOutstanding: ErrorMapping(409, "evidence-outstanding", "Evidence is still awaited"),
    errors.TodoClosed: ErrorMapping(409, "todo-closed", "Already done"),
    errors.WorkItemClosed: ErrorMapping(409, "work-item-closed", "Already done"),
    errors.CannotAssign: ErrorMapping(409, "cannot-assign", "Cannot assign"),
    errors.StaleVersion: ErrorMapping(412, "stale-version", "Precondition failed"),
    NotReadyToAssess: ErrorMapping(409, "not-ready-to-assess", "Not ready to assess"),
    UploadNotAllowed: ErrorMapping(422, "upload-not-allowed", "This file cannot be uploaded"),
    EvidenceNotAvailable: ErrorMapping(404, "evidence-not-available", "Not available"),
    subject_access.NoSuchPerson: ErrorMapping(404, "not-found", "Not found"),
    errors.ClaimsError: ErrorMapping(422, "invalid-claim", INVALID),
    **api_casework.ERRORS,
    **api_changes.ERRORS,
}
"""The claims service's one error table: the only place its domain errors meet HTTP."""

ROUTERS: list[APIRouter] = [
    router,
    evidence_router,
    explanation_router,
    api_casework.router,
    api_casework.internal,
    api_changes.router,
    api_changes.internal,
    retention.router,
    subject_access.router,
]
"""The service's routers; the casework and evidence routers are added here."""


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database_with_outbox(app, settings, SERVICE, outbox) as database:
            app.state.claims_context = ClaimsContext.on_database(database, PiiCipher(settings))
            async with api_casework.resources(app, settings):
                yield

    app = create_app(
        service=SERVICE,
        routers=ROUTERS,
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="Claims for Universal Credit, New Style JSA and New Style ESA: drafts, submission, "
        "the lifecycle, to-dos, the journal, decisions and the claimant's rights.",
    )
    _document_sections(app)
    return app


def _document_sections(app: FastAPI) -> None:
    """The section bodies are read by the route itself (their shape depends on the claim's type), so
    FastAPI cannot list their schemas: add them to the document's components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        document.setdefault("components", {}).setdefault("schemas", {}).update(SECTION_SCHEMAS)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
