"""The benefits service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dwp.benefits import service
from dwp.benefits.api import router
from dwp.benefits.domain import BenefitsError
from dwp.benefits.repository import outbox
from dwp.benefits.service import BenefitsContext
from dwp.platform.app_factory import create_app
from dwp.platform.outbox import database_with_outbox
from dwp.platform.problems import ErrorMapping
from dwp.platform.settings import Settings, get_settings

SERVICE = "benefits"

DOMAIN_ERRORS = {
    service.AssessmentNotFound: ErrorMapping(404, "not-found", "Not found"),
    BenefitsError: ErrorMapping(422, "invalid-circumstances", "Your request has invalid fields"),
}


def warm_up() -> None:
    """Load the compiled UC kernel (from numba's disk cache, or compile it) before the first request."""
    from datetime import date

    from dwp.benefits.domain import Adult, Household, calculate_uc, one_month_later

    start = date(2025, 6, 1)
    calculate_uc(Household(start, one_month_later(start), (Adult(date(1990, 1, 1)),)))


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(warm_up)
        async with database_with_outbox(app, settings, SERVICE, outbox) as database:
            app.state.benefits_context = BenefitsContext.on_database(database)
            yield

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        domain_errors=DOMAIN_ERRORS,
        lifespan=lifespan,
        description="Universal Credit, New Style JSA and New Style ESA: estimates, assessments and rates.",
    )


app = build_app()
