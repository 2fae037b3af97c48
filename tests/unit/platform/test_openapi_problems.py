"""Every service's OpenAPI document says which problem documents each operation can answer with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from dwp.platform.settings import Settings


def _build(service: str, settings: Settings) -> FastAPI:
    if service == "citizen":
        from dwp.citizen.app import build_app as citizen

        return citizen(settings)
    if service == "benefits":
        from dwp.benefits.app import build_app as benefits

        return benefits(settings)
    if service == "claims":
        from dwp.claims.app import build_app as claims

        return claims(settings)
    if service == "address":
        from dwp.address.app import build_app as address

        return address(settings)
    from dwp.identity.app import build_app as identity

    return identity(settings)


@pytest.mark.parametrize("service", ["citizen", "benefits", "identity", "address", "claims"])
def test_every_operation_documents_its_problems(tmp_path: Path, service: str) -> None:
    app = _build(service, Settings(dwp_data_dir=tmp_path, dwp_env="test", redis_url=None, database_url=None))
    document: dict[str, Any] = app.openapi()
    assert "HTTPValidationError" not in str(document)
    table = {m.status for m in __import__(f"dwp.{service}.app", fromlist=["ERRORS"]).ERRORS.values()}
    operations = [(p, m, op) for p, item in document["paths"].items() for m, op in item.items()]
    assert operations
    for path, method, operation in operations:
        responses = operation["responses"]
        for status in ("500", "503"):
            assert status in responses, (path, method, status)
        if not path.startswith(("/health", "/metrics")):
            assert {str(s) for s in table} <= set(responses), (path, method)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (path, method)
        if "requestBody" in operation or operation.get("parameters"):
            assert "422" in responses, (path, method)
        for status, response in responses.items():
            if status[0] in "45":
                if (path, status) == ("/v1/auth/token", "400"):  # OAuth's error shape too (RFC 6749 5.2)
                    assert set(response["content"]) == {"application/json", "application/problem+json"}
                    continue
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (path, method, status)


def _settings(tmp_path: Path) -> Settings:
    return Settings(dwp_data_dir=tmp_path, dwp_env="test", redis_url=None, database_url=None)


def test_sign_in_starts_are_documented_as_the_redirects_they_are(tmp_path: Path) -> None:
    """Issue 11: `/v1/auth/*/start` was documented as 200 though it answers 302 (schemathesis's
    status_code_conformance), and the callbacks and sign-out answer 303."""
    paths = _build("identity", _settings(tmp_path)).openapi()["paths"]
    for path, status in (
        ("/v1/auth/one-login/start", "302"),
        ("/v1/auth/staff/start", "302"),
        ("/v1/auth/one-login/callback", "303"),
        ("/v1/auth/staff/callback", "303"),
    ):
        responses = paths[path]["get"]["responses"]
        assert status in responses, (path, sorted(responses))
        assert "200" not in responses, (path, sorted(responses))
        assert "Location" in responses[status]["headers"], path
    assert "303" in paths["/v1/auth/sign-out"]["post"]["responses"]


def test_identity_form_posts_document_their_form(tmp_path: Path) -> None:
    """The routes that read their form themselves had no documented body."""
    paths = _build("identity", _settings(tmp_path)).openapi()["paths"]
    for path, field in (
        ("/v1/auth/token", "client_id"),
        ("/v1/auth/register", "national_insurance_number"),
        ("/v1/auth/one-login/back-channel-logout", "logout_token"),
    ):
        body = paths[path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        assert field in body["schema"]["properties"], path
        assert "415" in paths[path]["post"]["responses"], path


def test_changes_that_take_if_match_document_412_and_428(tmp_path: Path) -> None:
    """Found by schemathesis: every claim change answered 428 without If-Match, undocumented."""
    paths = _build("claims", _settings(tmp_path)).openapi()["paths"]
    operation = paths["/v1/claims/{claim_id}/submission"]["post"]
    assert any(p["name"] == "If-Match" for p in operation["parameters"])
    assert {"412", "428"} <= set(operation["responses"])
    assert "precondition-required" in operation["responses"]["428"]["description"]


def test_held_registration_documents_201_as_well_as_200(tmp_path: Path) -> None:
    """Found by schemathesis: a new hold's work item is a 201, documented as 200 only."""
    paths = _build("claims", _settings(tmp_path)).openapi()["paths"]
    responses = paths["/v1/internal/work-items/held-registrations"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


def test_a_201_links_to_the_get_of_what_it_made(tmp_path: Path) -> None:
    """OpenAPI links, so that schemathesis's stateful phase (and a reader) can follow a creation."""
    document = _build("citizen", _settings(tmp_path)).openapi()
    created = document["paths"]["/v1/citizens"]["post"]["responses"]["201"]
    (link,) = created["links"].values()
    read = document["paths"]["/v1/citizens/{citizen_id}"]["get"]
    assert link["operationRef"] == "#/paths/~1v1~1citizens~1{citizen_id}/get"
    assert read["responses"]["200"]
    assert link["parameters"] == {"citizen_id": "$response.body#/id"}


def test_domain_formats_are_named_in_the_schemas(tmp_path: Path) -> None:
    """The NINO rule is in the document (`format: national-insurance-number`), so a client and
    schemathesis's generator know it."""
    document = _build("citizen", _settings(tmp_path)).openapi()
    registration = document["components"]["schemas"]["RegistrationRequest"]
    assert registration["properties"]["national_insurance_number"]["format"] == "national-insurance-number"


def test_options_lists_every_method_of_the_resource(tmp_path: Path) -> None:
    """Starlette's 405 named only the first matching route's methods: OPTIONS on a citizen said
    `Allow: GET` though the resource also takes PATCH."""
    from starlette.testclient import TestClient

    app = _build("citizen", _settings(tmp_path))
    with TestClient(app) as client:
        response = client.options("/v1/citizens/00000000-0000-4000-8000-000000000000")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, PATCH"
        assert response.headers["content-type"].startswith("application/problem+json")
        # Found by schemathesis's Allow check: a literal path is its own resource, not a citizen's id.
        search = client.options("/v1/citizens/search")
        assert (search.status_code, search.headers["allow"]) == (405, "POST")
        live = client.put("/health/live")
        assert (live.status_code, live.headers["allow"]) == (405, "GET")
