"""The gateway's limits on Redis, as every gateway task shares them: per client, and refusals per address."""

from __future__ import annotations

import os
import uuid

import pytest

from dwp.gateway.ratelimit import RateLimiter, address_key, principal_key
from tests.conftest import IN_CI

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("REDIS_URL must be set under CI")
        pytest.skip("REDIS_URL is not set")
    return url


async def test_two_gateway_tasks_share_the_counts(redis_url: str) -> None:
    first, second = (RateLimiter("3/minute", redis_url, refusals="2/minute") for _ in range(2))
    client = principal_key("citizen", f"c-{uuid.uuid4().hex}")
    results = [await limiter.retry_after(client) for limiter in (first, second, first, second)]
    assert results[:3] == [None, None, None]
    assert results[3] is not None
    assert results[3] >= 1
    assert await first.retry_after(principal_key("caseworker", "someone-else")) is None


async def test_refusals_on_redis_stop_every_token_from_the_address(redis_url: str) -> None:
    first, second = (RateLimiter("100/minute", redis_url, refusals="2/minute") for _ in range(2))
    address = f"192.0.2.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"  # unique per run
    assert await first.refusals_retry_after(address) is None
    assert await first.count_refusal(address, bad_token=True) is None
    assert await second.count_refusal(address, bad_token=True) is None
    assert await second.count_refusal(address, bad_token=True) is not None  # the third refusal
    waits = await first.refusals_retry_after(address)
    assert waits is not None
    assert waits >= 1
    # A missing token counts against the address's own limit only, not against the refusals.
    other = f"{address}-quiet"
    for _ in range(3):
        assert await first.count_refusal(other, bad_token=False) is None
    assert await first.refusals_retry_after(other) is None
    assert await first.retry_after(address_key(other)) is None
