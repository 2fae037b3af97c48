"""The address service against the OS Places simulator in process, through the simulator's faults."""

from __future__ import annotations

import os
import types
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import purgatory.domain.model
import pytest
from fastapi import FastAPI

from dwp.address.app import build_app
from dwp.address.config import AddressSettings
from dwp.address.places import UPSTREAM
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.http import CircuitBreakers, ResilientClient, RetryPolicy, shared_client
from dwp.platform.settings import Settings
from dwp.simulators.os_places.app import LOCAL_API_KEY
from dwp.simulators.os_places.app import create_app as os_places_app
from dwp.simulators.os_places.data import AddressBase, generate

pytestmark = pytest.mark.integration
KEY = LOCAL_API_KEY


@pytest.fixture(scope="session")
def address_base() -> AddressBase:
    return generate()


@pytest.fixture
def simulator(address_base: AddressBase) -> FastAPI:
    return os_places_app(api_keys=(KEY,), base=address_base)


class Counting(httpx.AsyncBaseTransport):
    """The simulator in process, counting the requests that reach it."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def transport(simulator: FastAPI) -> Counting:
    return Counting(simulator)


@pytest.fixture
async def control(simulator: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator), base_url="http://os.test"
    ) as c:
        yield c
        await c.delete("/_simulator/control")


def token(settings: Settings, kind: str = "citizen") -> dict[str, str]:
    key = load_or_create_dev_key(settings)
    extra: dict[str, Any] = {"citizen_id": "c-1", "level_of_confidence": "P0"} if kind == "citizen" else {}
    minted = mint_token(key, issuer=settings.dwp_jwt_issuer, subject=f"{kind}-1", kind=kind, **extra)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {minted}"}


Serve = Callable[..., Any]


@pytest.fixture
def serve(make_settings: Any, transport: Counting) -> Serve:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run(*, client: ResilientClient | None = None, **overrides: Any) -> AsyncIterator[Any]:
        settings = make_settings(**overrides)
        config = AddressSettings(platform=settings, os_places_api_key=KEY, os_places_page_size=7)
        app = build_app(settings, address_settings=config, transport=transport, places_client=client)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://address.test") as http,
        ):
            http.headers.update(token(settings))
            yield http

    return run


def quick_client(transport: httpx.AsyncBaseTransport, **breaker: Any) -> ResilientClient:
    """A client whose attempts give up fast, so a held request costs a test a fraction of a second."""
    return ResilientClient(
        UPSTREAM,
        "http://os-places.test",
        http=shared_client(transport=transport),
        policy=RetryPolicy(
            attempts=3, total_seconds=2.0, attempt_seconds=0.3, backoff_initial=0.01, backoff_max=0.02
        ),
        breakers=CircuitBreakers(**breaker),
    )


def a_postcode(base: AddressBase, *, at_least: int) -> str:
    return next(pc for pc, found in base.by_postcode.items() if len(found) >= at_least)


async def test_lookup_by_postcode_reads_every_page(
    serve: Serve, address_base: AddressBase, transport: Counting
) -> None:
    postcode = a_postcode(address_base, at_least=15)  # more than two pages of 7
    expected = {str(a.uprn) for a in address_base.by_postcode[postcode]}
    async with serve() as http:
        response = await http.get("/v1/addresses", params={"postcode": postcode.lower().replace(" ", "")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["postcode"] == postcode
    assert body["claimable"] is True
    assert {a["uprn"] for a in body["addresses"]} == expected
    assert len(transport.requests) == -(-len(expected) // 7)
    first = body["addresses"][0]
    assert first["postal_code"] == postcode
    assert first["lines"][-1] == postcode
    assert first["lines"][-2] == first["address_locality"].upper()
    # The key travels in a header, never in the URL.
    assert all("key" not in r.url.params for r in transport.requests)
    assert all(r.headers["key"] == KEY for r in transport.requests)


async def test_lookup_by_uprn(serve: Serve, address_base: AddressBase) -> None:
    flat = next(a for a in address_base.addresses if a.sub_building_name)
    async with serve() as http:
        found = await http.get(f"/v1/addresses/{flat.uprn}")
        missing = await http.get("/v1/addresses/999999999999")
        bad = await http.get("/v1/addresses/12ab")
    assert found.status_code == 200, found.text
    assert found.json()["uprn"] == str(flat.uprn)
    assert found.json()["sub_building_name"] == flat.sub_building_name
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "path#/uprn"


async def test_a_postcode_nobody_lives_at_is_an_empty_list(serve: Serve) -> None:
    async with serve() as http:
        response = await http.get("/v1/addresses", params={"postcode": "SW1A 1AA"})
        territory = await http.get("/v1/addresses", params={"postcode": "FIQQ1ZZ"})
    assert response.status_code == 200
    assert response.json()["addresses"] == []
    assert territory.status_code == 200
    assert territory.json() | {"addresses": []} == territory.json()
    assert territory.json()["claimable"] is False


@pytest.mark.parametrize("postcode", ["nope", "SW1\u0410 1AA", "SW1A\u200b1AA", "A" * 33, "QA1 1AA", ""])
async def test_a_malformed_postcode_is_a_422_naming_the_field(serve: Serve, postcode: str) -> None:
    async with serve() as http:
        response = await http.get("/v1/addresses", params={"postcode": postcode})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "postcode" in response.json()["errors"][0]["pointer"]


async def test_every_route_needs_a_signed_in_caller(serve: Serve) -> None:
    async with serve() as http:
        del http.headers["Authorization"]
        answers = [
            await http.get("/v1/addresses", params={"postcode": "SW1A 1AA"}),
            await http.get("/v1/addresses/1"),
            await http.post("/v1/addresses/validate", json={"postal_code": "SW1A 1AA"}),
        ]
    assert [a.status_code for a in answers] == [401, 401, 401]


async def test_validate_a_typed_address(serve: Serve) -> None:
    async with serve() as http:
        ok = await http.post(
            "/v1/addresses/validate",
            json={"sub_building_name": "Flat 1", "building_number": "12", "street_name": "Lime Tree Avenue",
                  "address_locality": "Bristol", "postal_code": "bs84ab"},
        )  # fmt: skip
        bad = await http.post(
            "/v1/addresses/validate",
            json={"building_number": "12", "street_name": "Lime\u202eTree", "address_locality": "Bristol",
                  "postal_code": "BS8 4AB"},
        )  # fmt: skip
        missing = await http.post("/v1/addresses/validate", json={"postal_code": "BS8 4AB"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["address"]["lines"] == ["Flat 1", "12 Lime Tree Avenue", "BRISTOL", "BS8 4AB"]
    assert ok.json()["claimable"] is True
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/street_name"
    assert missing.status_code == 422


async def test_one_login_address_claim_reads_as_an_address() -> None:
    from dwp.contracts.addresses import Address

    claim = {"uprn": "72000000002", "subBuildingName": "FLAT 3", "buildingName": "VICTORIA HOUSE",
             "streetName": "CORPORATION STREET", "addressLocality": "BIRMINGHAM", "postalCode": "B4 6QB",
             "addressCountry": "GB", "validFrom": "2021-02-01"}  # fmt: skip
    address = Address.model_validate(claim)
    assert (address.sub_building_name, address.street_name, address.postal_code) == (
        "FLAT 3", "CORPORATION STREET", "B4 6QB",
    )  # fmt: skip
    assert str(address.valid_from) == "2021-02-01"


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "error", "status": 500},
        {"fault": "error", "status": 503},
        {"fault": "rate_limit", "retry_after": 7},
        {"fault": "malformed"},
        {"fault": "timeout", "hold_seconds": 30},
    ],
    ids=["500", "503", "429", "malformed", "timeout"],
)
async def test_a_failing_provider_is_a_503_with_retry_after(
    serve: Serve,
    control: httpx.AsyncClient,
    transport: Counting,
    address_base: AddressBase,
    fault: dict[str, Any],
) -> None:
    assert (await control.put("/_simulator/control", json=fault)).status_code == 200
    async with serve(client=quick_client(transport)) as http:
        response = await http.get("/v1/addresses", params={"postcode": a_postcode(address_base, at_least=1)})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    if fault["fault"] == "rate_limit":
        assert response.headers["Retry-After"] == "7"


async def test_a_transient_failure_is_retried(serve: Serve, control: httpx.AsyncClient, transport: Counting,
                                              address_base: AddressBase) -> None:  # fmt: skip
    await control.put("/_simulator/control", json={"fault": "error", "status": 503, "times": 1})
    postcode = a_postcode(address_base, at_least=1)
    pages = -(-len(address_base.by_postcode[postcode]) // 7)
    async with serve(client=quick_client(transport)) as http:
        response = await http.get("/v1/addresses", params={"postcode": postcode})
    assert response.status_code == 200
    assert len(transport.requests) == pages + 1  # the first page twice


class WallClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_the_breaker_opens_fails_fast_and_closes_after_recovery(
    serve: Serve, control: httpx.AsyncClient, transport: Counting, address_base: AddressBase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    wall = WallClock()
    monkeypatch.setattr(purgatory.domain.model, "time", types.SimpleNamespace(time=wall))
    client = quick_client(transport, threshold=3, ttl=30.0, clock=wall)
    postcodes = [pc for pc, found in address_base.by_postcode.items() if found][:6]
    await control.put("/_simulator/control", json={"fault": "error", "status": 500})
    async with serve(client=client) as http:
        for postcode in postcodes[:3]:
            assert (await http.get("/v1/addresses", params={"postcode": postcode})).status_code == 503
        assert await client.breakers.state(UPSTREAM) == "opened"
        reached = len(transport.requests)
        fast = await http.get("/v1/addresses", params={"postcode": postcodes[3]})
        assert fast.status_code == 503
        assert len(transport.requests) == reached  # failed fast: OS Places never asked
        assert int(fast.headers["Retry-After"]) == 30
        await control.delete("/_simulator/control")
        wall.now += 31
        recovered = await http.get("/v1/addresses", params={"postcode": postcodes[4]})
        assert recovered.status_code == 200
        assert await client.breakers.state(UPSTREAM) == "closed"


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_a_lookup_is_cached(serve: Serve, transport: Counting, address_base: AddressBase,
                                  control: httpx.AsyncClient, backend: str) -> None:  # fmt: skip
    redis_url = os.environ.get("REDIS_URL") if backend == "redis" else None
    if backend == "redis" and not redis_url:
        pytest.skip("REDIS_URL is not set")
    postcode = a_postcode(address_base, at_least=2)
    async with serve(redis_url=redis_url) as http:
        from redis.asyncio import Redis

        if redis_url:  # start cold, whatever an earlier run left
            async with Redis.from_url(redis_url) as r:
                await r.delete(f"dwp:address:postcode:{postcode}")
        first = await http.get("/v1/addresses", params={"postcode": postcode})
        asked = len(transport.requests)
        assert asked >= 1
        # With the provider down, the cached answer still serves.
        await control.put("/_simulator/control", json={"fault": "error", "status": 500})
        second = await http.get("/v1/addresses", params={"postcode": postcode.replace(" ", "").lower()})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(transport.requests) == asked


async def test_a_cache_that_is_down_is_passed_by(
    serve: Serve, transport: Counting, address_base: AddressBase
) -> None:
    postcode = a_postcode(address_base, at_least=1)
    async with serve(redis_url="redis://127.0.0.1:1/0") as http:
        response = await http.get("/v1/addresses", params={"postcode": postcode})
    assert response.status_code == 200
    assert response.json()["addresses"]


async def test_a_refused_key_is_a_503_not_a_500(
    make_settings: Any, transport: Counting, address_base: AddressBase
) -> None:
    settings = make_settings()
    config = AddressSettings(platform=settings, os_places_api_key="revoked-key")
    app = build_app(settings, address_settings=config, transport=transport)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://address.test") as http,
    ):
        response = await http.get(
            "/v1/addresses",
            params={"postcode": a_postcode(address_base, at_least=1)},
            headers=token(settings),
        )
    assert response.status_code == 503
    assert response.json()["type"].endswith("dependency-unavailable")
    assert len(transport.requests) == 1  # a 401 is not retried


@pytest.mark.parametrize("uprn", ["0", "1234567890123", "\u0661\u0662x", "9" * 200, "1%E2%80%8B2"])
async def test_hostile_uprns_are_422s(serve: Serve, uprn: str) -> None:
    async with serve() as http:
        response = await http.get(f"/v1/addresses/{uprn}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_other_scripts_digits_find_the_same_postcode(serve: Serve, address_base: AddressBase) -> None:
    postcode = a_postcode(address_base, at_least=1)
    outward, inward = postcode.split()
    folded = inward.replace(inward[0], chr(0xFF10 + int(inward[0])), 1)  # the fullwidth digit
    async with serve() as http:
        plain = await http.get("/v1/addresses", params={"postcode": postcode})
        other = await http.get("/v1/addresses", params={"postcode": f"{outward.lower()}{folded}"})
    assert other.status_code == 200
    assert other.json() == plain.json()


async def test_a_control_character_in_the_url_is_the_platforms_400(serve: Serve) -> None:
    # The platform's middleware refuses control characters in the path and query before any route.
    async with serve() as http:
        query = await http.get("/v1/addresses", params={"postcode": "SW1A\x001AA"})
        path = await http.get("/v1/addresses/1%002")
    for response in (query, path):
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"


# --- free-text search (OS Places `find`) ---------------------------------------------------------------


async def test_find_by_free_text_puts_the_address_first_and_pages(
    serve: Serve, address_base: AddressBase, transport: Counting
) -> None:
    house = next(a for a in address_base.addresses if a.building_number and not a.sub_building_name)
    text = (
        f"{house.building_number} {house.thoroughfare.lower()}  {house.district.post_town} {house.postcode}"
    )
    async with serve() as http:
        response = await http.get("/v1/addresses/find", params={"query": text, "limit": 3})
        street = await http.get("/v1/addresses/find", params={"query": house.thoroughfare, "limit": 2})
        following = await http.get(
            "/v1/addresses/find", params={"query": house.thoroughfare, "limit": 2, "offset": 2}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == " ".join(text.split())
    best = body["results"][0]
    assert best["address"]["uprn"] == str(house.uprn)
    assert best["match"] == 1.0
    assert best["address"]["lines"][-1] == house.postcode
    assert [r["match"] for r in body["results"]] == sorted(
        (r["match"] for r in body["results"]), reverse=True
    )
    assert all(r.headers["key"] == KEY and "key" not in r.url.params for r in transport.requests)
    first, second = street.json(), following.json()
    assert first["total"] > 2
    assert (first["offset"], first["limit"], first["next_offset"]) == (0, 2, 2)
    assert len(first["results"]) == 2
    assert second["offset"] == 2
    uprns = {r["address"]["uprn"] for r in first["results"]}
    assert not uprns & {r["address"]["uprn"] for r in second["results"]}


async def test_a_search_nothing_matches_is_an_empty_last_page(serve: Serve) -> None:
    async with serve() as http:
        response = await http.get("/v1/addresses/find", params={"query": "Zzyzxq Qwxv"})
    assert response.status_code == 200, response.text
    assert response.json() | {"query": None} == {
        "query": None, "offset": 0, "limit": 20, "total": 0, "next_offset": None, "results": []
    }  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        {"query": ""},
        {"query": "   "},
        {"query": "!!! ,,,"},
        {"query": "10 Downing\u200b Street"},
        {"query": "10 \u202eDowning Street"},
        {"query": "a" * 201},
        {"query": "a" * 401},
        {"query": "Downing", "limit": "0"},
        {"query": "Downing", "limit": "101"},
        {"query": "Downing", "offset": "-1"},
        {"query": "Downing", "offset": "901"},
        {"query": "Downing", "offset": "\u0661"},
        {},
    ],
)
async def test_a_bad_search_is_a_422_naming_the_field_before_os_places_is_asked(
    serve: Serve, transport: Counting, params: dict[str, str]
) -> None:
    async with serve() as http:
        response = await http.get("/v1/addresses/find", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    named = {e["pointer"].rsplit("/", 1)[-1] for e in response.json()["errors"]}
    assert named & {"query", "limit", "offset"}
    assert transport.requests == []


async def test_a_search_with_os_places_down_is_a_503_and_needs_a_caller(
    serve: Serve, control: httpx.AsyncClient, transport: Counting
) -> None:
    fault = {"fault": "error", "status": 500}
    assert (await control.put("/_simulator/control", json=fault)).status_code == 200
    async with serve(client=quick_client(transport)) as http:
        response = await http.get("/v1/addresses/find", params={"query": "High Street"})
        del http.headers["Authorization"]
        anonymous = await http.get("/v1/addresses/find", params={"query": "High Street"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert anonymous.status_code == 401


async def test_a_rotated_os_places_key_is_read_again_and_the_next_lookup_succeeds(
    make_settings: Any, address_base: AddressBase
) -> None:
    """The OS Places key rotates (a new key on the OS Data Hub project, put in Secrets Manager): the next
    lookup is refused 401, the service reads the secret again once and asks once more, with no restart."""
    from dwp.platform import aws, catalog
    from dwp.platform.aws import bootstrap

    settings = make_settings()
    assert settings.aws_endpoint_url, "the key is read from the embedded endpoint's secret"
    bootstrap(settings)
    manager = aws.client("secretsmanager", settings)
    before = manager.get_secret_value(SecretId=catalog.OS_PLACES_API_KEY_SECRET)["SecretString"]
    transport = Counting(os_places_app(api_keys=(before,), base=address_base))
    config = AddressSettings(platform=settings, os_places_page_size=7)  # no fixed key: the secret's
    app = build_app(settings, address_settings=config, transport=transport)
    postcode = a_postcode(address_base, at_least=1)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://address.test") as http,
        ):
            http.headers.update(token(settings))
            assert (await http.get("/v1/addresses", params={"postcode": postcode})).status_code == 200
            rotated = f"rotated-{uuid.uuid4().hex}"
            transport.inner = httpx.ASGITransport(app=os_places_app(api_keys=(rotated,), base=address_base))
            manager.put_secret_value(SecretId=catalog.OS_PLACES_API_KEY_SECRET, SecretString=rotated)
            key = app.state.address_context.places._key
            reads = key.secret.reads
            other = next(pc for pc in address_base.by_postcode if pc != postcode)  # not from the cache
            response = await http.get("/v1/addresses", params={"postcode": other})
            assert response.status_code == 200, response.text
            assert response.json()["addresses"]
            assert key.secret.reads == reads + 1
            assert transport.requests[-1].headers["key"] == rotated
    finally:
        manager.put_secret_value(SecretId=catalog.OS_PLACES_API_KEY_SECRET, SecretString=before)
