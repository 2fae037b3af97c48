"""Identity -> citizen through `platform.http`: a registration survives a citizen service that is briefly
unreachable, one that stays down is a 503 problem (never a 500), and its breaker then fails fast;
service tokens come from the real token endpoint."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from joserfc import jwt

from dwp.platform.http import CircuitBreakers, ResilientClient, ServiceTokens, shared_client
from tests.integration.identity.flows import sign_in
from tests.integration.identity.harness import CITIZEN, Network, Platform

pytestmark = pytest.mark.integration


class Flaky(httpx.AsyncBaseTransport):
    """The platform's network, except that the citizen service refuses the next `down` connections."""

    def __init__(self, network: Network, down: int) -> None:
        self.network = network
        self.down = down
        self.refused = 0
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.netloc.decode() == urlsplit(CITIZEN).netloc and self.refused < self.down:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        self.sent.append(request)
        return await self.network.handle_async_request(request)


def _citizen_through(platform: Platform, transport: Flaky, sleeps: list[float]) -> None:
    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    ctx = platform.identity.state.identity
    ctx.citizen = ResilientClient(
        "citizen",
        CITIZEN,
        http=shared_client(transport=transport),
        breakers=CircuitBreakers(threshold=5, ttl=30.0),
        sleep=no_wait,
    )


async def test_registration_is_retried_past_a_citizen_service_that_is_briefly_unreachable(
    platform: Platform,
) -> None:
    flaky, sleeps = Flaky(platform.network, down=2), []
    _citizen_through(platform, flaky, sleeps)
    async with platform.browser() as browser:
        await sign_in(browser, "mohammed-p2")
        registered = await browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
        assert registered.status_code == 303, registered.text
        page = await browser.get("/v1/auth/me")
    assert "Your citizen record is registered" in page.text
    assert flaky.refused == 2
    assert len(sleeps) == 2


async def test_the_call_carries_the_callers_request_id_and_trace_context(platform: Platform) -> None:
    through, sleeps = Flaky(platform.network, down=0), []
    _citizen_through(platform, through, sleeps)
    async with platform.browser() as browser:
        await sign_in(browser, "mohammed-p2")
        registered = await browser.post(
            "/v1/auth/register",
            data={"national_insurance_number": "JG103759A"},
            headers={"X-Request-ID": "itest-request-0001"},
        )
        assert registered.status_code == 303, registered.text
    (sent,) = [r for r in through.sent if r.url.path == "/v1/internal/citizens"]
    assert sent.headers["X-Request-ID"] == "itest-request-0001"
    assert sent.headers["Idempotency-Key"].startswith("register-")
    version, trace_id, span_id, _flags = sent.headers["traceparent"].split("-")
    assert (version, len(trace_id), len(span_id)) == ("00", 32, 16)
    assert registered.headers["X-Request-ID"] == "itest-request-0001"


async def test_a_citizen_service_that_stays_down_is_a_503_and_then_fails_fast(platform: Platform) -> None:
    flaky, sleeps = Flaky(platform.network, down=1_000), []
    _citizen_through(platform, flaky, sleeps)
    async with platform.browser() as browser:
        await sign_in(browser, "mohammed-p2")
        for _ in range(2):  # three attempts each: the breaker opens during the second
            refused = await browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert "retry-after" in refused.headers
        tried = flaky.refused
        assert tried == 5
        fast = await browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
    assert fast.status_code == 503
    assert flaky.refused == tried  # the open breaker sent nothing


async def test_a_service_token_is_fetched_from_the_identity_service_and_cached(platform: Platform) -> None:
    tokens = ServiceTokens.for_service("benefits", platform.settings, http=platform.http)
    first = await tokens.token()
    assert await tokens.token() == first
    assert tokens.fetched == 1
    claims = jwt.decode(first, await platform.keys()).claims
    assert (claims["sub"], claims["kind"]) == ("benefits", "service")
