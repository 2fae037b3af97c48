"""Fixtures of the payments service's integration tests: the app on SQLite or PostgreSQL, a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings


@pytest.fixture
async def payments_app(bootstrapped: Settings) -> AsyncIterator[FastAPI]:
    from dwp.payments.app import build_app

    await asyncio.to_thread(upgrade, "payments", bootstrapped)
    app = build_app(bootstrapped)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(payments_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=payments_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as http:
        yield http
