"""`dwp up` starts what the catalogue names: each provider simulator's app imports and is ready."""

from __future__ import annotations

import importlib

import httpx
import pytest

from dwp.platform import catalog


@pytest.mark.parametrize("name", ["os-places", "hmrc", "nhs", "notify", "payment-system"])
async def test_each_provider_simulator_is_in_the_catalogue_with_an_app(name: str) -> None:
    entry = catalog.process(name)
    assert (entry.kind, entry.deployed) == ("simulator", False)
    assert entry.app is not None
    module, _, factory = entry.app.partition(":")
    app = getattr(importlib.import_module(module), factory)()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim.test") as http:
        assert (await http.get("/health/ready")).json() == {"status": "ok"}
        assert (await http.get("/_simulator/control")).json()["fault"] is None
