"""The NHS fit notes API (FHIR R4 Observations, decision 6), behind the API platform's signed JWT auth.

In local and test environments the simulator knows no application until told: `register` gives it our
API key and public key (as the developer portal would), before the first token and again whenever the
token endpoint says it does not know us (the simulator restarted).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from joserfc.jwk import RSAKey

from dwp.contracts.integrations import FitNote
from dwp.integrations.domain import NoRecord, ProviderRefused
from dwp.platform.http import ResilientClient, UpstreamBadResponse, UpstreamRejected

FHIR_JSON = "application/fhir+json"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path
FIT_NOTES_PATH = "/fit-notes/FHIR/R4/Observation"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NOT_FOUND_CODES = frozenset({"RESOURCE_NOT_FOUND", "INVALIDATED_RESOURCE"})


def public_jwks(key: RSAKey, key_id: str) -> dict[str, Any]:
    public = key.as_dict(private=False)
    return {"keys": [public | {"kid": key_id, "use": "sig", "alg": "RS512"}]}


class Nhs:
    def __init__(self, client: ResilientClient) -> None:
        self._client = client

    async def fit_notes(self, nhs_number: str) -> list[FitNote]:
        params = {"subject:identifier": f"{NHS_NUMBER_SYSTEM}|{nhs_number}"}
        headers = {"Accept": FHIR_JSON, "X-Request-ID": str(uuid.uuid4())}
        try:
            response = await self._client.request("GET", FIT_NOTES_PATH, params=params, headers=headers)
        except UpstreamRejected as exc:
            code = _spine_code(exc.problem)
            if exc.status == 404 and code in NOT_FOUND_CODES:
                raise NoRecord("the NHS holds no valid record for that NHS number") from None
            raise ProviderRefused(f"the NHS refused the request: {exc.status} {code or ''}".strip()) from None
        try:
            bundle = response.json()
            return [_fit_note(entry["resource"]) for entry in bundle.get("entry", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UpstreamBadResponse(
                f"not a bundle of fit notes: {type(exc).__name__}",
                upstream=self._client.upstream,
                method="GET",
                path=FIT_NOTES_PATH,
            ) from None


def _spine_code(outcome: dict[str, Any] | None) -> str | None:
    try:
        return str((outcome or {})["issue"][0]["details"]["coding"][0]["code"])
    except (KeyError, IndexError, TypeError):
        return None


def _code(concept: dict[str, Any] | None) -> str | None:
    codings = (concept or {}).get("coding") or [{}]
    code = codings[0].get("code")
    return str(code) if code is not None else None


def _fit_note(resource: dict[str, Any]) -> FitNote:
    if resource.get("resourceType") != "Observation":
        raise ValueError("not an Observation")
    components: dict[str, list[dict[str, Any]]] = {}
    for component in resource.get("component", []):
        components.setdefault(_code(component.get("code")) or "", []).append(component)

    def first(name: str) -> dict[str, Any]:
        return (components.get(name) or [{}])[0]

    period = resource["effectivePeriod"]
    return FitNote(
        id=resource["id"],
        start=date.fromisoformat(period["start"]),
        end=date.fromisoformat(period["end"]),
        issued=date.fromisoformat(str(resource["issued"])[:10]),
        advice=_code(resource.get("valueCodeableConcept")),  # pydantic checks it is an Advice
        condition_category=_code(first("condition-category").get("valueCodeableConcept")),
        adjustments=[
            code for c in components.get("adjustment", []) if (code := _code(c.get("valueCodeableConcept")))
        ],
        assessed_by=_code(first("assessed-by").get("valueCodeableConcept")),
        follow_up_needed=bool(first("follow-up-needed").get("valueBoolean", False)),
    )
