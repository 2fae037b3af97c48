"""NHS simulator: the API platform's signed-JWT token endpoint, PDS FHIR R4 `Patient`, and fit notes.

- `POST /oauth2/token`: "Application-restricted RESTful APIs - signed JWT authentication"
  (digital.nhs.uk developer guides): OAuth 2.0 client credentials with a `client_assertion` JWT
  signed RS512 with the application's private key, `kid` naming its public key, `iss` and `sub` the
  application's API key, `aud` the token URL, a unique `jti` and an `exp` no more than five minutes
  ahead. The answer: `access_token`, `expires_in` "599", `token_type` "Bearer", `issued_at`.
- `GET /personal-demographics/FHIR/R4/Patient/{id}`: the PDS FHIR API's "Get patient details",
  with its sandbox's behaviours (invalid NHS number 400 INVALID_RESOURCE_ID, unknown 404
  RESOURCE_NOT_FOUND, invalidated 404 INVALIDATED_RESOURCE, superseded answers with the new record,
  restricted patients without address, telecom and GP) and its required `X-Request-ID`.
- `GET /fit-notes/FHIR/R4/Observation`: fit notes. No public NHS API serves them; the shape is ours,
  a FHIR R4 Observation per note (docs/decisions/0006-fit-note-shape.md).
Errors are FHIR `OperationOutcome`s with Spine error codes; token errors are OAuth's `error` documents.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from joserfc import jwk, jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from pydantic import BaseModel, Field, ValidationError

from dwp.platform import catalog
from dwp.platform.http import shared_client
from dwp.simulators.control import control_allowed, control_problem, json_error_body, mount_control, refusal
from dwp.simulators.nhs.fit_notes import fit_note_bundle, fit_note_resource
from dwp.simulators.nhs.patients import PATIENTS, Patient, nhs_number_is_valid
from dwp.simulators.oidc import ExpiringStore, FormError, random_token, read_form

FHIR_JSON = "application/fhir+json"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 599
MAX_ASSERTION_SECONDS = 300
SPINE_CODES = "https://fhir.hl7.org.uk/CodeSystem/Spine-ErrorOrWarningCode"
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PDS_PATH = "/personal-demographics/FHIR/R4"
FIT_NOTES_PATH = "/fit-notes/FHIR/R4"


@dataclass
class NhsClient:
    """An application registered with the API platform: its API key and its public keys."""

    api_key: str
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None

    async def keys(self, http: httpx.AsyncClient) -> jwk.KeySet:
        if self.jwks is not None:
            return jwk.KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]
        if self.jwks_url is None:
            raise JoseError("the application has no public key registered")
        response = await http.get(self.jwks_url, timeout=5.0)
        response.raise_for_status()
        return jwk.KeySet.import_key_set(response.json())


class Registration(BaseModel):
    api_key: str = Field(min_length=1, max_length=200)
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = Field(None, pattern=r"^https?://")


class OutcomeError(Exception):
    def __init__(
        self, status: int, code: str, display: str, diagnostics: str | None, issue: str = "value"
    ) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.display, self.diagnostics, self.issue = (
            status,
            code,
            display,
            diagnostics,
            issue,
        )


def operation_outcome(
    status: int, code: str, display: str, diagnostics: str | None, issue: str = "value"
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "severity": "error",
        "code": issue,
        "details": {"coding": [{"system": SPINE_CODES, "version": "1", "code": code, "display": display}]},
    }
    if diagnostics:
        entry["diagnostics"] = diagnostics
    return {"resourceType": "OperationOutcome", "issue": [entry]}


def _fault(status: int) -> dict[str, Any]:
    if status == 429:
        return operation_outcome(
            429,
            "TOO_MANY_REQUESTS",
            "Too many requests",
            "You have exceeded your application's rate limit.",
            "throttled",
        )
    return operation_outcome(status, "SERVICE_UNAVAILABLE", "Service unavailable", None, "exception")


def _token_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def clients_from_env() -> dict[str, NhsClient]:
    """The local application: `DWP_NHS_API_KEY`, with `DWP_NHS_CLIENT_JWKS` (JSON) or `..._JWKS_URL`."""
    api_key = os.environ.get("DWP_NHS_API_KEY")
    if not api_key:
        return {}
    inline = os.environ.get("DWP_NHS_CLIENT_JWKS")
    return {
        api_key: NhsClient(
            api_key,
            jwks=json.loads(inline) if inline else None,
            jwks_url=os.environ.get("DWP_NHS_CLIENT_JWKS_URL"),
        )
    }


def create_app(
    *,
    base_url: str | None = None,
    clients: dict[str, NhsClient] | None = None,
    patients: tuple[Patient, ...] = PATIENTS,
    http: httpx.AsyncClient | None = None,
    today: Callable[[], date] = date.today,
) -> FastAPI:
    base = (base_url or os.environ.get("DWP_NHS_URL") or catalog.process("nhs").local_url).rstrip("/")
    token_url = f"{base}/oauth2/token"
    registered = clients if clients is not None else clients_from_env()
    by_number = {p.nhs_number: p for p in patients}
    tokens: ExpiringStore[str] = ExpiringStore(ttl_seconds=TOKEN_LIFETIME)
    used_jtis: ExpiringStore[bool] = ExpiringStore(ttl_seconds=2 * MAX_ASSERTION_SECONDS)
    app = FastAPI(title="NHS simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.http = http or shared_client(timeout=5.0)

    def revoke() -> int:
        return tokens.remove_where(lambda _: True)

    mount_control(app, error_body=json_error_body(_fault, FHIR_JSON), revoke_tokens=revoke)

    @app.post("/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except FormError as exc:
            return _token_error(400, "invalid_request", str(exc))
        if form.get("grant_type") != "client_credentials":
            return _token_error(
                400, "unsupported_grant_type", "grant_type is missing or is not client_credentials"
            )
        if form.get("client_assertion_type") != JWT_BEARER:
            return _token_error(
                400, "invalid_request", f"Missing or invalid client_assertion_type - must be '{JWT_BEARER}'"
            )
        assertion = form.get("client_assertion")
        if not assertion:
            return _token_error(400, "invalid_request", "Missing client_assertion")
        try:
            compact = extract_compact(assertion.encode())
            header, claims = compact.headers(), json.loads(compact.payload)
        except (JoseError, ValueError):
            return _token_error(400, "invalid_request", "Malformed JWT in client_assertion")
        if not isinstance(header, dict) or not isinstance(claims, dict):  # a JWT's parts are JSON objects
            return _token_error(400, "invalid_request", "Malformed JWT in client_assertion")
        if not header.get("kid"):
            return _token_error(400, "invalid_request", "Missing 'kid' header in client_assertion JWT")
        if header.get("alg") != "RS512":
            return _token_error(
                400,
                "invalid_request",
                "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'",
            )
        if not claims.get("iss") or claims.get("iss") != claims.get("sub"):
            return _token_error(
                400, "invalid_request", "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT"
            )
        client = registered.get(str(claims["iss"]))
        if client is None:
            return _token_error(401, "invalid_client", "Invalid 'iss'/'sub' claims in client_assertion JWT")
        try:
            keys = await client.keys(app.state.http)
            verified = jwt.decode(assertion, keys, algorithms=["RS512"]).claims
        except (JoseError, httpx.HTTPError, ValueError, TypeError, KeyError):
            return _token_error(
                401,
                "invalid_client",
                "Invalid 'kid' header in client_assertion JWT - no matching public key",
            )
        if verified.get("aud") != token_url:
            return _token_error(401, "invalid_client", "Invalid 'aud' claim in client_assertion JWT")
        jti = verified.get("jti")
        if not isinstance(jti, str) or not jti:
            return _token_error(400, "invalid_request", "Missing 'jti' claim in client_assertion JWT")
        exp = verified.get("exp")
        now = int(time.time())
        if not isinstance(exp, int):
            return _token_error(400, "invalid_request", "Missing 'exp' claim in client_assertion JWT")
        if exp <= now:
            return _token_error(
                400, "invalid_request", "Invalid 'exp' claim in client_assertion JWT - JWT has expired"
            )
        if exp > now + MAX_ASSERTION_SECONDS:
            return _token_error(
                400,
                "invalid_request",
                "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
            )
        if used_jtis.get(jti):
            return _token_error(400, "invalid_request", "Non-unique 'jti' claim in client_assertion JWT")
        used_jtis.put(jti, True)
        access_token = random_token(21)
        tokens.put(access_token, client.api_key)
        return JSONResponse(
            {
                "access_token": access_token,
                "expires_in": str(TOKEN_LIFETIME),
                "token_type": "Bearer",
                "issued_at": str(now * 1000),
            },
            headers={"Cache-Control": "no-store"},
        )

    def gate(request: Request) -> dict[str, str]:
        """Bearer token first, then the X-Request-ID PDS requires; the headers to echo back."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or tokens.get(value) is None:
            raise OutcomeError(401, "ACCESS_DENIED", "Access denied", "Invalid access token", "forbidden")
        request_id = request.headers.get("x-request-id")
        if not request_id:
            raise OutcomeError(
                400,
                "MISSING_VALUE",
                "Required value is missing",
                "Invalid request with error - X-Request-ID header must be supplied to access this resource",
                "required",
            )
        if not UUID_PATTERN.match(request_id):
            raise OutcomeError(
                400,
                "INVALID_VALUE",
                "Provided value is invalid",
                f"Invalid value - '{request_id}' in header 'X-Request-ID'",
            )
        echo = {"X-Request-ID": request_id}
        if correlation := request.headers.get("x-correlation-id"):
            echo["X-Correlation-ID"] = correlation
        return echo

    def fhir(body: dict[str, Any], headers: dict[str, str], status: int = 200) -> JSONResponse:
        return JSONResponse(body, status_code=status, headers=headers, media_type=FHIR_JSON)

    def outcome(exc: OutcomeError, headers: dict[str, str] | None = None) -> JSONResponse:
        body = operation_outcome(exc.status, exc.code, exc.display, exc.diagnostics, exc.issue)
        return fhir(body, headers or {}, exc.status)

    def find_patient(nhs_number: str) -> Patient:
        if not nhs_number_is_valid(nhs_number):
            raise OutcomeError(400, "INVALID_RESOURCE_ID", "Resource Id is invalid", None)
        patient = by_number.get(nhs_number)
        if patient is None:
            raise OutcomeError(404, "RESOURCE_NOT_FOUND", "Resource not found", None, "not-found")
        if patient.invalidated:
            raise OutcomeError(
                404,
                "INVALIDATED_RESOURCE",
                "Resource that has been marked as invalid was requested",
                None,
                "not-found",
            )
        while patient.superseded_by:
            patient = by_number[patient.superseded_by]
        return patient

    @app.get(f"{PDS_PATH}/Patient/{{nhs_number}}")
    async def get_patient(nhs_number: str, request: Request) -> JSONResponse:
        headers: dict[str, str] = {}
        try:
            headers = gate(request)
            patient = find_patient(nhs_number)
        except OutcomeError as exc:
            return outcome(exc, headers)
        return fhir(patient_resource(patient), headers | {"ETag": f'W/"{patient.version}"'})

    @app.get(f"{FIT_NOTES_PATH}/Observation")
    async def search_fit_notes(request: Request) -> JSONResponse:
        headers: dict[str, str] = {}
        try:
            headers = gate(request)
            system, _, number = request.query_params.get("subject:identifier", "").partition("|")
            if system != "https://fhir.nhs.uk/Id/nhs-number" or not number:
                raise OutcomeError(
                    400,
                    "INVALID_SEARCH_DATA",
                    "Search data is invalid",
                    "subject:identifier must be https://fhir.nhs.uk/Id/nhs-number|<NHS number>",
                )
            patient = find_patient(number)
            since, until = _date_range(request.query_params.getlist("date"))
        except OutcomeError as exc:
            return outcome(exc, headers)
        notes = [
            n
            for n in patient.fit_notes
            if (since is None or n.end >= since) and (until is None or n.start <= until)
        ]
        return fhir(fit_note_bundle(patient, notes, f"{base}{FIT_NOTES_PATH}", today()), headers)

    @app.get(f"{FIT_NOTES_PATH}/Observation/{{note_id}}")
    async def read_fit_note(note_id: str, request: Request) -> JSONResponse:
        headers: dict[str, str] = {}
        try:
            headers = gate(request)
            found = next(
                (
                    (p, n)
                    for p in by_number.values()
                    for n in p.fit_notes
                    if n.id == note_id and not p.invalidated
                ),
                None,
            )
            if found is None:
                raise OutcomeError(404, "RESOURCE_NOT_FOUND", "Resource not found", None, "not-found")
        except OutcomeError as exc:
            return outcome(exc, headers)
        return fhir(fit_note_resource(found[0], found[1], today()), headers)

    @app.post("/_simulator/clients", include_in_schema=False)
    async def register_client(request: Request) -> JSONResponse:
        """Register an application (API key and JWKS or JWKS URL), as the developer portal would."""
        if not control_allowed():
            return refusal()
        try:
            registration = Registration.model_validate_json(await request.body())
            if registration.jwks is not None:
                jwk.KeySet.import_key_set(registration.jwks)  # type: ignore[arg-type]
        except (ValidationError, JoseError, ValueError, TypeError, KeyError) as exc:
            return control_problem(400, "Not an application the platform can register", str(exc)[:500])
        if not (registration.jwks or registration.jwks_url):
            return control_problem(
                400, "Not an application the platform can register", "jwks or jwks_url needed"
            )
        client = NhsClient(registration.api_key, jwks=registration.jwks, jwks_url=registration.jwks_url)
        registered[registration.api_key] = client
        return JSONResponse({"api_key": registration.api_key}, status_code=201)

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _date_range(values: list[str]) -> tuple[date | None, date | None]:
    """FHIR `date` search with `ge` and `le` prefixes (a note matches when its period overlaps)."""
    since = until = None
    for value in values:
        prefix, raw = value[:2], value[2:]
        try:
            day = (
                date.fromisoformat(raw)
                if prefix in ("ge", "le") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw)
                else None
            )
        except ValueError:
            day = None
        if day is None:
            raise OutcomeError(
                400,
                "INVALID_SEARCH_DATA",
                "Search data is invalid",
                f"Invalid date search '{value}': use geYYYY-MM-DD or leYYYY-MM-DD",
            )
        if prefix == "ge":
            since = day
        else:
            until = day
    return since, until


def patient_resource(patient: Patient) -> dict[str, Any]:
    """A PDS FHIR R4 Patient, as the PDS examples lay it out."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient.nhs_number,
        "identifier": [
            {
                "system": "https://fhir.nhs.uk/Id/nhs-number",
                "value": patient.nhs_number,
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
                                    "version": "1.0.0",
                                    "code": "01",
                                    "display": "Number present and verified",
                                }
                            ]
                        },
                    }
                ],
            }
        ],
        "meta": {
            "versionId": str(patient.version),
            "security": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                    "code": "R" if patient.restricted else "U",
                    "display": "restricted" if patient.restricted else "unrestricted",
                }
            ],
        },
        "name": [
            {
                "id": f"name-{patient.nhs_number}",
                "use": "usual",
                "given": list(patient.given),
                "family": patient.family,
                "prefix": [patient.prefix],
            }
        ],
        "gender": patient.gender,
        "birthDate": patient.birth_date.isoformat(),
    }
    if patient.restricted:  # PDS removes location-sensitive fields from restricted records
        return resource
    resource["address"] = [
        {
            "id": f"address-{patient.nhs_number}",
            "use": "home",
            "line": list(patient.address),
            "postalCode": patient.postcode,
        }
    ]
    if patient.phone:
        resource["telecom"] = [
            {"id": f"telecom-{patient.nhs_number}", "system": "phone", "value": patient.phone, "use": "home"}
        ]
    resource["generalPractitioner"] = [
        {
            "id": f"gp-{patient.nhs_number}",
            "type": "Organization",
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": patient.gp_ods_code,
            },
        }
    ]
    return resource
