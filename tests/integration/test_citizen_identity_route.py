"""The citizen service's internal identity route, which the claims service and the workers call for the
proven name, date of birth and NINO that an HMRC look-up needs: its answer is the contract's shape, and
nobody else may call it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from dwp.contracts.citizens import CitizenIdentity
from tests.integration.conftest import bearer, service_token
from tests.integration.test_citizen_api import details, register

pytestmark = pytest.mark.integration


async def test_claims_and_workers_read_the_proven_identity_and_nobody_else(
    client: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    citizen_id = str(uuid.uuid4())
    body = details()
    created = await register(client, tokens(citizen_id=citizen_id), body)
    assert created.status_code == 201, created.text
    settings = client._transport.app.state.settings  # type: ignore[attr-defined]
    path = f"/v1/internal/citizens/{citizen_id}/identity"
    for caller in ("claims", "workers"):
        response = await client.get(path, headers=bearer(service_token(settings, caller)))
        assert response.status_code == 200, response.text
        identity = CitizenIdentity.model_validate_json(response.text)
        assert identity.national_insurance_number == body["national_insurance_number"]
        assert (identity.given_name, identity.date_of_birth.isoformat()) == ("Ada", "1990-01-01")
        assert set(response.json()) == set(CitizenIdentity.model_fields)
    for refused in (
        bearer(service_token(settings, "identity")),
        bearer(tokens("caseworker", roles=["caseworker"])),
        bearer(tokens(citizen_id=citizen_id)),
    ):
        answer = await client.get(path, headers=refused)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    missing = await client.get(
        f"/v1/internal/citizens/{uuid.uuid4()}/identity", headers=bearer(service_token(settings, "claims"))
    )
    assert missing.status_code == 404, missing.text
