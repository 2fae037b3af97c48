"""Service tokens as on AWS (issue 12): the caller has its client secret's ARN, not a local secret, and
the identity service reads the clients' secrets from Secrets Manager (moto). After a rotation the next
token request works without a restart, for a caller that reads its secret by ARN (a Lambda function)
and for one whose secret was injected at its start (an ECS task)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from joserfc import jwt

from dwp.identity.clients import MAX_AGE_SECONDS, REFRESH_FLOOR_SECONDS, ServiceClients
from dwp.identity.config import IdentitySettings
from dwp.platform import aws, catalog
from dwp.platform.http import ServiceTokens
from tests.integration.identity.harness import GATEWAY, Platform

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client_secrets(platform: Platform) -> dict[str, Any]:
    """The clients' secrets created as infra/ does, and identity configured with their ARNs."""
    manager = aws.client("secretsmanager", platform.settings)
    arns = {}
    for client in catalog.service_clients():
        name = catalog.service_client_secret(client)
        arns[client] = manager.create_secret(Name=name, SecretString=f"{client}-v1")["ARN"]
    clock = Clock()
    identity = IdentitySettings(platform=platform.settings, service_client_secrets=json.dumps(arns))
    clients = ServiceClients(identity, clock=clock)
    await clients.load()  # as the identity service's start does
    assert all(entry.current.reads == 1 for entry in clients._secrets.values())
    platform.identity.state.identity.clients = clients
    return {"manager": manager, "arns": arns, "clock": clock}


async def _subject(platform: Platform, token: str) -> str:
    return str(jwt.decode(token, await platform.keys()).claims["sub"])


async def _ask(platform: Platform, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await platform.http.post(f"{GATEWAY}/v1/auth/token", data=form)


async def test_a_caller_with_its_secrets_arn_gets_a_token_and_keeps_getting_one_across_rotations(
    platform: Platform, client_secrets: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    manager, arns, clock = client_secrets["manager"], client_secrets["arns"], client_secrets["clock"]
    monkeypatch.setenv("DWP_SERVICE_CLIENT_SECRET_ARN", arns["workers"])
    lambda_tokens = ServiceTokens.for_service("workers", platform.settings, http=platform.http)
    first = await lambda_tokens.token()
    assert await _subject(platform, first) == "workers"
    # The local secret is no longer accepted once the secrets are Secrets Manager's, nor another's.
    assert (await _ask(platform, "workers", "local-workers-secret")).status_code == 401
    assert (await _ask(platform, "claims", "workers-v1")).status_code == 401
    # Each refusal read the secret again; the next read may come once the floor has passed.
    clock.now += REFRESH_FLOOR_SECONDS + 1

    # Rotation: a new value. A function started afterwards reads it; identity reads again and accepts it.
    manager.put_secret_value(SecretId=arns["workers"], SecretString="workers-v2")
    cold_start = ServiceTokens.for_service("workers", platform.settings, http=platform.http)
    assert await _subject(platform, await cold_start.token()) == "workers"
    # A warm function and an ECS task (secret injected at start) still hold v1: the previous value counts.
    lambda_tokens.invalidate(first)
    assert await _subject(platform, await lambda_tokens.token()) == "workers"
    monkeypatch.delenv("DWP_SERVICE_CLIENT_SECRET_ARN")
    monkeypatch.setenv("DWP_SERVICE_CLIENT_SECRET", "workers-v1")
    ecs_task = ServiceTokens.for_service("workers", platform.settings, http=platform.http)
    assert await ecs_task.token()

    # Two more rotations: v1 is neither current nor previous. The function's next request is refused,
    # it reads its secret again and asks once more, and identity reads the new value: no restart.
    manager.put_secret_value(SecretId=arns["workers"], SecretString="workers-v3")
    manager.put_secret_value(SecretId=arns["workers"], SecretString="workers-v4")
    # Identity reads the secrets again within MAX_AGE_SECONDS even when nothing is refused, so v1 stops.
    clock.now += MAX_AGE_SECONDS + 1
    lambda_tokens.invalidate(await lambda_tokens.token())
    assert await _subject(platform, await lambda_tokens.token()) == "workers"
    assert (await _ask(platform, "workers", "workers-v1")).status_code == 401
    assert (await _ask(platform, "workers", "workers-v3")).status_code == 200  # the previous value


async def test_wrong_secrets_do_not_make_every_request_read_secrets_manager(
    platform: Platform, client_secrets: dict[str, Any]
) -> None:
    ctx = platform.identity.state.identity
    assert (await _ask(platform, "claims", "claims-v1")).status_code == 200
    entry = ctx.clients._secrets["claims"]
    reads = entry.current.reads
    for _ in range(5):
        assert (await _ask(platform, "claims", "guessed")).status_code == 401
    assert entry.current.reads == reads + 1  # one refresh, then the floor holds until the clock moves
    assert (await _ask(platform, "nobody", "guessed")).status_code == 401
