"""Platform adapters against real servers: Redis (REDIS_URL), KMS on the embedded AWS endpoint, tracing."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from dwp.platform.cache import MemoryCache, RedisCache, cache_from_settings
from dwp.platform.pii import BlindIndex, PiiCipher, PiiError
from dwp.platform.settings import Settings
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


@pytest.mark.redis
async def test_redis_cache_round_trip_expiry_and_add(redis_url: str) -> None:
    cache = RedisCache(redis_url, namespace=f"dwp-test:{uuid.uuid4().hex}")
    try:
        await cache.ping()
        await cache.set("a", b"1", ttl_seconds=60)
        assert await cache.get("a") == b"1"
        assert await cache.add("a", b"2", 60) is False
        assert await cache.add("b", b"2", 1) is True
        await asyncio.sleep(1.2)
        assert await cache.get("b") is None
        await cache.delete("a")
        assert await cache.get("a") is None
    finally:
        await cache.close()


def test_cache_choice_follows_settings(make_settings: Callable) -> None:
    assert isinstance(cache_from_settings(make_settings(redis_url=None), "x"), MemoryCache)
    assert isinstance(
        cache_from_settings(make_settings(redis_url="redis://127.0.0.1:6379/0"), "x"), RedisCache
    )


def test_pii_round_trip_through_kms(bootstrapped: Settings) -> None:
    cipher = PiiCipher(bootstrapped)
    sealed = cipher.encrypt("AB123456C", context="citizen.nino")
    assert "AB123456C" not in sealed
    assert cipher.encrypt("AB123456C", context="citizen.nino") != sealed  # a fresh nonce every time
    assert (
        PiiCipher(bootstrapped).decrypt(sealed, context="citizen.nino") == "AB123456C"
    )  # a new process can open it


def test_pii_refuses_the_wrong_context_or_a_tampered_value(bootstrapped: Settings) -> None:
    cipher = PiiCipher(bootstrapped)
    sealed = cipher.encrypt("1990-01-01", context="citizen.date_of_birth")
    with pytest.raises(PiiError):
        cipher.decrypt(sealed, context="citizen.nino")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(PiiError):
        cipher.decrypt(tampered, context="citizen.date_of_birth")


def test_blind_index_is_keyed_and_separates_purposes(bootstrapped: Settings) -> None:
    index = BlindIndex.from_settings(bootstrapped)
    assert index.digest("AB123456C", purpose="nino") == index.digest("AB123456C", purpose="nino")
    assert index.digest("AB123456C", purpose="nino") != index.digest("AB123456C", purpose="other")
    assert BlindIndex(b"k" * 32).digest("AB123456C", purpose="nino") != index.digest(
        "AB123456C", purpose="nino"
    )
    with pytest.raises(PiiError):
        BlindIndex(b"short")


async def test_one_trace_across_the_request_its_sql_and_its_aws_calls(bootstrapped: Settings) -> None:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from dwp.platform.telemetry import add_span_processor
    from tests.integration.conftest import citizen_service, citizen_token, serve
    from tests.integration.test_citizen_api import details, register

    app = await citizen_service(bootstrapped)
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    async with serve(app) as client:
        exporter.clear()
        response = await register(client, citizen_token(bootstrapped), details())
        assert response.status_code == 201
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.name.startswith("POST /v1/internal/citizens")]
    assert server, [s.name for s in spans]
    trace_id = server[0].context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    sql = [
        s for s in in_trace if "db.system" in (s.attributes or {}) or "db.system.name" in (s.attributes or {})
    ]
    aws_calls = [s for s in in_trace if (s.attributes or {}).get("rpc.system") == "aws-api"]
    assert sql, "no SQL spans in the request's trace"
    assert any((s.attributes or {}).get("rpc.service") == "KMS" for s in aws_calls), [
        s.name for s in in_trace
    ]


def test_sealed_values_open_after_the_embedded_endpoint_restarts(tmp_path: Path) -> None:
    """`make run` twice: data kept in .dwp/ must open under the next run's embedded endpoint."""
    import subprocess
    import sys

    from dwp.platform.aws import bootstrap
    from dwp.platform.embedded_aws import wait_for_port
    from tests.conftest import free_port

    def endpoint() -> tuple[subprocess.Popen[bytes], Settings]:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "aws-endpoint", "--port", str(port)],
            env={**os.environ, "DWP_DATA_DIR": str(tmp_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", port, timeout=30)
        settings = Settings(
            dwp_env="test", dwp_data_dir=tmp_path, aws_endpoint_url=f"http://127.0.0.1:{port}"
        )
        bootstrap(settings)
        return process, settings

    first, settings = endpoint()
    try:
        sealed = PiiCipher(settings).encrypt("AB123456C", context="citizen.nino")
        digest = BlindIndex.from_settings(settings).digest("AB123456C", purpose="nino")
    finally:
        first.terminate()
        first.wait(timeout=10)
    second, settings = endpoint()
    try:
        assert PiiCipher(settings).decrypt(sealed, context="citizen.nino") == "AB123456C"
        assert BlindIndex.from_settings(settings).digest("AB123456C", purpose="nino") == digest
    finally:
        second.terminate()
        second.wait(timeout=10)
