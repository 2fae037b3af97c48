"""When the database is down: a 503 problem with Retry-After, readiness says so, nothing half-written."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from dwp.citizen.repository import audit_log, citizens, outbox
from dwp.platform.settings import Settings
from tests.conftest import free_port
from tests.integration.conftest import bearer, citizen_service, citizen_token, serve
from tests.integration.test_citizen_api import details, register

pytestmark = pytest.mark.integration


async def test_unreachable_postgres_gives_503_and_readiness_fails(make_settings: Callable) -> None:
    from dwp.citizen.app import build_app
    from dwp.platform.aws import bootstrap

    settings: Settings = make_settings(database_url=f"postgresql+asyncpg://dwp@127.0.0.1:{free_port()}/gone")
    bootstrap(settings)
    app = build_app(settings)
    async with serve(app) as client:
        response = await register(client, citizen_token(settings), details())
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"] == "application/problem+json"
        assert "nothing was saved" in response.json()["detail"]
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("failed")
        assert (await client.get("/health/live")).status_code == 200


async def test_a_failure_mid_registration_leaves_nothing_behind(
    bootstrapped: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dwp.citizen import service

    app = await citizen_service(bootstrapped)

    async def outbox_fails(*_: object, **__: object) -> str:
        raise OperationalError("INSERT INTO outbox", {}, ConnectionError("connection lost"))

    monkeypatch.setattr(service.events, "citizen_registered", outbox_fails)
    async with serve(app) as client:
        citizen_id = str(uuid.uuid4())
        token = citizen_token(bootstrapped, citizen_id)
        response = await register(client, token, details(), **{"Idempotency-Key": "half"})
        assert response.status_code == 503
        database = app.state.citizen_context.uow.database
        async with database.read() as session:
            for table, mine in (
                (citizens, citizens.c.id == citizen_id),
                (audit_log, audit_log.c.citizen_id == citizen_id),
                (outbox, outbox.c.envelope.contains(citizen_id)),
            ):
                count = (
                    await session.execute(select(func.count()).select_from(table).where(mine))
                ).scalar_one()
                assert count == 0, f"{table.name} has {count} rows after a failed registration"
        monkeypatch.undo()
        retried = await client.post(
            "/v1/citizens", json=details(), headers=bearer(token, **{"Idempotency-Key": "half"})
        )
        assert retried.status_code == 201
