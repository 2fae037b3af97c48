"""The benefits service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from dwp.benefits import service
from dwp.benefits.api import router
from dwp.benefits.compiled import RulesEngine
from dwp.benefits.domain import BenefitsError, InvalidCircumstances, UnknownTaxYear, all_rates, lha
from dwp.benefits.repository import outbox
from dwp.benefits.service import BenefitsContext
from dwp.platform.app_factory import ReadinessCheck, create_app
from dwp.platform.outbox import database_with_outbox
from dwp.platform.problems import ErrorMapping, ErrorTable, field_pointer
from dwp.platform.readiness import Degraded
from dwp.platform.settings import Settings, get_settings

SERVICE = "benefits"

# Domain field names that the API spells differently.
_API_NAMES = {"period_start": "assessment_period_start", "period_end": "assessment_period_end"}


def _route(request: Request) -> str:
    return str(getattr(request.scope.get("route"), "path", ""))


def _in_body(request: Request, field: str) -> str:
    """Where a household field sits in the request: the rules name fields relative to the household,
    which an assessment nests under `circumstances` (an estimate's own fields already carry their
    section, and HMRC earnings sit beside the circumstances)."""
    head, _, last = field.rpartition(".")
    field = f"{head}.{_API_NAMES.get(last, last)}" if head else _API_NAMES.get(last, last)
    if _route(request) == "/v1/assessments" and not field.startswith("hmrc_earnings"):
        return f"circumstances.{field}"
    if _route(request) == "/v1/assessments/batch":
        # `items[3].adults[0].date_of_birth`: the rules name fields relative to the page's household.
        item, _, rest = field.partition(".")
        if rest and not rest.startswith(("hmrc_earnings", "carried_state")):
            head, _, last = rest.rpartition(".")
            rest = f"{head}.{_API_NAMES.get(last, last)}" if head else _API_NAMES.get(last, last)
            return f"{item}.circumstances.{rest}"
        return field
    return field


def _circumstances_pointer(exc: InvalidCircumstances, request: Request) -> str:
    return field_pointer(_in_body(request, exc.field))


def _tax_year_pointer(exc: UnknownTaxYear, request: Request) -> str:
    if _route(request) == "/v1/rates/{tax_year}":
        return field_pointer("tax_year", "path")
    if exc.field == "tax_year":
        return field_pointer("tax_year")
    # A date with no rates: the date the assessment period starts.
    if _route(request) == "/v1/assessments/batch":
        item = exc.field.partition(".")[0]
        return field_pointer(f"{item}.circumstances.{_API_NAMES['period_start']}")
    section = "circumstances" if _route(request) == "/v1/assessments" else "universal_credit"
    return field_pointer(f"{section}.{_API_NAMES['period_start']}")


def _unknown_year(exc: UnknownTaxYear) -> str:
    return f"no rates are held for {exc.what} (known tax years: {', '.join(all_rates())})"


_INVALID = "Your request has invalid fields"


def _choices(exc: lha.ChooseArea) -> dict[str, Any]:
    # The GOV.UK "choose your area" radios: each choice's code to send back as housing.brma, and its name.
    return {"choices": [{"brma": b.code, "name": b.name} for b in exc.choices]}


ERRORS: ErrorTable = {
    service.AssessmentNotFound: ErrorMapping(404, "not-found", "Not found"),
    lha.ChooseArea: ErrorMapping(
        422,
        "validation",
        _INVALID,
        pointer=_circumstances_pointer,
        code="choose_area",
        extensions=_choices,
    ),
    lha.NotInGreatBritain: ErrorMapping(
        422, "validation", _INVALID, pointer=_circumstances_pointer, code="claim_elsewhere"
    ),
    InvalidCircumstances: ErrorMapping(
        422, "validation", _INVALID, pointer=_circumstances_pointer, code="invalid_circumstances"
    ),
    UnknownTaxYear: ErrorMapping(
        422,
        "validation",
        _INVALID,
        detail=_unknown_year,
        pointer=_tax_year_pointer,
        code="invalid_circumstances",
    ),
    BenefitsError: ErrorMapping(422, "invalid-circumstances", _INVALID),
}
"""The benefits service's one error table: the only place its domain errors meet HTTP."""


def rules_engine_check(engine: RulesEngine) -> ReadinessCheck:
    """Readiness while the compiled kernel loads: degraded (still 200: the interpreted kernel gives the
    same answers, single households and pages alike), with what is happening; ok once it is compiled."""

    async def check() -> None:
        if engine.state != "compiled":
            raise Degraded(engine.describe())

    return check


def build_app(settings: Settings | None = None, *, engine: RulesEngine | None = None) -> FastAPI:
    """The app; `engine` gets the compiled kernel (a test passes one whose compile it holds)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rules = engine or RulesEngine()
        # Interpreted at once, compiled in the background: a first start (no numba cache) is ready
        # without the compile, and never blocks the event loop on it (dwp.benefits.compiled).
        await asyncio.to_thread(rules.start)
        app.state.rules_engine = rules
        try:
            async with database_with_outbox(app, settings, SERVICE, outbox) as database:
                app.state.benefits_context = BenefitsContext.on_database(database)
                app.state.readiness["rules_engine"] = rules_engine_check(rules)
                yield
        finally:
            rules.stop()

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="Universal Credit, New Style JSA and New Style ESA: estimates, assessments and rates.",
    )
