"""A payment run's process killed with SIGKILL between sending and recording, then started again, on
SQLite and PostgreSQL: nothing is paid twice and nothing is lost, counted at the payment system.

Real processes: the embedded AWS endpoint and the payments service (`dwp serve payments`), each its own
OS process; the payment system simulator in the test's process, behind a proxy of the test's own that
hands each submission to the simulator and then holds the simulator's answer back. Once the simulator
has taken a batch (and paid it), the payments process is killed with SIGKILL while it waits for the
answer: the instructions are `pending` in its database and paid at the payment system. The process is
started again and the workers' next run reconciles by instruction id before it sends anything.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from dwp.payments.domain.schedule import instruction_id
from dwp.platform import aws
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.payments.app import create_app as payment_system
from tests.conftest import DATABASES, free_port
from tests.integration.test_kill9 import Process
from tests.servers import running

pytestmark = [pytest.mark.integration, pytest.mark.faults]

CLAIMANTS = 6
THROUGH = "2026-11-30"


class Holder:
    """A proxy to the payment system that passes everything on, except that while `holding` it gives a
    submission to the system and then keeps the system's answer from the caller."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.holding = True
        self.taken = threading.Event()
        self.release = threading.Event()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE"])
        async def forward(path: str, request: Request) -> Response:
            async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as http:
                answer = await http.request(
                    request.method,
                    f"/{path}",
                    params=request.query_params,
                    content=await request.body(),
                    headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                )
            if self.holding and request.method == "POST" and path == "v1/submissions":
                self.taken.set()  # the system has it; its answer never reaches the caller
                await asyncio.to_thread(self.release.wait, 120)
            return Response(answer.content, answer.status_code, media_type=answer.headers.get("content-type"))

        return app


@pytest.fixture(params=DATABASES)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, Process, Holder, str]]:
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    ports = {"aws": free_port(), "payments": free_port()}
    while ports["payments"] == ports["aws"]:
        ports["payments"] = free_port()
    data_dir = tmp_path / ".dwp"
    with running(payment_system()) as system, running((holder := Holder(system)).app()) as proxy:
        env = {
            **os.environ,
            "DWP_ENV": "test",
            "DWP_DATA_DIR": str(data_dir),
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['aws']}",
            "DWP_PAYMENT_SYSTEM_URL": proxy,
            "DWP_LOG_LEVEL": "warning",
        }
        env.pop("REDIS_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        else:
            env.pop("DATABASE_URL", None)
        settings = Settings(
            dwp_env="test", dwp_data_dir=data_dir, aws_endpoint_url=env["AWS_ENDPOINT_URL"],
            database_url=database_url, redis_url=None,
        )  # fmt: skip
        endpoint = Process(
            "aws", ["aws-endpoint", "--port", str(ports["aws"])], env, ports["aws"], tmp_path / "aws.log"
        )
        payments = Process(
            "payments", ["serve", "payments", "--port", str(ports["payments"])], env, ports["payments"],
            tmp_path / "payments.log",
        )  # fmt: skip
        try:
            endpoint.start()
            aws.bootstrap(settings)
            upgrade("payments", settings)
            payments.start()
            yield settings, payments, holder, system
        finally:
            holder.release.set()
            payments.stop()
            endpoint.stop()


def account() -> dict[str, str]:
    """An account of sort code 10-79-99 (modulus 11, weights 8 7 6 5 4 3 2 1) nobody else has."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(7)]
        last = (11 - sum(d * w for d, w in zip(digits, (8, 7, 6, 5, 4, 3, 2), strict=True)) % 11) % 11
        if last < 10:
            return {"sort_code": "107999", "account_number": "".join(map(str, digits)) + str(last),
                    "account_name": "Ada Lovelace"}  # fmt: skip


async def claimants(base: str, settings: Settings) -> list[str]:
    """CLAIMANTS people with bank details and a two-period UC award each: their instruction ids."""
    key = load_or_create_dev_key(settings)
    claims = mint_token(key, issuer=settings.dwp_jwt_issuer, subject="claims", kind="service")
    ids = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for _ in range(CLAIMANTS):
            citizen = str(uuid.uuid4())
            token = mint_token(
                key, issuer=settings.dwp_jwt_issuer, subject=f"sub-{citizen}", kind="citizen",
                citizen_id=citizen, level_of_confidence="P2",
            )  # fmt: skip
            given = await http.put(
                f"/v1/payments/citizens/{citizen}/bank-details",
                json=account(),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert given.status_code == 200, given.text
            award = str(uuid.uuid4())
            body = {"claim_id": str(uuid.uuid4()), "citizen_id": citizen, "benefit": "universal_credit",
                    "first_day": "2026-09-01", "period_amounts": [61_000, 61_000]}  # fmt: skip
            stored = await http.put(
                f"/v1/internal/payments/awards/{award}",
                json=body,
                headers={"Authorization": f"Bearer {claims}"},
            )
            assert stored.status_code == 200, stored.text
            ids += [instruction_id(award, n) for n in range(2)]
    return ids


async def at_system(system: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        found: dict[str, Any] = (await http.get(f"{system}/_simulator/payments")).json()["instructions"]
        return found


async def test_a_payment_run_killed_between_sending_and_recording_pays_nobody_twice(
    stack: tuple[Settings, Process, Holder, str],
) -> None:
    settings, payments, holder, system = stack
    base = f"http://127.0.0.1:{payments.port}"
    ours = await claimants(base, settings)
    workers = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="workers", kind="service"
    )
    run = {"json": {"through": THROUGH}, "headers": {"Authorization": f"Bearer {workers}"}}

    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        first = asyncio.create_task(http.post("/v1/internal/payments/runs", **run))
        # A condition, not a fixed wait: the payment system has taken the first batch.
        assert await asyncio.to_thread(holder.taken.wait, 60), "the run never sent a batch"
        payments.kill9()
        with pytest.raises(httpx.TransportError):
            await first
    sent = await at_system(system)
    taken = [i for i in ours if i in sent]
    assert taken, "the killed run sent nothing of ours"
    assert all(sent[i]["paid"] == 1 for i in taken)

    holder.holding = False
    holder.release.set()
    payments.start()  # as ECS replaces the task
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        again = await http.post("/v1/internal/payments/runs", **run)
        assert again.status_code == 200, again.text
        report = again.json()
        assert report["reconciled"] >= len(taken)  # asked the system about each, before sending
        assert not report["system_unavailable"]
        # Once more: nothing left to send of ours.
        assert (await http.post("/v1/internal/payments/runs", **run)).status_code == 200
    sent = await at_system(system)
    # Nothing lost: every payment of ours is at the payment system; nothing doubled: each once, and
    # the ones the killed run had sent were never sent again.
    assert sorted(i for i in ours if i in sent) == sorted(ours)
    assert [sent[i]["paid"] for i in ours] == [1] * len(ours)
    assert [sent[i]["submissions"] for i in taken] == [1] * len(taken)
    assert payments.starts == 2
