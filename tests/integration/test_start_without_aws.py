"""A service that starts without the embedded AWS endpoint (issue 11, "Supervision").

The citizen service read its blind-index secret from Secrets Manager at start-up and failed to start
when the endpoint was not there. Now it starts: `/health/live` is 200, `/health/ready` a 503 that names
the secret and why, a registration a 503 problem with `Retry-After` (nothing saved); once the endpoint is
there it loads the secret by itself and serves, with no restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from dwp.platform.embedded_aws import EmbeddedAws
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.conftest import free_port
from tests.integration.conftest import citizen_token, serve
from tests.integration.test_citizen_api import details, register

pytestmark = pytest.mark.integration


async def test_the_citizen_service_starts_not_ready_and_becomes_ready_when_aws_is_there(
    make_settings: Callable[..., Settings],
) -> None:
    from dwp.citizen.app import build_app
    from dwp.platform.aws import bootstrap

    port = free_port()
    settings = make_settings(aws_endpoint_url=f"http://127.0.0.1:{port}")
    await asyncio.to_thread(upgrade, "citizen", settings)  # SQLite: the database needs no AWS
    app = build_app(settings)
    async with serve(app) as client:
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503, ready.text
        why = ready.json()["checks"]["blind_index_secret"]
        assert why.startswith("failed: blind-index secret:"), why
        assert "EndpointConnectionError" in why or "Connect" in why, why
        refused = await register(client, citizen_token(settings), details())
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1

        endpoint = EmbeddedAws(port=port).start()
        try:
            await asyncio.to_thread(bootstrap, settings)

            async def ready_now() -> bool:
                return (await client.get("/health/ready")).status_code == 200

            async with asyncio.timeout(60):  # backoff is at most 15 s; generous under CI load
                while not await ready_now():  # noqa: ASYNC110 - polls the app's own report
                    await asyncio.sleep(0.1)
            registered = await register(client, citizen_token(settings), details())
            assert registered.status_code == 201, registered.text
        finally:
            endpoint.stop()
