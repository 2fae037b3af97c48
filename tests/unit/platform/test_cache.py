import asyncio

from dwp.platform.cache import MemoryCache


async def test_memory_cache_expires_entries() -> None:
    cache = MemoryCache()
    await cache.set("a", b"1", ttl_seconds=0)
    await asyncio.sleep(0.01)
    assert await cache.get("a") is None


async def test_add_sets_only_when_absent() -> None:
    cache = MemoryCache()
    assert await cache.add("k", b"first", 60) is True
    assert await cache.add("k", b"second", 60) is False
    assert await cache.get("k") == b"first"


async def test_oldest_entries_are_evicted_past_the_limit() -> None:
    cache = MemoryCache(max_entries=2)
    for key in ("a", "b", "c"):
        await cache.set(key, key.encode(), 60)
    assert await cache.get("a") is None
    assert await cache.get("c") == b"c"
