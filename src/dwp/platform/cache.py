"""A small cache interface: Redis when `REDIS_URL` is set, an in-process TTL cache otherwise.

With `DWP_REDIS_CLUSTER=true` (ElastiCache in cluster mode, as `infra/` builds it) every Redis user of the
platform talks to it with a cluster client, which follows the slots to their owners: this cache, and the
`limits` storages of the gateway's rate limits and the workers' Notify allowance (`limits_storage`).
A plain client against a cluster fails with MOVED on most keys.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as redis

from dwp.platform.settings import Settings


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        """Set only if absent; True when this call set it."""
        ...

    async def delete(self, key: str) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryCache:
    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._entries[key] = (time.monotonic() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl_seconds)
        return True

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()


class RedisCache:
    def __init__(self, url: str, namespace: str, *, cluster: bool = False) -> None:
        self._client: redis.Redis | redis.RedisCluster
        if cluster:
            self._client = redis.RedisCluster.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        else:
            self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._ns = namespace

    def _key(self, key: str) -> str:
        return f"{self._ns}:{key}"

    async def get(self, key: str) -> bytes | None:
        value = await self._client.get(self._key(key))
        return value.encode() if isinstance(value, str) else value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._client.set(self._key(key), value, ex=ttl_seconds)

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        return bool(await self._client.set(self._key(key), value, ex=ttl_seconds, nx=True))

    async def delete(self, key: str) -> None:
        await self._client.delete(self._key(key))

    async def ping(self) -> None:
        await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()


def cache_from_settings(settings: Settings, namespace: str) -> Cache:
    if settings.redis_url:
        return RedisCache(
            settings.redis_url, namespace=f"dwp:{namespace}", cluster=settings.dwp_redis_cluster
        )
    return MemoryCache()


def limits_storage_uri(redis_url: str, *, cluster: bool, asynchronous: bool) -> tuple[str, dict[str, Any]]:
    """The `limits` package's storage URI and options for this Redis (`limits.storage_from_string`).

    `limits` names a cluster by its scheme (`redis+cluster://`) and takes TLS as an option rather than
    from a `rediss` scheme in cluster mode; the database number means nothing to a cluster.
    """
    parts = urlsplit(redis_url)
    options: dict[str, Any] = {}
    scheme = parts.scheme
    if cluster:
        if scheme == "rediss":
            options["ssl"] = True
        scheme = "redis+cluster"
        parts = parts._replace(path="")
    uri = urlunsplit(parts._replace(scheme=f"async+{scheme}" if asynchronous else scheme))
    return uri, options
