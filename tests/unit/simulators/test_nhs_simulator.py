"""The NHS simulator against the NHS API platform's and PDS FHIR API's published documentation.

Quoted from:
- JWT: digital.nhs.uk/developer/guides-and-documentation/security-and-authorisation/
  application-restricted-restful-apis-signed-jwt-authentication
- PDS: github.com/NHSDigital/personal-demographics-service-api, specification/components/paths/
  patient-get.yaml (its error table and sandbox scenarios) and examples/Patient.json
- NHS number: the NHS Data Dictionary's NHS NUMBER (modulus 11 check digit)
- fit notes: our own shape, docs/decisions/0006-fit-note-shape.md
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from joserfc import jwk, jwt

from dwp.simulators.nhs.app import NhsClient, create_app
from dwp.simulators.nhs.patients import nhs_number_is_valid

BASE = "http://nhs.test"
TOKEN_URL = f"{BASE}/oauth2/token"
API_KEY = "test-api-key"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PATIENT = "/personal-demographics/FHIR/R4/Patient"
FIT_NOTES = "/fit-notes/FHIR/R4/Observation"
SPINE = "https://fhir.hl7.org.uk/CodeSystem/Spine-ErrorOrWarningCode"


@pytest.fixture(scope="module")
def key() -> jwk.RSAKey:
    return jwk.RSAKey.generate_key(2048, parameters={"kid": "test-1"}, private=True)


class Application:
    def __init__(self, http: httpx.AsyncClient, key: jwk.RSAKey) -> None:
        self.http, self.key, self.token = http, key, ""

    def assertion(self, *, header: dict[str, Any] | None = None, **claims: Any) -> str:
        # JWT: header alg RS512, typ JWT, kid; claims iss and sub the API key, aud the token URL, a
        # unique jti, exp "no more than 5 minutes after the time of creation".
        base: dict[str, Any] = {"iss": API_KEY, "sub": API_KEY, "aud": TOKEN_URL, "jti": str(uuid.uuid4())}
        base["exp"] = int(time.time()) + 300
        payload = {k: v for k, v in (base | claims).items() if v is not None}
        head = {"alg": "RS512", "typ": "JWT", "kid": "test-1"} | (header or {})
        algorithm = head["alg"]
        return jwt.encode(
            {k: v for k, v in head.items() if v is not None}, payload, self.key, algorithms=[algorithm]
        )

    async def request_token(self, assertion: str | None = None, **form: str) -> httpx.Response:
        body = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion or self.assertion(),
        } | form
        return await self.http.post("/oauth2/token", data=body)

    async def sign_in(self) -> None:
        response = await self.request_token()
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Request-ID": str(uuid.uuid4())}


@pytest.fixture
async def nhs(key: jwk.RSAKey) -> AsyncIterator[Application]:
    clients = {API_KEY: NhsClient(API_KEY, jwks={"keys": [key.as_dict(private=False)]})}
    app = create_app(base_url=BASE, clients=clients)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        application = Application(http, key)
        await application.sign_in()
        yield application


def spine_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    coding = body["issue"][0]["details"]["coding"][0]
    assert coding["system"] == SPINE
    return str(coding["code"])


def test_modulus_11_check_digit() -> None:
    # PDS sandbox: 9000000009 exists; "9000000000 (or any invalid NHS number)" is invalid.
    assert nhs_number_is_valid("9000000009")
    assert nhs_number_is_valid("9111231130")
    assert not nhs_number_is_valid("9000000000")
    assert not nhs_number_is_valid("900000000")  # nine digits
    assert not nhs_number_is_valid("90000000o9")
    assert not nhs_number_is_valid(
        "\uff19\uff10\uff10\uff10\uff10\uff10\uff10\uff1009"
    )  # other scripts' digits are not digits here
    # A check digit of 10 means the number can never be issued: 1000000010's first nine weigh 10.
    assert not any(nhs_number_is_valid(f"100000001{d}") for d in "0123456789")


async def test_token_response_is_the_documented_shape(nhs: Application) -> None:
    response = await nhs.request_token()
    body = response.json()
    # JWT, "Get an access token" example response.
    assert set(body) == {"access_token", "expires_in", "token_type", "issued_at"}
    assert (body["expires_in"], body["token_type"]) == ("599", "Bearer")
    assert body["issued_at"].isdigit()


@pytest.mark.parametrize(
    ("claims", "header", "status", "error"),
    [
        ({"exp": int(time.time()) + 3600}, None, 400, "invalid_request"),  # more than 5 minutes ahead
        ({"exp": int(time.time()) - 10}, None, 400, "invalid_request"),
        ({"jti": None}, None, 400, "invalid_request"),
        ({"sub": "someone-else"}, None, 400, "invalid_request"),
        ({"iss": "unknown", "sub": "unknown"}, None, 401, "invalid_client"),
        ({"aud": "https://elsewhere.example/oauth2/token"}, None, 401, "invalid_client"),
        ({}, {"kid": None}, 400, "invalid_request"),
        ({}, {"kid": "unknown-key"}, 401, "invalid_client"),
        ({}, {"alg": "RS256"}, 400, "invalid_request"),
    ],
)
async def test_bad_client_assertions_are_refused(
    nhs: Application, claims: dict[str, Any], header: dict[str, Any] | None, status: int, error: str
) -> None:
    response = await nhs.request_token(nhs.assertion(header=header, **claims))
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_a_jti_is_used_once(nhs: Application) -> None:
    assertion = nhs.assertion()
    assert (await nhs.request_token(assertion)).status_code == 200
    replay = await nhs.request_token(assertion)
    assert replay.status_code == 400
    assert "jti" in replay.json()["error_description"]


async def test_a_signature_by_another_key_is_refused(nhs: Application) -> None:
    impostor = jwk.RSAKey.generate_key(2048, parameters={"kid": "test-1"}, private=True)
    forged = Application(nhs.http, impostor).assertion()
    assert (await nhs.request_token(forged)).json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "authorization_code"},
        {"client_assertion_type": "password"},
        {"client_assertion": "not.a.jwt"},
    ],
)
async def test_bad_token_forms_are_refused(nhs: Application, form: dict[str, str]) -> None:
    response = await nhs.request_token(**form)
    assert response.status_code == 400


@pytest.mark.parametrize("payload", ["[1]", '"claims"', "null", "{"])
async def test_a_jwt_whose_claims_are_not_an_object_is_malformed(nhs: Application, payload: str) -> None:
    def part(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    assertion = f"{part(json.dumps({'alg': 'RS512', 'kid': 'test-1'}))}.{part(payload)}.AAAA"
    response = await nhs.request_token(assertion)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


async def test_get_patient_matches_the_documented_resource(nhs: Application) -> None:
    headers = nhs.headers() | {"X-Correlation-ID": "corr-1"}
    response = await nhs.http.get(f"{PATIENT}/9000000009", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    # PDS, 200: ETag, X-Correlation-Id and X-Request-Id headers.
    assert response.headers["etag"] == 'W/"2"'
    assert response.headers["x-request-id"] == headers["X-Request-ID"]
    assert response.headers["x-correlation-id"] == "corr-1"
    patient = response.json()
    assert (patient["resourceType"], patient["id"]) == ("Patient", "9000000009")
    assert patient["identifier"][0] | {"extension": None} == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9000000009",
        "extension": None,
    }
    assert patient["name"][0]["family"] == "Smith"
    assert patient["name"][0]["given"] == ["Jane"]
    assert {"gender", "birthDate", "address", "telecom", "generalPractitioner", "meta"} <= set(patient)
    assert patient["meta"]["security"][0]["code"] == "U"


@pytest.mark.parametrize(
    ("nhs_number", "status", "code"),
    [
        ("9000000000", 400, "INVALID_RESOURCE_ID"),  # PDS: "Invalid NHS number"
        ("90000000", 400, "INVALID_RESOURCE_ID"),
        ("9111231130", 404, "RESOURCE_NOT_FOUND"),  # PDS sandbox: "Patient does not exist"
        ("9449304130", 404, "INVALIDATED_RESOURCE"),
    ],
)
async def test_patient_errors_use_the_documented_codes(
    nhs: Application, nhs_number: str, status: int, code: str
) -> None:
    response = await nhs.http.get(f"{PATIENT}/{nhs_number}", headers=nhs.headers())
    assert response.status_code == status
    assert spine_code(response) == code


async def test_restricted_patient_has_no_location_fields(nhs: Application) -> None:
    # PDS: "location-sensitive fields such as address, telecom and generalPractitioner are removed".
    patient = (await nhs.http.get(f"{PATIENT}/9000000025", headers=nhs.headers())).json()
    assert patient["meta"]["security"][0]["code"] == "R"
    assert not {"address", "telecom", "generalPractitioner"} & set(patient)


async def test_superseded_patient_answers_with_the_new_record(nhs: Application) -> None:
    # PDS: "You can spot a superseded patient when the id is not the same as the one requested."
    patient = (await nhs.http.get(f"{PATIENT}/9449305552", headers=nhs.headers())).json()
    assert patient["id"] == "9449306621"


async def test_missing_or_bad_request_id_and_token(nhs: Application) -> None:
    headers = nhs.headers()
    response = await nhs.http.get(
        f"{PATIENT}/9000000009", headers={"Authorization": headers["Authorization"]}
    )
    assert (response.status_code, spine_code(response)) == (400, "MISSING_VALUE")
    response = await nhs.http.get(f"{PATIENT}/9000000009", headers=headers | {"X-Request-ID": "abc"})
    assert (response.status_code, spine_code(response)) == (400, "INVALID_VALUE")
    response = await nhs.http.get(f"{PATIENT}/9000000009", headers=headers | {"Authorization": "Bearer nope"})
    # PDS: "401 ACCESS_DENIED: Access token missing, invalid or expired".
    assert (response.status_code, spine_code(response)) == (401, "ACCESS_DENIED")


async def search(nhs: Application, nhs_number: str, *dates: str) -> httpx.Response:
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("subject:identifier", f"https://fhir.nhs.uk/Id/nhs-number|{nhs_number}")
    ]
    params += [("date", d) for d in dates]
    return await nhs.http.get(FIT_NOTES, params=params, headers=nhs.headers())


async def test_fit_notes_are_a_searchset_of_observations_in_our_shape(nhs: Application) -> None:
    bundle = (await search(nhs, "9000000009")).json()
    assert (bundle["resourceType"], bundle["type"], bundle["total"]) == ("Bundle", "searchset", 2)
    first, second = (entry["resource"] for entry in bundle["entry"])
    assert first["resourceType"] == "Observation"
    assert first["subject"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9000000009",
    }
    assert first["effectivePeriod"] == {"start": "2025-09-01", "end": "2025-09-28"}
    assert first["valueCodeableConcept"]["coding"][0]["code"] == "not-fit"
    assert second["valueCodeableConcept"]["coding"][0]["code"] == "may-be-fit"
    components = {c["code"]["coding"][0]["code"]: c for c in second["component"]}
    category = components["condition-category"]["valueCodeableConcept"]["coding"][0]
    assert (category["system"], category["code"]) == ("http://hl7.org/fhir/sid/icd-10", "J00-J99")
    advised = [
        c["valueCodeableConcept"]["coding"][0]["code"]
        for c in second["component"]
        if c["code"]["coding"][0]["code"] == "adjustment"
    ]
    assert advised == ["phased-return", "altered-hours"]
    assert components["follow-up-needed"]["valueBoolean"] is False
    read = await nhs.http.get(f"{FIT_NOTES}/{first['id']}", headers=nhs.headers())
    assert read.json() == first


async def test_fit_note_date_search_keeps_notes_that_overlap(nhs: Application) -> None:
    bundle = (await search(nhs, "9449310378", "ge2025-07-01", "le2025-08-31")).json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == ["fn-9449310378-2", "fn-9449310378-3"]
    assert (await search(nhs, "9449304424")).json()["total"] == 0


@pytest.mark.parametrize("dates", [("2025-07-01",), ("gt2025-07-01",), ("ge2025-02-30",)])
async def test_bad_fit_note_searches_are_400(nhs: Application, dates: tuple[str, ...]) -> None:
    response = await search(nhs, "9449310378", *dates)
    assert (response.status_code, spine_code(response)) == (400, "INVALID_SEARCH_DATA")


async def test_fit_notes_for_an_invalid_or_unknown_nhs_number(nhs: Application) -> None:
    assert spine_code(await search(nhs, "9000000000")) == "INVALID_RESOURCE_ID"
    assert spine_code(await search(nhs, "9111231130")) == "RESOURCE_NOT_FOUND"
    wrong_system = await nhs.http.get(
        FIT_NOTES, params={"subject:identifier": "9000000009"}, headers=nhs.headers()
    )
    assert wrong_system.status_code == 400
