"""The platform's Redis users on a Redis cluster, as ElastiCache in cluster mode runs (`infra/`).

A 3-node cluster of its own (free loopback ports, and each one's bus port, port + 10000) is started and
stopped by this module; the shared Redis is never touched. A plain client is refused with MOVED for the
keys whose slots another node owns, which is what `DWP_REDIS_CLUSTER` was set and ignored for.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.exceptions

from dwp.gateway.ratelimit import RateLimiter, principal_key
from dwp.platform.cache import RedisCache, cache_from_settings, limits_storage_uri
from dwp.platform.settings import Settings
from dwp.workers.ratelimit import SendLimiter

pytestmark = pytest.mark.integration

NODES = 3


def _cluster_ports() -> list[int]:
    """Ports p whose bus port p + 10000 is free too (redis-server needs both)."""
    found: list[int] = []
    while len(found) < NODES:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535 or port in found:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        found.append(port)
    return found


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > give_up:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        pytest.fail("redis-server and redis-cli are needed for the cluster test")
    ports = _cluster_ports()
    folder: Path = tmp_path_factory.mktemp("redis-cluster")
    servers = []
    for port in ports:
        data = folder / str(port)
        data.mkdir()
        servers.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    str(data / "nodes.conf"),
                    "--dir",
                    str(data),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        for port in ports:
            _wait_for(lambda port=port: _answers(port), f"redis-server on {port}")
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

        def cluster_ok() -> bool:
            # redis-py parses CLUSTER INFO into a mapping of its fields.
            return all(
                redis.Redis(port=port).execute_command("CLUSTER INFO").get("cluster_state") == "ok"
                for port in ports
            )

        _wait_for(cluster_ok, "the cluster to agree on its slots")
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def _keys_on_each_node(ports: list[int]) -> list[int]:
    return [redis.Redis(port=port).dbsize() for port in ports]


def test_a_plain_client_is_refused_for_most_keys(cluster: list[int]) -> None:
    plain = redis.Redis(port=cluster[0])
    owned_elsewhere = next(
        f"probe-{n}" for n in range(1000) if plain.cluster("KEYSLOT", f"probe-{n}") not in _own_slots(plain)
    )
    with pytest.raises(redis.exceptions.MovedError):
        plain.set(owned_elsewhere, b"x")


def _own_slots(client: redis.Redis) -> set[int]:
    myself = client.execute_command("CLUSTER MYID")
    myself = myself.decode() if isinstance(myself, bytes) else myself
    owned: set[int] = set()
    for start, end, primary, *_ in client.execute_command("CLUSTER SLOTS"):
        if (primary[2].decode() if isinstance(primary[2], bytes) else primary[2]) == myself:
            owned.update(range(start, end + 1))
    return owned


async def test_the_cache_follows_the_slots(cluster: list[int]) -> None:
    settings = Settings(redis_url=f"redis://127.0.0.1:{cluster[0]}/0", dwp_redis_cluster=True)
    cache = cache_from_settings(settings, f"test-{uuid.uuid4().hex[:8]}")
    assert isinstance(cache, RedisCache)
    try:
        await cache.ping()
        for n in range(60):
            await cache.set(f"key-{n}", f"value-{n}".encode(), ttl_seconds=60)
        assert [await cache.get(f"key-{n}") for n in range(60)] == [f"value-{n}".encode() for n in range(60)]
        assert await cache.add("key-0", b"again", ttl_seconds=60) is False
        assert await cache.add("fresh", b"first", ttl_seconds=60) is True
        await cache.delete("key-1")
        assert await cache.get("key-1") is None
        assert all(count > 0 for count in _keys_on_each_node(cluster)), "keys landed on every node"
    finally:
        await cache.close()


async def test_two_gateway_tasks_share_their_counts_on_the_cluster(cluster: list[int]) -> None:
    url = f"redis://127.0.0.1:{cluster[1]}/0"
    first, second = (RateLimiter("3/minute", url, refusals="2/minute", cluster=True) for _ in range(2))
    for n in range(20):  # clients whose counters sit in different slots
        client = principal_key("citizen", f"c-{n}-{uuid.uuid4().hex}")
        results = [await limiter.retry_after(client) for limiter in (first, second, first, second)]
        assert results[:3] == [None, None, None]
        assert results[3] is not None


def test_the_notify_allowance_is_shared_on_the_cluster(cluster: list[int]) -> None:
    url = f"redis://127.0.0.1:{cluster[2]}/0"
    key = f"notify-{uuid.uuid4().hex}"
    now = [1_000_000.0]
    first, second = (
        SendLimiter(url, per_minute=3, cluster=True, key=key, sleep=lambda s: None, clock=lambda: now[0])
        for _ in range(2)
    )
    assert [first.acquire(0), second.acquire(0), first.acquire(0)] == [True, True, True]
    assert second.acquire(0) is False


def test_cluster_uris_for_limits() -> None:
    assert limits_storage_uri("rediss://:t%2Fk@h:6379/0", cluster=True, asynchronous=True) == (
        "async+redis+cluster://:t%2Fk@h:6379",
        {"ssl": True},
    )
    assert limits_storage_uri("redis://h:6379/0", cluster=False, asynchronous=False) == (
        "redis://h:6379/0",
        {},
    )
