"""The citizen service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dwp.citizen import domain, retention, subject_access
from dwp.citizen.api import internal, router
from dwp.citizen.repository import outbox
from dwp.citizen.service import CitizenContext
from dwp.platform.app_factory import create_app
from dwp.platform.outbox import database_with_outbox
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.problems import ErrorMapping, ErrorTable
from dwp.platform.readiness import Eventually
from dwp.platform.settings import Settings, get_settings

SERVICE = "citizen"


def _existing_record(exc: domain.AlreadyRegistered) -> dict[str, str]:
    # The service sets `existing_id` only when the record is the caller's own: anyone else learns nothing.
    return {"existing": f"/v1/citizens/{exc.existing_id}"} if exc.existing_id else {}


ERRORS: ErrorTable = {
    domain.CitizenNotFound: ErrorMapping(404, "not-found", "Not found"),
    domain.AlreadyRegistered: ErrorMapping(
        409, "already-registered", "Already registered", extensions=_existing_record
    ),
    domain.NinoOnAnotherRecord: ErrorMapping(409, "nino-on-another-record", "Another record has this NINO"),
    domain.StaleVersion: ErrorMapping(412, "stale-version", "Precondition failed"),
    domain.VersionRequired: ErrorMapping(428, "version-required", "Precondition required"),
    domain.ProfileFieldLocked: ErrorMapping(422, "field-locked", "This field cannot be changed here"),
    # The rules that the API leaves to the domain: each error names its field (or several of them).
    domain.InvalidContactDetail: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.InvalidNino: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.InvalidDateOfBirth: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.InvalidLanguage: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.InvalidDetails: ErrorMapping(422, "validation", "Your request has invalid fields"),
    domain.CitizenError: ErrorMapping(422, "invalid-citizen", "Your request has invalid fields"),
}
"""The citizen service's one error table: the only place its domain errors meet HTTP."""


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The secret comes from the AWS endpoint: without it the service starts, not ready (503s).
        index = Eventually("blind-index secret", lambda: BlindIndex.from_settings(settings))
        async with index.running(), database_with_outbox(app, settings, SERVICE, outbox) as database:
            app.state.readiness["blind_index_secret"] = index.check
            cipher = PiiCipher(settings)
            app.state.citizen_context = CitizenContext.on_database(database, cipher, index.proxy())
            yield

    return create_app(
        service=SERVICE,
        routers=[router, internal, retention.router, subject_access.router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="Registration, profiles and contact preferences of citizens.",
    )
