"""When the database is down: a 503 problem with Retry-After, readiness says so, nothing half-written."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from dwp.citizen.repository import audit_log, citizens, outbox
from dwp.platform.settings import Settings
from tests.conftest import free_port
from tests.integration.conftest import bearer, citizen_service, citizen_token, on_behalf_of, serve
from tests.integration.test_citizen_api import details, register
from tests.servers import PrivatePostgres

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
            "/v1/internal/citizens",
            json=details(),
            headers=on_behalf_of(client, token, **{"Idempotency-Key": "half"}),
        )
        assert retried.status_code == 201


async def test_a_postgres_that_dies_refuses_and_comes_back_gives_503s_then_recovers(
    make_settings: Callable,
) -> None:
    """A private PostgreSQL (never the shared one): killed (`pg_ctl stop -m immediate`), then full (too
    many connections), then back. Each request meanwhile is a 503 problem with Retry-After, never a 500;
    readiness says so; the pool recovers by itself, and what was acknowledged is there once."""
    import asyncpg

    from dwp.platform.aws import bootstrap

    with PrivatePostgres(max_connections=12) as pg:
        settings: Settings = make_settings(database_url=pg.url)
        await asyncio.to_thread(bootstrap, settings)
        app = await citizen_service(settings)
        async with serve(app) as client:
            token = citizen_token(settings)
            first = await register(client, token, details())
            assert first.status_code == 201, first.text

            pg.stop("immediate")
            for response in (
                await register(client, citizen_token(settings), details()),
                await client.get(first.headers["location"], headers=bearer(token)),
            ):
                _assert_unavailable(response)
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("failed")

            pg.start()
            hogs: list[asyncpg.Connection] = []

            async def take_what_is_left() -> None:
                while True:
                    try:
                        hogs.append(await asyncpg.connect(host="127.0.0.1", port=pg.port, user="postgres"))
                    except asyncpg.TooManyConnectionsError:
                        return

            try:
                await take_what_is_left()
                # The service's outbox relay may have reconnected the pool before the server was full: end
                # its sessions too (and take the slots they free), so every request needs a new connection.
                await hogs[0].execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND NOT pid = ANY($1::int[])",
                    [hog.get_server_pid() for hog in hogs],
                )
                await take_what_is_left()
                _assert_unavailable(await register(client, citizen_token(settings), details()))
            finally:
                for hog in hogs:
                    await hog.close()

            async with asyncio.timeout(60):
                while (await client.get("/health/ready")).status_code != 200:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            again = await register(client, token, details(), **{"Idempotency-Key": "after"})
            assert again.status_code == 409, again.text  # the acknowledged one is there, once
            assert again.json()["existing"] == first.headers["location"]
            back = await client.get(first.headers["location"], headers=bearer(token))
            assert back.status_code == 200, back.text


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
