"""The IDOR matrix (security issue, attack suite), generated from every service's OpenAPI document.

Every route with an id in its path is called twice: first by the resource's owner (citizen B, or a
caseworker for a staff-only resource) on B's real resource, which must succeed, then by citizen A on the
same resource, which must answer 404 (another citizen's record does not exist for A) or, on a staff-only
route, 403. A route is covered the day it is added: one whose path parameter has no resource factory
below, or that has no request builder, fails the matrix until someone adds them.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.conftest import random_nino
from tests.integration.access_policy import POLICY
from tests.integration.attack_platform import MIGRATED, SERVICES, build
from tests.integration.conftest import bearer, on_behalf_of, serve

pytestmark = pytest.mark.integration

PARAMETER = re.compile(r"\{([^}]+)\}")

PUBLIC = {
    ("GET", "/v1/rates/{tax_year}"): "published benefit rates: nobody owns a tax year",
    ("GET", "/v1/addresses/{uprn}"): "Ordnance Survey's addresses: a UPRN is a place, not anyone's record",
}
"""Routes with a path parameter that names no one's resource, each with the reason."""


USE_TABLE: Any = object()


@dataclass
class Resource:
    id: str
    owner: str
    """The token that may use it: the citizen who owns it, or a caseworker for a staff-only resource."""
    staff_only: bool
    etag: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    """Values of the path's other parameters (a claim's section, one of its to-dos)."""
    body: Any = USE_TABLE
    """The body the owner's request needs, when it depends on the resource (None: no body)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Headers every request on it sends (a team leader's token `On-Behalf-Of`)."""


@dataclass
class Services:
    apps: dict[str, httpx.AsyncClient]
    tokens: Callable[..., str]


async def _citizen_record(services: Services) -> Resource:
    owner_id = str(uuid.uuid4())
    owner = services.tokens("citizen", citizen_id=owner_id)
    body = {
        "given_name": "Bea", "family_name": "Owner", "date_of_birth": "1990-01-01",
        "national_insurance_number": random_nino(), "email": "bea@example.com",
    }  # fmt: skip
    citizen = services.apps["citizen"]
    created = await citizen.post("/v1/internal/citizens", json=body, headers=on_behalf_of(citizen, owner))
    assert created.status_code == 201, created.text
    return Resource(created.json()["id"], owner, staff_only=False, etag=created.headers.get("etag"))


async def _assessment(services: Services) -> Resource:
    body = {
        "claim_id": f"claim-{uuid.uuid4().hex[:8]}",
        "circumstances": {
            "assessment_period_start": "2025-06-01",
            "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
        },
    }
    service = services.tokens("service")
    created = await services.apps["benefits"].post("/v1/assessments", json=body, headers=bearer(service))
    assert created.status_code == 201, created.text
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    return Resource(created.json()["id"], caseworker, staff_only=True)


FACTORIES: dict[str, Callable[[Services], Awaitable[Resource]]] = {
    "citizen_id": _citizen_record,
    "assessment_id": _assessment,
    "claim_id": lambda services: _draft(services),
    "item_id": lambda services: _work_item(services),
    "period_end": lambda services: _a_day(services),
}
"""How to make a real resource for each kind of id a path can carry."""

# --- claims: each route needs a claim in a state where its owner's request succeeds ------------------


def _claims_client(services: Services) -> httpx.AsyncClient:
    return services.apps["claims"]


async def _draft(services: Services, *, joint: bool = False, owner: str | None = None) -> Resource:
    owner = owner or services.tokens("citizen")
    body = {"claim_type": "universal_credit", "joint": joint}
    started = await _claims_client(services).post("/v1/claims", json=body, headers=bearer(owner))
    assert started.status_code == 201, started.text
    return Resource(started.json()["id"], owner, staff_only=False, etag=started.headers["etag"])


def _uc_bodies(**overrides: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from dwp.claims.domain.answers import SECTIONS, ClaimType
    from tests.unit.claims.conftest import uc_answers

    shapes = SECTIONS[ClaimType.UNIVERSAL_CREDIT]
    bodies = {n: TypeAdapter(shapes[n]).dump_python(a, mode="json") for n, a in uc_answers().items()}
    return bodies | overrides


async def _save(services: Services, claim: Resource, bodies: dict[str, Any], *, confirm: bool = True) -> None:
    client = _claims_client(services)
    for name, body in bodies.items():
        saved = await client.put(
            f"/v1/claims/{claim.id}/sections/{name}",
            json=body,
            headers=bearer(claim.owner, **{"If-Match": claim.etag}),
        )
        assert saved.status_code == 200, saved.text
        claim.etag = saved.headers["etag"]
        for question in saved.json()["questions"] if confirm else ():
            confirmed = await client.post(
                f"/v1/claims/{claim.id}/confirmations",
                json={"question": question["key"]},
                headers=bearer(claim.owner, **{"If-Match": claim.etag}),
            )
            assert confirmed.status_code == 200, confirmed.text
            claim.etag = confirmed.headers["etag"]


async def _complete_draft(services: Services) -> Resource:
    claim = await _draft(services)
    await _save(services, claim, _uc_bodies())
    claim.body = {"declaration": "2026-12"}
    return claim


async def _submitted(services: Services) -> Resource:
    claim = await _complete_draft(services)
    done = await _claims_client(services).post(
        f"/v1/claims/{claim.id}/submission",
        json=claim.body,
        headers=bearer(claim.owner, **{"If-Match": claim.etag}),
    )
    assert done.status_code == 200, done.text
    claim.etag = done.headers["etag"]
    claim.body = USE_TABLE
    return claim


async def _with_question(services: Services) -> Resource:
    claim = await _draft(services)
    partner = {"lives_with_partner": True, "partner": {"date_of_birth": "1991-03-03"}}
    client = _claims_client(services)
    saved = await client.put(
        f"/v1/claims/{claim.id}/sections/household",
        json=partner,
        headers=bearer(claim.owner, **{"If-Match": claim.etag}),
    )
    assert saved.status_code == 200, saved.text
    claim.etag = saved.headers["etag"]
    claim.body = {"question": saved.json()["questions"][0]["key"]}
    return claim


async def _section(services: Services) -> Resource:
    claim = await _draft(services)
    claim.params = {"section": "capital"}
    claim.body = _uc_bodies()["capital"]
    return claim


async def _joint(services: Services) -> Resource:
    claim = await _draft(services, joint=True)
    claim.body = None
    return claim


async def _joined(services: Services) -> Resource:
    """A joint claim that the partner has joined: the partner's confirmation is theirs to make."""
    claim = await _draft(services, joint=True)
    client = _claims_client(services)
    invited = await client.post(
        f"/v1/claims/{claim.id}/partner-invitation", headers=bearer(claim.owner, **{"If-Match": claim.etag})
    )
    assert invited.status_code == 201, invited.text
    partner = services.tokens("citizen")
    joined = await client.post(
        "/v1/claims/join", json={"code": invited.json()["code"]}, headers=bearer(partner)
    )
    assert joined.status_code == 200, joined.text
    return Resource(claim.id, partner, False, joined.headers["etag"], body={"declaration": "2026-12"})


async def _todo(services: Services) -> Resource:
    claim = await _submitted(services)
    read = await _claims_client(services).get(f"/v1/claims/{claim.id}/todos", headers=bearer(claim.owner))
    todo = next(t for t in read.json()["items"] if t["kind"] == "accept_claimant_commitment")
    claim.params, claim.body = {"todo_id": todo["id"]}, None
    return claim


async def _decided(services: Services, *, automated: bool = False, reconsidered: bool = False) -> Resource:
    """A submitted claim decided by casework's moves, made through the service's own seam (the
    caseworker routes belong to the casework module)."""
    from dwp.claims import service
    from dwp.claims.domain import lifecycle as L
    from dwp.claims.domain.model import Actor, Outcome

    claim = await _submitted(services)
    app: FastAPI = _claims_client(services)._transport.app  # type: ignore[attr-defined]
    ctx = app.state.claims_context
    decider = (
        Actor("claims-auto", "system")
        if automated
        else Actor("staff-a", "caseworker", frozenset({"caseworker"}))
    )
    other = Actor("staff-b", "caseworker", frozenset({"caseworker"}))
    citizen = Actor(_subject(claim.owner), "citizen")

    def moves() -> list[tuple[Actor, Callable[[Any], Any]]]:
        steps: list[tuple[Actor, Callable[[Any], Any]]] = [
            (decider, lambda c: L.start_assessment(c, actor=decider, at=ctx.clock()))
        ]
        if automated:
            steps.append(
                (
                    decider,
                    lambda c: L.award(
                        c,
                        actor=decider,
                        at=ctx.clock(),
                        decision_id=ctx.new_id(),
                        reasons=("entitled",),
                        amount_pence=40_000,
                    ),
                )
            )
        else:
            steps.append(
                (
                    decider,
                    lambda c: L.disallow(
                        c, actor=decider, at=ctx.clock(), decision_id=ctx.new_id(), reasons=("capital",)
                    ),
                )
            )
        if reconsidered:
            steps.append(
                (
                    citizen,
                    lambda c: L.request_reconsideration(
                        c, actor=citizen, at=ctx.clock(), grounds="wrong", new_id=ctx.new_id
                    ),
                )
            )
            steps.append(
                (
                    other,
                    lambda c: L.decide_reconsideration(
                        c,
                        actor=other,
                        at=ctx.clock(),
                        decision_id=ctx.new_id(),
                        outcome=Outcome.DISALLOW,
                        reasons=("looked again",),
                    ),
                )
            )
        return steps

    for actor, move in moves():
        changed = await service.change_claim(ctx, claim_id=claim.id, actor=actor, apply=move)
    claim.etag = f'"{changed.version}"'
    claim.body = USE_TABLE
    return claim


def _subject(token: str) -> str:
    import base64
    import json

    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


async def _disallowed(services: Services) -> Resource:
    return await _decided(services)


async def _automatic_award(services: Services) -> Resource:
    return await _decided(services, automated=True)


async def _reconsidered(services: Services) -> Resource:
    return await _decided(services, reconsidered=True)


async def _evidence_todo(services: Services) -> Resource:
    """A submitted UC claim whose answers call for evidence (renting: the tenancy agreement)."""
    claim = await _submitted(services)
    read = await _claims_client(services).get(f"/v1/claims/{claim.id}/todos", headers=bearer(claim.owner))
    todo = next(t for t in read.json()["items"] if t["kind"] == "upload_evidence")
    claim.params, claim.body, claim.etag = {"todo_id": todo["id"]}, {"content_type": "application/pdf"}, None
    return claim


async def _upload(services: Services, *, accepted: bool = False) -> Resource:
    """An upload for an evidence to-do; `accepted`: a real PDF POSTed to its form and checked, and the
    resource is then a caseworker's (downloading evidence is for staff)."""
    claim = await _evidence_todo(services)
    client = _claims_client(services)
    asked = await client.post(
        f"/v1/claims/{claim.id}/todos/{claim.params['todo_id']}/uploads",
        json={"content_type": "application/pdf"},
        headers=bearer(claim.owner),
    )
    assert asked.status_code == 201, asked.text
    form = asked.json()
    claim.params, claim.body = {"upload_id": form["upload"]["id"]}, None
    if not accepted:
        return claim
    async with httpx.AsyncClient() as s3:
        pdf = b"%PDF-1.7\n%%EOF\n"
        posted = await s3.post(
            form["url"], data=form["fields"], files={"file": ("a.pdf", pdf, "application/pdf")}
        )
        assert posted.status_code == 204, posted.text
    done = await client.post(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}/completion", headers=bearer(claim.owner)
    )
    assert done.json()["state"] == "accepted", done.text
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    return Resource(claim.id, caseworker, True, params=claim.params, body={"purpose": "check the tenancy"})


async def _accepted_upload(services: Services) -> Resource:
    return await _upload(services, accepted=True)


# --- claims casework: staff's routes on a claim or a work item, the workers' internal routes -------------

CASEWORK = "/v1/claims/casework"


async def _work_item(services: Services) -> Resource:
    """An open work item of a submitted claim; a team leader may make every move on it."""
    claim = await _submitted(services)
    leader = services.tokens("caseworker", roles=["caseworker", "team-leader"])
    listed = await _claims_client(services).get(
        f"{CASEWORK}/claims/{claim.id}/work-items", headers=bearer(leader)
    )
    assert listed.status_code == 200, listed.text
    return Resource(listed.json()["items"][0]["id"], leader, staff_only=True)


async def _under_assessment(services: Services) -> Resource:
    claim = await _submitted(services)
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    started = await _claims_client(services).post(
        f"{CASEWORK}/claims/{claim.id}/assessment/start",
        headers=bearer(caseworker, **{"If-Match": claim.etag or "*"}),
    )
    assert started.status_code == 200, started.text
    return Resource(claim.id, caseworker, staff_only=True, etag=started.headers["etag"])


async def _a_day(services: Services) -> Resource:
    return Resource("2026-12-31", services.tokens("service", subject="workers"), staff_only=True)


async def _awarded_period(services: Services) -> Resource:
    """An awarded UC claim and its second assessment period, whose statement the monthly run stores."""
    from datetime import date

    from dwp.claims.domain.dates import assessment_period_end, assessment_period_start

    claim = await _automatic_award(services)
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    read = await _claims_client(services).get(
        f"{CASEWORK}/claims/{claim.id}", params={"purpose": "idor matrix"}, headers=bearer(caseworker)
    )
    first = date.fromisoformat(read.json()["claim_date"])
    start, end = assessment_period_start(first, 1), assessment_period_end(first, 1)
    body = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "award_pence": 1,
        "run_date": end.isoformat(),
    }
    return Resource(claim.id, claim.owner, False, params={"period_end": end.isoformat()}, body=body)


async def _award_with_a_period(services: Services) -> Resource:
    """An awarded UC claim with a stored period's statement: the terms the payments service is sent."""
    period = await _awarded_period(services)
    workers = services.tokens("service", subject="workers")
    end = period.params["period_end"]
    stored = await _claims_client(services).put(
        f"/v1/internal/claims/{period.id}/assessment-periods/{end}/statement",
        json=period.body,
        headers=bearer(workers),
    )
    assert stored.status_code in (200, 201), stored.text
    return Resource(period.id, period.owner, False)


async def _awarded_period_page(services: Services) -> Resource:
    """The same, as a page of the bulk statement store: the day in the path, the claim in the body."""
    period = await _awarded_period(services)
    end = period.params["period_end"]
    return Resource(end, period.owner, False, body={"items": [{"claim_id": period.id, **period.body}]})


# --- payments: a citizen's bank details and payments, a held payment, an award -----------------------

PAYMENTS = "/v1/payments"


def _account() -> dict[str, str]:
    from tests.integration.payments.test_bank_details_api import fresh_account

    return fresh_account("Bea Owner")


async def _payee(services: Services) -> Resource:
    """A citizen of the payments service (P2), with nothing stored yet: the owner's request gives an
    account."""
    citizen_id = str(uuid.uuid4())
    owner = services.tokens("citizen", citizen_id=citizen_id)
    return Resource(citizen_id, owner, staff_only=False, body=_account())


async def _payee_with_account(services: Services) -> Resource:
    payee = await _payee(services)
    given = await services.apps["payments"].put(
        f"{PAYMENTS}/citizens/{payee.id}/bank-details",
        json=payee.body,
        headers=bearer(payee.owner, **{"X-Device-Id": "laptop"}),
    )
    assert given.status_code in (200, 201), given.text
    payee.body = USE_TABLE
    return payee


async def _payment_hold(services: Services) -> Resource:
    """A payment held because the account changed soon after a sign-in from a new device."""
    from datetime import UTC, datetime, timedelta

    payee = await _payee_with_account(services)
    recent = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    changed = await services.apps["payments"].put(
        f"{PAYMENTS}/citizens/{payee.id}/bank-details",
        json=_account(),
        headers=bearer(
            payee.owner, **{"If-Match": '"1"', "X-Device-Id": "stranger-phone", "X-Signed-In-At": recent}
        ),
    )
    assert changed.json()["payment_held"] is True, changed.text
    caseworker = services.tokens("caseworker", roles=["caseworker"])
    holds = await services.apps["payments"].get(f"{PAYMENTS}/holds", headers=bearer(caseworker))
    (hold,) = [h for h in holds.json()["items"] if h["citizen_id"] == payee.id]
    body = {"outcome": "release", "reason": "spoke to them on their known number"}
    return Resource(hold["id"], caseworker, staff_only=True, body=body)


async def _award(services: Services) -> Resource:
    from tests.integration.payments.test_payments_api import award

    payee = await _payee_with_account(services)
    claims = services.tokens("service", subject="claims")
    return Resource(str(uuid.uuid4()), claims, staff_only=True, body=award(payee.id))


# --- subject access: a team leader exports a person; the parts' internal routes serve claims ----------


def _leader(services: Services) -> str:
    return services.tokens("caseworker", roles=["caseworker", "team-leader"], subject="staff-leader")


async def _exported_person(services: Services) -> Resource:
    person = await _citizen_record(services)
    return Resource(person.id, _leader(services), staff_only=True, body={"reference": "SAR-IDOR"})


async def _export_part(services: Services) -> Resource:
    person = await _citizen_record(services)
    body = {"export_id": str(uuid.uuid4()), "reference": "SAR-IDOR"}
    return Resource(
        person.id, person.owner, staff_only=True, body=body, headers={"On-Behalf-Of": _leader(services)}
    )


ROUTE_FACTORIES: dict[tuple[str, str], Callable[[Services], Awaitable[Resource]]] = {
    ("PUT", "/v1/claims/{claim_id}/sections/{section}"): _section,
    ("POST", "/v1/claims/{claim_id}/confirmations"): _with_question,
    ("POST", "/v1/claims/{claim_id}/partner-invitation"): _joint,
    ("POST", "/v1/claims/{claim_id}/partner-confirmation"): _joined,
    ("POST", "/v1/claims/{claim_id}/submission"): _complete_draft,
    ("POST", "/v1/claims/{claim_id}/todos/{todo_id}/completion"): _todo,
    ("POST", "/v1/claims/{claim_id}/reconsideration-request"): _disallowed,
    ("POST", "/v1/claims/{claim_id}/appeal"): _reconsidered,
    ("POST", "/v1/claims/{claim_id}/human-review-request"): _automatic_award,
    ("POST", "/v1/claims/{claim_id}/changes"): _automatic_award,
    ("POST", "/v1/claims/{claim_id}/todos/{todo_id}/uploads"): _evidence_todo,
    ("POST", "/v1/claims/{claim_id}/uploads/{upload_id}/completion"): _upload,
    ("GET", "/v1/claims/{claim_id}/uploads/{upload_id}"): _upload,
    ("POST", "/v1/claims/{claim_id}/uploads/{upload_id}/download-link"): _accepted_upload,
    ("POST", f"{CASEWORK}/claims/{{claim_id}}/evidence-requests"): _submitted,
    ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment/start"): _submitted,
    ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment/evidence"): _submitted,
    ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment"): _under_assessment,
    ("POST", f"{CASEWORK}/claims/{{claim_id}}/decisions"): _under_assessment,
    ("POST", "/v1/internal/claims/{claim_id}/automatic-decision"): _submitted,
    ("GET", "/v1/internal/claims/{claim_id}/award-for-payment"): _award_with_a_period,
    ("PUT", "/v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement"): _awarded_period,
    ("POST", "/v1/internal/assessment-periods/{period_end}/statements"): _awarded_period_page,
    ("PUT", f"{PAYMENTS}/citizens/{{citizen_id}}/bank-details"): _payee,
    ("GET", f"{PAYMENTS}/citizens/{{citizen_id}}/bank-details"): _payee_with_account,
    ("GET", f"{PAYMENTS}/citizens/{{citizen_id}}/payments"): _payee_with_account,
    ("GET", f"{PAYMENTS}/citizens/{{citizen_id}}/audit"): _payee_with_account,
    ("POST", f"{PAYMENTS}/holds/{{hold_id}}/decision"): _payment_hold,
    ("PUT", "/v1/internal/payments/awards/{award_id}"): _award,
    ("POST", f"{CASEWORK}/citizens/{{citizen_id}}/subject-access-export"): _exported_person,
    ("POST", "/v1/internal/citizens/{citizen_id}/subject-access-exports"): _export_part,
    ("POST", "/v1/internal/payments/citizens/{citizen_id}/subject-access-exports"): _export_part,
}
"""Routes whose owner's request needs a claim in a particular state (or more than its id)."""

STAFF_ONLY_ROUTES = {
    ("GET", "/v1/citizens/{citizen_id}/audit"),
    ("POST", "/v1/citizens/{citizen_id}/rectifications"),
    ("GET", f"{PAYMENTS}/citizens/{{citizen_id}}/audit"),
    *(
        (method, f"{CASEWORK}/claims/{{claim_id}}{tail}")
        for method, tail in (
            ("GET", ""),
            ("GET", "/audit"),
            ("GET", "/work-items"),
            ("GET", "/assessment-periods"),
            ("POST", "/evidence-requests"),
            ("POST", "/assessment/start"),
            ("POST", "/assessment/evidence"),
            ("POST", "/assessment"),
            ("POST", "/decisions"),
        )
    ),
}
"""Routes on a citizen's resource that only staff may use: the owner's call is made as a caseworker."""
SERVICE_ONLY_ROUTES = {
    ("GET", "/v1/internal/citizens/{citizen_id}/contact-details"): "claims",
    ("GET", "/v1/internal/citizens/{citizen_id}/identity"): "claims",
    ("POST", "/v1/internal/claims/{claim_id}/automatic-decision"): "workers",
    ("GET", "/v1/internal/assessment-periods/{period_end}/awards"): "workers",
    ("GET", "/v1/internal/claims/{claim_id}/notification-facts"): "workers",
    ("GET", "/v1/internal/claims/{claim_id}/award-for-payment"): "workers",
    ("PUT", "/v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement"): "workers",
    ("POST", "/v1/internal/assessment-periods/{period_end}/statements"): "workers",
    ("PUT", "/v1/internal/payments/awards/{award_id}"): "claims",
    ("POST", "/v1/internal/citizens/{citizen_id}/subject-access-exports"): "claims",
    ("POST", "/v1/internal/payments/citizens/{citizen_id}/subject-access-exports"): "claims",
}
QUERIES = {
    ("GET", f"{CASEWORK}/claims/{{claim_id}}"): {"purpose": "check the IDOR matrix"},
    ("GET", f"{CASEWORK}/claims/{{claim_id}}/audit"): {"purpose": "check the IDOR matrix"},
}
"""Query parameters a route needs (a caseworker's read says why)."""
"""Internal routes on a citizen's resource: the owner's call is made as a service the route allows."""


def _request(method: str, path: str, resource: Resource) -> dict[str, Any]:
    """The body and headers a route needs to succeed for its owner."""
    headers = ({"If-Match": resource.etag} if resource.etag else {}) | resource.headers
    if (method, path) in QUERIES:
        return {"headers": headers, "params": QUERIES[(method, path)]} | (
            {} if method == "GET" else {"json": resource.body}
        )
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/v1/citizens/{citizen_id}"): {"preferred_language": "cy"},
        ("POST", "/v1/citizens/{citizen_id}/rectifications"): {
            "changes": {"family_name": "Owen"},
            "reason": "marriage certificate seen",
        },
        ("PUT", "/v1/citizens/{citizen_id}/contact-preferences"): {
            "channels": ["email"],
            "welsh_letters": False,
        },
        ("POST", "/v1/claims/{claim_id}/withdrawal"): {"reason": "found work"},
        ("POST", "/v1/claims/{claim_id}/journal"): {"text": "When will I hear?"},
        ("POST", "/v1/claims/{claim_id}/reconsideration-request"): {"grounds": "my savings are less"},
        ("POST", "/v1/claims/{claim_id}/appeal"): {},
        ("POST", "/v1/claims/{claim_id}/human-review-request"): {"reason": "please look again"},
        # A change on the day the claim was made (UK time): neither in the future nor before the claim.
        ("POST", "/v1/claims/{claim_id}/changes"): {
            "kind": "savings_changed",
            "happened_on": datetime.now(ZoneInfo("Europe/London")).date().isoformat(),
            "savings_pence": 100_000,
        },
        ("POST", f"{CASEWORK}/work-items/{{item_id}}/take"): {},
        ("POST", f"{CASEWORK}/work-items/{{item_id}}/release"): {},
        ("POST", f"{CASEWORK}/work-items/{{item_id}}/assign"): {"assignee": "staff-b"},
        ("POST", f"{CASEWORK}/work-items/{{item_id}}/escalate"): {"reason": "needs a team leader"},
        ("POST", f"{CASEWORK}/claims/{{claim_id}}/evidence-requests"): {
            "evidence": ["payslips"],
            "reason": "pay",
        },
        ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment/start"): {"reason": ""},
        ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment/evidence"): {},
        ("POST", f"{CASEWORK}/claims/{{claim_id}}/assessment"): {},
        ("POST", f"{CASEWORK}/claims/{{claim_id}}/decisions"): {
            "outcome": "disallow",
            "reasons": ["capital"],
        },
        ("POST", "/v1/internal/claims/{claim_id}/automatic-decision"): {},
    }
    if method in ("GET", "HEAD", "DELETE"):
        return {"headers": headers}
    if resource.body is None:
        return {"headers": headers}
    if resource.body is not USE_TABLE:
        return {"headers": headers, "json": resource.body}
    if (method, path) not in bodies:
        pytest.fail(f"{method} {path}: the IDOR matrix has no request body for this route; add one")
    return {"headers": headers, "json": bodies[(method, path)]}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if PARAMETER.search(path) and (method.upper(), path) not in PUBLIC:
                found.append((method.upper(), path))
    return sorted(found)


def _apps(settings: Settings) -> dict[str, FastAPI]:
    """Every service of the catalogue, each built by its own factory."""
    return {name: build(name, settings) for name in SERVICES}


@pytest.fixture
async def services(bootstrapped: Settings, tokens: Callable[..., str]) -> AsyncIterator[Services]:
    # Only the services that have a route with an id take part (today identity, address and
    # integrations have none); one that gains such a route is served here from then on.
    apps = {name: app for name, app in _apps(bootstrapped).items() if routes(app)}
    for schema in set(MIGRATED) & set(apps):
        await asyncio.to_thread(upgrade, schema, bootstrapped)
    from tests.fakes.casework import FakeUpstreams

    # The assessment's services are not running here: the claim waits (202), as it would in production.
    apps["claims"].state.claims_upstreams = FakeUpstreams(
        benefits="down", integrations="down", citizen="down"
    )
    apps["claims"].state.subject_access_parts = _parts_over(apps, tokens("service", subject="claims"))
    async with AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(serve(app)) for name, app in apps.items()}
        yield Services(clients, tokens)


def _parts_over(apps: dict[str, FastAPI], token: str) -> Any:
    """The claims service's clients for the export's parts, over the citizen and payments apps here."""
    from dwp.claims.subject_access import HttpParts
    from dwp.platform.http import ResilientClient

    class Token:
        async def token(self) -> str:
            return token

        def invalidate(self, token: str) -> None:
            pass

    def client(name: str) -> ResilientClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[name]), base_url="http://svc.test")
        return ResilientClient(name, "http://svc.test", http=http, tokens=Token())

    return HttpParts(citizen_client=client("citizen"), payments_client=client("payments"))


def test_the_matrix_covers_every_route_with_an_id(tmp_path: Any) -> None:
    """The generated list itself: every id-carrying route has a factory, and there are routes to test."""
    settings = Settings(dwp_env="test", dwp_data_dir=tmp_path)
    generated = {name: routes(app) for name, app in _apps(settings).items()}
    for name, found in generated.items():
        for method, path in found:
            if (method, path) in ROUTE_FACTORIES:
                continue
            for parameter in PARAMETER.findall(path):
                assert parameter in FACTORIES, f"{name}: {method} {path}: no way to make a real {parameter}"
    assert set(generated) == set(SERVICES)  # every service of the catalogue, a new one included
    assert sum(len(v) for v in generated.values()) >= 40, generated


async def test_no_citizen_reaches_another_citizens_resources(services: Services) -> None:
    attacker = services.tokens("citizen", citizen_id=str(uuid.uuid4()))
    wrong_kinds = {
        "staff-without-role": services.tokens("caseworker", roles=[], subject="staff-none"),
        "service:address": services.tokens("service", subject="address"),
    }
    checked: list[str] = []
    wrong_kind_cases = 0
    for name, client in services.apps.items():
        app: FastAPI = client._transport.app  # type: ignore[attr-defined]
        for method, path in routes(app):
            parameter = PARAMETER.findall(path)[0]
            factory = ROUTE_FACTORIES.get((method, path)) or FACTORIES[parameter]
            resource = await factory(services)
            owner = resource.owner
            service = SERVICE_ONLY_ROUTES.get((method, path))
            staff_only = resource.staff_only or (method, path) in STAFF_ONLY_ROUTES or service is not None
            if service is not None:
                owner = services.tokens("service", subject=service)
            elif staff_only and not resource.staff_only:
                owner = services.tokens("caseworker", roles=["caseworker"])
            url = path.replace(f"{{{parameter}}}", resource.id)
            for other, value in resource.params.items():
                url = url.replace(f"{{{other}}}", value)
            request = _request(method, path, resource)
            own = await client.request(
                method, url, **request | {"headers": bearer(owner, **request["headers"])}
            )
            assert 200 <= own.status_code < 300, f"{name}: {method} {path} for its owner: {own.text}"
            if own.headers.get("etag"):
                resource.etag = own.headers["etag"]  # the attacker gets the current version, not a 412
            request = _request(method, path, resource)
            theirs = await client.request(
                method, url, **request | {"headers": bearer(attacker, **request["headers"])}
            )
            expected = 403 if staff_only else 404
            assert theirs.status_code == expected, (
                f"{name}: {method} {path} for another citizen: {theirs.text}"
            )
            assert theirs.headers["content-type"].startswith("application/problem+json")
            # The wrong kind of caller on the same real resource: staff without a role, and a service
            # the route does not name, are refused (403, or 404 where the route decides who sees it).
            for label, token in wrong_kinds.items():
                if label in POLICY[(name, method, path)]:
                    continue
                request = _request(method, path, resource)
                response = await client.request(
                    method, url, **request | {"headers": bearer(token, **request["headers"])}
                )
                assert response.status_code in (403, 404), (
                    f"{name}: {method} {path} for {label}: {response.text}"
                )
                assert response.headers["content-type"].startswith("application/problem+json")
                wrong_kind_cases += 1
            checked.append(f"{method} {path}")
    assert len(checked) >= 40, checked
    # The figures for the closing note.
    print(f"IDOR matrix: {len(checked)} routes with an id, {wrong_kind_cases} wrong-kind cases")
