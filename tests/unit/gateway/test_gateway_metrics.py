"""The gateway's metrics say which upstream and which of its route templates each request went to, never
the concrete path: two citizens' ids make one series, not two."""

from __future__ import annotations

import uuid

from joserfc.jwk import ECKey
from prometheus_client import REGISTRY, generate_latest

from dwp.gateway.routes import RouteTable
from dwp.platform.settings import Settings
from tests.unit.gateway.test_gateway import _auth, _token, gateway, key  # noqa: F401 - fixtures


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_route_template_is_the_catalogue_prefix_never_the_path() -> None:
    routes = RouteTable.from_catalogue(Settings(dwp_env="test"))
    claims = routes.match("/v1/claims/0b9f/evidence")
    assert claims is not None
    assert (claims.service, claims.route_template("/v1/claims/0b9f/evidence")) == (
        "claims",
        "/v1/claims/{path}",
    )
    assert claims.route_template("/v1/claims") == "/v1/claims"


async def test_requests_are_counted_per_upstream_and_template(gateway, key: ECKey) -> None:  # noqa: F811
    labels = {"upstream": "citizen", "route": "/v1/citizens/{path}", "method": "GET", "status": "200"}
    before = sample("dwp_gateway_upstream_requests_total", labels)
    http_before = sample(
        "dwp_http_requests_total",
        {"service": "gateway", "method": "GET", "route": "/v1/citizens/{path}", "status": "200"},
    )
    ids = [str(uuid.uuid4()), "٣٤٥"]  # two people, one of them with Arabic-Indic digits in the path
    for citizen_id in ids:
        assert (
            await gateway.get(f"/v1/citizens/{citizen_id}", headers=_auth(_token(key)))
        ).status_code == 200
    assert sample("dwp_gateway_upstream_requests_total", labels) == before + 2
    # The platform's own request metric carries the same template instead of the catch-all route.
    assert (
        sample(
            "dwp_http_requests_total",
            {"service": "gateway", "method": "GET", "route": "/v1/citizens/{path}", "status": "200"},
        )
        == http_before + 2
    )
    exposition = generate_latest(REGISTRY).decode()
    assert all(citizen_id not in exposition for citizen_id in ids)


async def test_refusals_and_unreachable_upstreams_are_counted_with_their_status(
    gateway,  # noqa: F811
    key: ECKey,  # noqa: F811
) -> None:
    refused = {"upstream": "claims", "route": "/v1/claims/{path}", "method": "GET", "status": "401"}
    down = {"upstream": "address", "route": "/v1/addresses/{path}", "method": "GET", "status": "503"}
    broken = {"upstream": "integrations", "route": "/v1/data-access/{path}", "method": "GET", "status": "502"}
    none = {"upstream": "none", "route": "unmatched", "method": "GET", "status": "404"}
    before = [
        sample("dwp_gateway_upstream_requests_total", labels) for labels in (refused, down, broken, none)
    ]
    assert (await gateway.get("/v1/claims/abc")).status_code == 401
    assert (await gateway.get("/v1/addresses/x", headers=_auth(_token(key)))).status_code == 503
    assert (await gateway.get("/v1/data-access/x", headers=_auth(_token(key)))).status_code == 502
    assert (await gateway.get("/v2/nothing", headers=_auth(_token(key)))).status_code == 404
    after = [
        sample("dwp_gateway_upstream_requests_total", labels) for labels in (refused, down, broken, none)
    ]
    assert after == [b + 1 for b in before]
