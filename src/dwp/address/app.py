"""The address service's ASGI app: the platform app factory plus this service's routes and resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

from dwp.address import domain
from dwp.address.api import router
from dwp.address.config import AddressSettings
from dwp.address.places import POLICY, UPSTREAM, OsPlaces
from dwp.address.service import AddressContext, ProviderUnavailable
from dwp.platform.app_factory import create_app
from dwp.platform.cache import cache_from_settings
from dwp.platform.http import ResilientClient, shared_client
from dwp.platform.problems import ErrorMapping, ErrorTable, field_pointer
from dwp.platform.settings import Settings, get_settings

SERVICE = "address"


def _lookup_pointer(exc: domain.InvalidLookup, request: Request) -> str:
    return field_pointer(exc.field, "path" if exc.field == "uprn" else "query")


_INVALID = "Your request has invalid fields"

ERRORS: ErrorTable = {
    domain.AddressNotFound: ErrorMapping(404, "not-found", "Not found"),
    domain.InvalidLookup: ErrorMapping(422, "validation", _INVALID, pointer=_lookup_pointer, code="invalid"),
    domain.InvalidAddress: ErrorMapping(422, "validation", _INVALID, code="invalid_address"),
    ProviderUnavailable: ErrorMapping(503, "dependency-unavailable", "The address finder is not available"),
    domain.AddressError: ErrorMapping(422, "invalid-address", _INVALID),
}
"""The address service's one error table: the only place its domain errors meet HTTP."""


def build_app(
    settings: Settings | None = None,
    *,
    address_settings: AddressSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    places_client: ResilientClient | None = None,
) -> FastAPI:
    """`transport` (tests, benchmarks) sends OS Places calls somewhere else, such as the simulator's
    app in process; `places_client` replaces the client altogether (to share its breaker)."""
    settings = settings or get_settings()
    config = address_settings or AddressSettings(platform=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        http = shared_client(transport=transport) if transport is not None else shared_client()
        client = places_client or ResilientClient(UPSTREAM, config.os_places_url, http=http, policy=POLICY)
        cache = cache_from_settings(settings, SERVICE)
        places = OsPlaces(
            client, config.api_key(), page_size=config.os_places_page_size,
            max_pages=config.os_places_max_pages,
        )  # fmt: skip
        app.state.address_context = AddressContext(
            places=places, cache=cache, cache_seconds=config.address_cache_seconds
        )
        app.state.readiness["cache"] = cache.ping
        try:
            yield
        finally:
            await cache.close()
            await http.aclose()

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        description="Finds addresses by postcode or UPRN (Royal Mail PAF, OS Places) and checks typed ones.",
    )
