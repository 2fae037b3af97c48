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
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (path, method, status)
