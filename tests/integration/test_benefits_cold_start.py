"""A first start of the benefits service (no numba cache): it is ready and answers at once with the rules
kernel's interpreted source while the compiled kernel is made in the background, single households and
batch pages alike, to the penny; then it switches to the compiled kernel (dwp.benefits.compiled).

The compile is held by the test (an event it sets), not timed: whatever the machine's load, the requests
below are answered while the compile has certainly not finished."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from dwp.benefits.compiled import RulesEngine
from dwp.benefits.domain import jit
from dwp.benefits.domain import uc_kernel as compiled
from dwp.contracts import benefits as contract
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.integration.conftest import bearer
from tests.integration.test_benefits_api import uc_body
from tests.integration.test_benefits_batch import item

pytestmark = pytest.mark.integration


class HeldCompile:
    """A compile that runs until the test lets it finish, counting the calls of each kernel copy."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self) -> None:
        self.started.set()
        assert self.release.wait(timeout=300), "the test never released the compile"


class Calls:
    """Counts the calls of the interpreted copy's entry points (the module itself is not touched)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts = {"uc_single": 0, "uc_batch": 0}
        copy = jit.interpreted_copy()
        for name in self.counts:
            monkeypatch.setattr(copy, name, self._counting(name, getattr(copy, name)))

    def _counting(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            self.counts[name] += 1
            return function(*args)

        return counted


@pytest.fixture
async def cold(bootstrapped: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, RulesEngine, HeldCompile]]:
    from dwp.benefits.app import build_app

    await asyncio.to_thread(upgrade, "benefits", bootstrapped)
    held = HeldCompile()
    engine = RulesEngine(compile=held, needs_compile=lambda: True)  # as with no numba cache
    app = build_app(bootstrapped, engine=engine)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://benefits.test"
            ) as client,
        ):
            yield client, engine, held
    finally:
        held.release.set()
        assert not jit.serving_interpreted(), "the process was left on the interpreted kernel"


async def _readiness(client: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    r = await client.get("/health/ready")
    return r.status_code, r.json()


async def test_a_first_start_answers_interpreted_until_compiled_then_switches(
    cold: tuple[httpx.AsyncClient, RulesEngine, HeldCompile],
    tokens: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, engine, held = cold
    calls = Calls(monkeypatch)
    assert await asyncio.to_thread(held.started.wait, 60), "the compile never started"

    # Ready (200, degraded: serving with a fallback that gives the same answers), saying why.
    status, ready = await _readiness(client)
    assert status == 200, ready
    assert ready["status"] == "degraded"
    assert ready["checks"]["rules_engine"].startswith("degraded: compiling the rules engine")
    assert engine.state == "compiling"
    assert jit.serving_interpreted()

    # An estimate, before the compile has finished: the worked example's award, from the interpreted copy.
    # £400.14 + £292.81 + £500.00 - 55% x (£1,410.00 - £411.00) = £1,192.95 - £549.45 = £643.50
    r = await client.post("/v1/estimates", json={"universal_credit": uc_body()})
    assert r.status_code == 200, r.text
    before = r.json()["universal_credit"]
    assert before["award_pence"] == 64350
    assert calls.counts["uc_single"] == 1

    # A stored assessment, and a batch page (the monthly run's route), interpreted too.
    workers = tokens("service", subject="workers")
    single = await client.post("/v1/assessments", json=item(3), headers=bearer(workers))
    assert single.status_code == 201, single.text
    assert calls.counts["uc_single"] == 2
    page = [item(n) for n in range(6)]
    r = await client.post(contract.ASSESSMENT_BATCH_PATH, json={"items": page}, headers=bearer(workers))
    assert r.status_code == 201, r.text
    interpreted_page = r.json()["items"]
    assert calls.counts["uc_batch"] == 1
    assert interpreted_page[3]["award_pence"] == single.json()["award_pence"]
    assert interpreted_page[3]["explanation"] == single.json()["explanation"]

    # The compile finishes: the compiled kernel is loaded and served, and readiness is plainly ok.
    held.release.set()
    assert await asyncio.to_thread(engine.wait, 600), "the compiled kernel did not load"
    assert engine.state == "compiled", engine.why
    assert not jit.serving_interpreted()
    assert jit.kernel() is compiled
    assert compiled.uc_single.signatures  # loaded in this process
    assert compiled.uc_batch.signatures
    status, ready = await _readiness(client)
    assert (status, ready["status"], ready["checks"]["rules_engine"]) == (200, "ok", "ok"), ready

    # The same requests now go through the compiled kernel (the interpreted copy is not called) and
    # give the same answers to the penny, explanations included.
    r = await client.post("/v1/estimates", json={"universal_credit": uc_body()})
    assert r.status_code == 200, r.text
    assert r.json()["universal_credit"] == before
    key = {"Idempotency-Key": f"test:{uuid.uuid4().hex}"}
    again = bearer(workers, **key)
    r = await client.post(contract.ASSESSMENT_BATCH_PATH, json={"items": page}, headers=again)
    assert r.status_code == 201, r.text
    fields = ("claim_id", "award_pence", "carried_state", "explanation")
    assert [{f: a[f] for f in fields} for a in r.json()["items"]] == [
        {f: a[f] for f in fields} for a in interpreted_page
    ]
    assert calls.counts == {"uc_single": 2, "uc_batch": 1}


async def test_a_service_stopped_while_compiling_goes_back_to_the_module_itself(
    cold: tuple[httpx.AsyncClient, RulesEngine, HeldCompile],
) -> None:
    client, engine, held = cold
    assert await asyncio.to_thread(held.started.wait, 60)
    assert jit.serving_interpreted()
    engine.stop()  # as the lifespan's end does; the fixture then checks the process is not left interpreted
    held.release.set()
    assert await asyncio.to_thread(engine.wait, 60)
    assert engine.state == "compiling"  # it stopped rather than loading the compiled kernel
    assert not jit.serving_interpreted()
    r = await client.post("/v1/estimates", json={"universal_credit": uc_body()})
    assert r.json()["universal_credit"]["award_pence"] == 64350
