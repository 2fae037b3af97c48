"""The payments service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dwp.payments import retention, subject_access
from dwp.payments.api import internal, router
from dwp.payments.domain import errors
from dwp.payments.payment_system import HttpPaymentSystem
from dwp.payments.repository import outbox
from dwp.payments.service import PaymentsContext
from dwp.platform.app_factory import create_app
from dwp.platform.outbox import database_with_outbox
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.problems import ErrorMapping, ErrorTable
from dwp.platform.settings import Settings, get_settings

SERVICE = "payments"

ERRORS: ErrorTable = {
    errors.BankDetailsNotFound: ErrorMapping(404, "not-found", "Not found"),
    errors.HoldNotFound: ErrorMapping(404, "not-found", "Not found"),
    errors.AwardNotFound: ErrorMapping(404, "not-found", "Not found"),
    errors.InstructionNotFound: ErrorMapping(404, "not-found", "Not found"),
    errors.HoldAlreadyDecided: ErrorMapping(409, "hold-decided", "This hold was already decided"),
    errors.StaleVersion: ErrorMapping(412, "stale-version", "Precondition failed"),
    errors.VersionRequired: ErrorMapping(428, "version-required", "Precondition required"),
    errors.InvalidBankDetails: ErrorMapping(422, "validation", "Your request has invalid fields"),
    errors.InvalidBankDetailsList: ErrorMapping(422, "validation", "Your request has invalid fields"),
    errors.InvalidAward: ErrorMapping(422, "validation", "Your request has invalid fields"),
    errors.PaymentsError: ErrorMapping(422, "invalid-payment", "Your request has invalid fields"),
}
"""The payments service's one error table: the only place its domain errors meet HTTP."""


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        index = await asyncio.to_thread(BlindIndex.from_settings, settings)
        async with database_with_outbox(app, settings, SERVICE, outbox) as database:
            app.state.payments_context = PaymentsContext.on_database(database, PiiCipher(settings), index)
            system = HttpPaymentSystem.from_settings(settings)
            app.state.payment_system = system
            try:
                yield
            finally:
                await system.aclose()

    return create_app(
        service=SERVICE,
        routers=[router, internal, retention.router, subject_access.router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="Bank details, payment schedules and payment instructions of awards.",
    )
