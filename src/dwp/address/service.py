"""Use cases of the address service: find by postcode, by UPRN or by free text, check an address typed
by hand.

The service keeps nothing of its own: a confirmed address belongs to the citizen service. Lookups are
cached (Redis when `REDIS_URL` is set, in-process otherwise) for `cache_seconds`; a cache that fails
is passed by, since OS Places can still answer. Provider failures become `ProviderUnavailable` (a 503
with `Retry-After`): the citizen can type the address instead, or try again.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import TypeVar

import structlog
from pydantic import TypeAdapter
from redis.exceptions import RedisError

from dwp.address import domain
from dwp.address.domain import AddressError, AddressParts, InvalidLookup
from dwp.address.places import OsPlaces
from dwp.contracts.addresses import Address, AddressCheck, AddressList, AddressMatch, AddressSearch
from dwp.contracts.identifiers import InvalidText, free_text
from dwp.contracts.postcodes import InvalidPostcode, parse_postcode, uprn
from dwp.platform.cache import Cache
from dwp.platform.http import UpstreamError, UpstreamRejected

log = structlog.get_logger("address")

T = TypeVar("T")
_ADDRESSES = TypeAdapter(list[Address])
EMPTY_CACHE_SECONDS = 60 * 60
"""A postcode with no delivery points is kept for an hour only: it may be new, and land in an epoch."""


class ProviderUnavailable(AddressError):
    """OS Places cannot answer now (down, slow, overloaded, broken, or its breaker is open)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class AddressContext:
    places: OsPlaces
    cache: Cache
    cache_seconds: int


def to_contract(parts: AddressParts) -> Address:
    fields = {k: v for k, v in asdict(parts).items() if k != "po_box_number"}
    return Address(**fields, lines=domain.printed_lines(parts))


async def find_by_postcode(ctx: AddressContext, raw: str) -> AddressList:
    try:
        postcode = parse_postcode(raw)
    except InvalidPostcode as exc:
        raise InvalidLookup("postcode", str(exc)) from None
    key = f"postcode:{postcode.value}"
    addresses = await _cached(ctx, key)
    if addresses is None:
        if postcode.kind in ("forces", "overseas-territory", "gibraltar"):
            addresses = []  # outside PAF's delivery points: nothing to ask OS Places for
        else:
            addresses = [to_contract(p) for p in await _ask(ctx.places.by_postcode(postcode.value))]
        ttl = ctx.cache_seconds if addresses else min(ctx.cache_seconds, EMPTY_CACHE_SECONDS)
        await _keep(ctx, key, addresses, ttl)
    return AddressList(
        postcode=postcode.value,
        claimable=postcode.claimable,
        not_claimable_reason=postcode.not_claimable_reason,
        addresses=addresses,
    )


async def find_by_uprn(ctx: AddressContext, raw: str) -> Address:
    try:
        reference = uprn(raw)
    except InvalidPostcode as exc:
        raise InvalidLookup("uprn", str(exc)) from None
    key = f"uprn:{reference}"
    cached = await _cached(ctx, key)
    if cached is None:
        found = await _ask(ctx.places.by_uprn(reference))
        cached = [to_contract(found)] if found else []
        ttl = ctx.cache_seconds if cached else min(ctx.cache_seconds, EMPTY_CACHE_SECONDS)
        await _keep(ctx, key, cached, ttl)
    if not cached:
        raise domain.AddressNotFound(f"no address has UPRN {reference}")
    return cached[0]


MAX_QUERY_LENGTH = 200
MAX_OFFSET = 900
"""OS Places ranks a search's answer; past the first few pages a person types more instead."""


async def find_by_text(ctx: AddressContext, raw: str, offset: int, limit: int) -> AddressSearch:
    """A page of the addresses matching free text (`10 Downing Street London`), best first.

    Not cached: free text has no natural key (every keystroke is another), and a person searches
    once; the postcode lookup is the cached path."""
    try:
        query = " ".join(free_text(raw).split())
    except InvalidText as exc:
        raise InvalidLookup("query", f"query {exc}") from None
    if not any(ch.isascii() and ch.isalnum() for ch in query):
        raise InvalidLookup("query", "query must have a letter or a number in it")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidLookup("query", f"query must be {MAX_QUERY_LENGTH} characters or fewer")
    total, found = await _ask(ctx.places.find(query, offset, limit))
    following = offset + len(found)
    return AddressSearch(
        query=query,
        offset=offset,
        limit=limit,
        total=total,
        next_offset=following if found and following < total and following <= MAX_OFFSET else None,
        results=[AddressMatch(address=to_contract(parts), match=match) for parts, match in found],
    )


def check_address(parts: AddressParts) -> AddressCheck:
    checked, postcode = domain.check_typed(parts)
    return AddressCheck(
        address=to_contract(checked),
        claimable=postcode.claimable,
        not_claimable_reason=postcode.not_claimable_reason,
    )


async def _ask(call: Awaitable[T]) -> T:
    try:
        return await call
    except UpstreamRejected as exc:
        # We check every postcode and UPRN before asking, so a 4xx is our fault (a revoked key):
        # the citizen can still type the address, so it is a 503, and logged for us to fix.
        log.error("os_places_refused", status=exc.status)
        raise ProviderUnavailable("the address finder is not available") from exc
    except UpstreamError as exc:
        raise ProviderUnavailable("the address finder is not available", exc.retry_after) from exc


async def _cached(ctx: AddressContext, key: str) -> list[Address] | None:
    try:
        raw = await ctx.cache.get(key)
    except (RedisError, OSError) as exc:
        log.warning("address_cache_unavailable", error=type(exc).__name__)
        return None
    if raw is None:
        return None
    try:
        return _ADDRESSES.validate_json(raw)
    except ValueError:  # an entry from an older shape: ask again
        return None


async def _keep(ctx: AddressContext, key: str, addresses: list[Address], ttl: int) -> None:
    if ttl <= 0:
        return
    try:
        await ctx.cache.set(key, _ADDRESSES.dump_json(addresses), ttl)
    except (RedisError, OSError) as exc:
        log.warning("address_cache_unavailable", error=type(exc).__name__)
