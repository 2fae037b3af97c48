"""The catalogue's path prefixes are each service's routes: the internal load balancer on AWS routes by them,
so a route no prefix names is unreachable there (the worker functions call the internal routes through it),
and a prefix two services share would send one's requests to the other."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.routing import Route

from dwp.platform import catalog
from dwp.platform.settings import Settings

PLATFORM_PATHS = ("/health", "/metrics", "/docs", "/openapi.json", "/redoc")
"""Every app's own routes (app_factory): not routed by the load balancer's path rules."""

SERVICES = [p for p in catalog.PROCESSES if p.on_fargate and p.kind == "service"]


def _paths(entry: catalog.Process, tmp_path: Path) -> list[str]:
    assert entry.app is not None
    module, factory = entry.app.split(":")
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", redis_url=None, database_url=None)
    app: FastAPI = getattr(importlib.import_module(module), factory)(settings)
    return [r.path for r in app.routes if isinstance(r, Route) and not r.path.startswith(PLATFORM_PATHS)]


def _matches(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


@pytest.mark.parametrize("entry", SERVICES, ids=lambda p: p.name)
def test_every_route_of_a_service_is_under_one_of_its_prefixes(
    entry: catalog.Process, tmp_path: Path
) -> None:
    prefixes = entry.route_prefixes + entry.internal_prefixes
    unrouted = [path for path in _paths(entry, tmp_path) if not any(_matches(path, p) for p in prefixes)]
    assert not unrouted, f"{entry.name}: no catalogue prefix routes {unrouted}"


def test_no_prefix_of_one_service_matches_another_services_prefix() -> None:
    owned = [(prefix, p.name) for p in SERVICES for prefix in p.route_prefixes + p.internal_prefixes]
    clashes = [
        (a, b)
        for a, owner in owned
        for b, other in owned
        if owner != other and (_matches(a, b) or _matches(b, a))
    ]
    assert not clashes


def test_internal_prefixes_are_not_on_the_api() -> None:
    public = [prefix for p in catalog.PROCESSES for prefix in p.route_prefixes]
    for entry in SERVICES:
        for prefix in entry.internal_prefixes:
            assert not any(_matches(prefix, p) for p in public), prefix


def test_every_function_calls_processes_of_the_catalogue() -> None:
    names = {p.name for p in catalog.PROCESSES}
    for function in catalog.FUNCTIONS:
        assert set(function.calls) <= names, function.name
