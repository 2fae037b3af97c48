"""The control endpoint every provider simulator mounts: each fault, its limits, and where it is refused."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from joserfc import jwk, jwt

from dwp.simulators.hmrc.app import create_app as create_hmrc
from dwp.simulators.nhs.app import NhsClient
from dwp.simulators.nhs.app import create_app as create_nhs
from dwp.simulators.os_places.app import create_app as create_os_places
from dwp.simulators.os_places.data import AddressBase

CLIENT = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
CONTROL = "/_simulator/control"
SCOPES = ("read:individuals-matching", "read:individuals-employments", "read:individuals-income")


def hmrc_app() -> Any:
    return create_hmrc(clients={"c": ("s", SCOPES)}, today=lambda: date(2025, 11, 30))


@pytest.fixture
async def hmrc() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hmrc_app()), base_url="http://hmrc.test"
    ) as h:
        yield h


async def token(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/oauth/token", data=CLIENT)


async def switch(http: httpx.AsyncClient, **fault: Any) -> dict[str, Any]:
    response = await http.put(CONTROL, json=fault)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_error_answers_the_providers_own_5xx_shape(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="error", status=503)
    response = await token(hmrc)
    assert response.status_code == 503
    assert response.json() == {"code": "SERVER_ERROR", "message": "Service unavailable"}
    assert (await hmrc.get(CONTROL)).json()["touched"] == 1


async def test_rate_limit_is_429_with_retry_after(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="rate_limit", retry_after=7)
    response = await token(hmrc)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["code"] == "MESSAGE_THROTTLED_OUT"


async def test_malformed_is_a_success_status_whose_body_is_not_json(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="malformed")
    response = await token(hmrc)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_slow_answers_normally_after_the_delay(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="slow", delay_seconds=0.01)
    response = await token(hmrc)
    assert response.status_code == 200
    assert "access_token" in response.json()
    assert (await hmrc.get(CONTROL)).json()["touched"] == 1


async def test_timeout_holds_the_request_until_the_fault_is_cleared(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="timeout")
    pending = asyncio.ensure_future(token(hmrc))
    for _ in range(1000):  # wait for the condition: the simulator is holding the request
        if (await hmrc.get(CONTROL)).json()["holding"] == 1:
            break
        await asyncio.sleep(0)
    assert (await hmrc.get(CONTROL)).json()["holding"] == 1
    assert not pending.done()
    assert (await hmrc.delete(CONTROL)).json()["fault"] is None
    response = await pending
    assert response.status_code == 200
    assert (await hmrc.get(CONTROL)).json()["holding"] == 0


async def test_a_held_request_is_let_go_after_hold_seconds(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="timeout", hold_seconds=0.01)
    response = await token(hmrc)  # the simulator lets go of it by itself; nothing is left hanging
    assert response.status_code == 200
    assert (await hmrc.get(CONTROL)).json()["holding"] == 0


async def test_times_limits_the_fault_then_the_provider_recovers(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="error", status=500, times=2)
    statuses = [(await token(hmrc)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await hmrc.get(CONTROL)).json()["fault"] is None


async def test_path_prefix_confines_the_fault(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="error", path_prefix="/individuals/")
    assert (await token(hmrc)).status_code == 200
    assert (await hmrc.post("/individuals/matching/", json={})).status_code == 503


async def test_health_and_control_are_never_faulted(hmrc: httpx.AsyncClient) -> None:
    await switch(hmrc, fault="error")
    assert (await hmrc.get("/health/ready")).status_code == 200
    assert (await hmrc.get(CONTROL)).status_code == 200


async def test_revoking_tokens_makes_them_invalid_credentials(hmrc: httpx.AsyncClient) -> None:
    access_token = (await token(hmrc)).json()["access_token"]
    headers = {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/vnd.hmrc.2.0+json",
        "CorrelationId": str(uuid.uuid4()),
    }
    person = {"firstName": "Amanda", "lastName": "Joseph", "nino": "NA000799C", "dateOfBirth": "1960-01-15"}
    assert (await hmrc.post("/individuals/matching/", json=person, headers=headers)).status_code == 200
    assert (await hmrc.post(f"{CONTROL}/revoke-tokens")).json() == {"revoked": 1}
    response = await hmrc.post("/individuals/matching/", json=person, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize(
    "body",
    [{"fault": "explode"}, {"fault": "error", "status": 404}, {"fault": "slow", "delay_seconds": -1}, {}],
)
async def test_an_unknown_fault_is_a_problem_document(hmrc: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await hmrc.put(CONTROL, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400
    not_json = await hmrc.put(CONTROL, content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400


@pytest.mark.parametrize("environment", ["dev", "staging", "production"])
async def test_control_is_refused_outside_local_and_test(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("DWP_ENV", environment)
    app = hmrc_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hmrc.test") as http:
        refused = await http.put(CONTROL, json={"fault": "error"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await http.post(f"{CONTROL}/revoke-tokens")).status_code == 403
        assert (await http.delete(CONTROL)).status_code == 403
        assert (await token(http)).status_code == 200  # and no fault reaches the API
    nhs = create_nhs(base_url="http://nhs.test", clients={})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=nhs), base_url="http://nhs.test") as http:
        assert (
            await http.post("/_simulator/clients", json={"api_key": "x", "jwks_url": "http://x"})
        ).status_code == 403
        assert (await http.put(CONTROL, json={"fault": "error"})).status_code == 403


PROVIDERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    # name: (base URL, an API path, what its 503 body says)
    "os-places": (
        "http://os.test",
        "/search/places/v1/postcode?postcode=CF24&key=k",
        {"error": {"statuscode": 503, "message": "Service unavailable"}},
    ),
    "hmrc": ("http://hmrc.test", "/oauth/token", {"code": "SERVER_ERROR", "message": "Service unavailable"}),
    "nhs": ("http://nhs.test", "/personal-demographics/FHIR/R4/Patient/9000000009", {}),
}


def provider_app(name: str, address_base: AddressBase) -> Any:
    if name == "os-places":
        return create_os_places(api_keys=("k",), base=address_base)
    if name == "hmrc":
        return hmrc_app()
    return create_nhs(base_url="http://nhs.test", clients={})


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@pytest.mark.parametrize("fault", ["error", "rate_limit", "malformed", "slow", "timeout"])
async def test_every_fault_on_every_provider(address_base: AddressBase, name: str, fault: str) -> None:
    base, path, unavailable = PROVIDERS[name]
    app = provider_app(name, address_base)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as http:

        async def call() -> httpx.Response:
            return await (http.post(path, data=CLIENT) if name == "hmrc" else http.get(path))

        normal = (await call()).status_code
        await switch(http, fault=fault, delay_seconds=0.01, times=1)
        if fault == "timeout":
            pending = asyncio.ensure_future(call())
            for _ in range(1000):
                if (await http.get(CONTROL)).json()["holding"] == 1:
                    break
                await asyncio.sleep(0)
            assert not pending.done()
            await http.delete(CONTROL)
            assert (await pending).status_code == normal
            return
        response = await call()
        if fault == "error":
            assert response.status_code == 503
            if name == "nhs":
                assert response.json()["resourceType"] == "OperationOutcome"
                assert response.headers["content-type"] == "application/fhir+json"
            else:
                assert response.json() == unavailable
        elif fault == "rate_limit":
            assert (response.status_code, response.headers["retry-after"]) == (429, "30")
        elif fault == "malformed":
            with pytest.raises(json.JSONDecodeError):
                response.json()
        else:
            assert response.status_code == normal
        assert (await call()).status_code == normal  # times=1: the provider has recovered


async def test_nhs_tokens_are_revoked_too() -> None:
    key = jwk.RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    clients = {"app": NhsClient("app", jwks={"keys": [key.as_dict(private=False)]})}
    nhs = create_nhs(base_url="http://nhs.test", clients=clients)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=nhs), base_url="http://nhs.test") as http:
        claims: dict[str, Any] = {
            "iss": "app",
            "sub": "app",
            "aud": "http://nhs.test/oauth2/token",
            "jti": str(uuid.uuid4()),
        }
        claims["exp"] = int(time.time()) + 60
        assertion = jwt.encode({"alg": "RS512", "kid": "k1"}, claims, key, algorithms=["RS512"])
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        }
        access_token = (await http.post("/oauth2/token", data=form)).json()["access_token"]
        headers = {"Authorization": f"Bearer {access_token}", "X-Request-ID": str(uuid.uuid4())}
        patient = "/personal-demographics/FHIR/R4/Patient/9000000009"
        assert (await http.get(patient, headers=headers)).status_code == 200
        assert (await http.post(f"{CONTROL}/revoke-tokens")).json() == {"revoked": 1}
        refused = await http.get(patient, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["issue"][0]["details"]["coding"][0]["code"] == "ACCESS_DENIED"


async def test_an_application_is_registered_with_its_public_keys() -> None:
    key = jwk.RSAKey.generate_key(2048, parameters={"kid": "k2"}, private=True)
    nhs = create_nhs(base_url="http://nhs.test", clients={})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=nhs), base_url="http://nhs.test") as http:
        for bad in ({"api_key": "x", "jwks": "not keys"}, {"api_key": ""}, {"api_key": "x"}, [1]):
            refused = await http.post("/_simulator/clients", json=bad)
            assert refused.status_code == 400
            assert refused.headers["content-type"] == "application/problem+json"
        public = {"keys": [key.as_dict(private=False)]}
        assert (
            await http.post("/_simulator/clients", json={"api_key": "app2", "jwks": public})
        ).status_code == 201
        claims: dict[str, Any] = {"iss": "app2", "sub": "app2", "aud": "http://nhs.test/oauth2/token"}
        claims |= {"jti": str(uuid.uuid4()), "exp": int(time.time()) + 60}
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": jwt.encode({"alg": "RS512", "kid": "k2"}, claims, key, algorithms=["RS512"]),
        }
        assert (await http.post("/oauth2/token", data=form)).status_code == 200


async def test_os_places_has_no_tokens_to_revoke(address_base: AddressBase) -> None:
    places = create_os_places(api_keys=("k",), base=address_base)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=places), base_url="http://os.test"
    ) as http:
        response = await http.post(f"{CONTROL}/revoke-tokens")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
