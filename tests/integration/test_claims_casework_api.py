"""The caseworker routes and the workers' internal routes of the claims service, over HTTP in process, on
SQLite and PostgreSQL, with the benefits and integrations services running in process (integrations
against the HMRC and NHS simulators) and the citizen service's identity answer from a stand-in.

Roles (a citizen's token and staff without a role get 403), two caseworkers taking one item at once (one
wins, the other 409), a stale If-Match (412), the whole assessment and decision, the benefits service
stopped and HMRC failing through its simulator's control (the claim waits with a work item: 202, never a
500), the monthly run's routes and held registrations."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from dwp.claims.domain.dates import assessment_period_end, assessment_period_start
from dwp.claims.domain.model import Claim
from dwp.claims.repository import ClaimsRepository
from dwp.claims.upstreams import CASEWORK_POLICY, HttpUpstreams
from dwp.contracts import claims as contract
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.database import Database
from dwp.platform.http import CircuitBreakers, ResilientClient
from dwp.platform.migrations import upgrade
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings
from dwp.simulators.hmrc.app import create_app as create_hmrc
from dwp.simulators.nhs.app import create_app as create_nhs
from tests.integration.conftest import bearer
from tests.unit.claims.conftest import submitted

pytestmark = pytest.mark.integration

HMRC_URL = "http://hmrc.test"
NHS_URL = "http://nhs.test"
BENEFITS_URL = "http://benefits.test"
INTEGRATIONS_URL = "http://integrations.test"
CITIZEN_URL = "http://citizen.test"
SARAH = {
    "given_name": "Sarah",
    "family_name": "Jones",
    "date_of_birth": "1985-04-12",
    "national_insurance_number": "AB123456C",
}


@pytest.fixture(scope="module")
def nhs_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nhs-key") / "nhs.pem"
    path.write_bytes(RSAKey.generate_key(2048).as_pem(private=True))
    return path


class Switchable(httpx.AsyncBaseTransport):
    """A service's address that a test can stop (connections refused) and start again."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.stopped = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.stopped:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


class ServiceToken:
    """The claims service's own token, as identity would mint it."""

    def __init__(self, settings: Settings) -> None:
        self._token = mint_token(
            load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="claims", kind="service"
        )

    async def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        pass


def citizen_stand_in(people: dict[str, dict[str, str]]) -> httpx.MockTransport:
    """The citizen service's internal identity route (its own test is in test_citizen_api)."""

    def handle(request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.url.path.endswith("/identity") and parts[-2] in people:
            return httpx.Response(200, json={"id": parts[-2], **people[parts[-2]]})
        return httpx.Response(404, json={"type": "about:blank", "title": "Not found", "status": 404})

    return httpx.MockTransport(handle)


@dataclass
class Stack:
    claims: httpx.AsyncClient
    hmrc: httpx.AsyncClient
    benefits: Switchable
    database: Database
    cipher: PiiCipher
    token: Callable[..., str]
    citizen_id: str
    people: dict[str, dict[str, str]]
    upstreams: HttpUpstreams

    def staff(self, subject: str = "staff-a", roles: tuple[str, ...] = ("caseworker",)) -> dict[str, str]:
        return bearer(self.token("caseworker", subject=subject, roles=list(roles)))

    def workers(self, name: str = "workers") -> dict[str, str]:
        return bearer(self.token("service", subject=name))

    async def seed(self, citizen_id: str | None = None) -> Claim:
        """A submitted UC claim (by the lifecycle's own moves), with its work items, in the claims tables."""
        story = submitted()
        claim = replace(
            story.claim,
            id=str(uuid.uuid4()),
            claimant=replace(
                story.claim.claimant,
                citizen_id=citizen_id or self.citizen_id,
                date_of_birth=date(1985, 4, 12),
            ),
        )
        async with self.database.transaction() as connection:
            repo = ClaimsRepository(connection, self.cipher)
            await repo.add(claim, claim.created_at)
            for t in story.transitions:
                for item in t.work_items:
                    await repo.add_work_item(replace(item, id=str(uuid.uuid4()), claim_id=claim.id))
        return claim

    async def work_items(self, claim_id: str) -> list[dict[str, Any]]:
        response = await self.claims.get(
            f"/v1/claims/casework/claims/{claim_id}/work-items", headers=self.staff()
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture
async def stack(
    bootstrapped: Settings, nhs_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    from dwp.benefits.app import build_app as build_benefits
    from dwp.claims.app import build_app as build_claims
    from dwp.integrations.app import build_app as build_integrations

    monkeypatch.setenv("DWP_HMRC_URL", HMRC_URL)
    monkeypatch.setenv("DWP_NHS_URL", NHS_URL)
    monkeypatch.setenv("DWP_NHS_PRIVATE_KEY_FILE", str(nhs_key_file))
    monkeypatch.setenv("DWP_PROVIDER_TIMEOUT_SECONDS", "1")
    for service in ("claims", "benefits", "integrations"):
        await asyncio.to_thread(upgrade, service, bootstrapped)
    hmrc_app = create_hmrc(today=lambda: date(2026, 7, 20))
    nhs_app = create_nhs(base_url=NHS_URL, clients={})
    providers = httpx.AsyncClient(
        mounts={HMRC_URL: httpx.ASGITransport(app=hmrc_app), NHS_URL: httpx.ASGITransport(app=nhs_app)}
    )
    benefits_app = build_benefits(bootstrapped)
    integrations_app = build_integrations(bootstrapped, http=providers)
    citizen_id = str(uuid.uuid4())
    people = {citizen_id: SARAH}
    benefits = Switchable(benefits_app)
    services = httpx.AsyncClient(
        mounts={
            BENEFITS_URL: benefits,
            INTEGRATIONS_URL: httpx.ASGITransport(app=integrations_app),
            CITIZEN_URL: citizen_stand_in(people),
        }
    )
    tokens = ServiceToken(bootstrapped)
    claims_app = build_claims(bootstrapped)
    upstreams = claims_app.state.claims_upstreams = HttpUpstreams(
        benefits=ResilientClient(
            "benefits", BENEFITS_URL, http=services, tokens=tokens, policy=CASEWORK_POLICY
        ),
        integrations=ResilientClient(
            "integrations", INTEGRATIONS_URL, http=services, tokens=tokens, policy=CASEWORK_POLICY
        ),
        citizen=ResilientClient("citizen", CITIZEN_URL, http=services, tokens=tokens, policy=CASEWORK_POLICY),
    )
    key = load_or_create_dev_key(bootstrapped)

    def token(kind: str, *, subject: str, roles: list[str] | None = None) -> str:
        citizen = str(uuid.uuid4()) if kind == "citizen" else None
        return mint_token(
            key,
            issuer=bootstrapped.dwp_jwt_issuer,
            subject=subject,
            kind=kind,  # type: ignore[arg-type]
            citizen_id=citizen,
            roles=roles or [],
            **({"level_of_confidence": "P2"} if kind == "citizen" else {}),
        )

    database = Database(bootstrapped, "claims")
    async with (
        providers,
        services,
        benefits_app.router.lifespan_context(benefits_app),
        integrations_app.router.lifespan_context(integrations_app),
        claims_app.router.lifespan_context(claims_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=claims_app), base_url="http://claims.test"
        ) as claims,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=hmrc_app), base_url=HMRC_URL) as hmrc,
    ):
        try:
            yield Stack(
                claims,
                hmrc,
                benefits,
                database,
                PiiCipher(bootstrapped),
                token,
                citizen_id,
                people,
                upstreams,
            )
        finally:
            await hmrc.delete("/_simulator/control")
            await database.dispose()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return dict(body)


# --- who may call -------------------------------------------------------------------------------------


async def test_a_citizen_and_staff_without_a_role_are_refused_and_only_team_leaders_assign(
    stack: Stack,
) -> None:
    claim = await stack.seed()
    queue = "/v1/claims/casework/work-items"
    citizen = bearer(stack.token("citizen", subject="someone"))
    problem(await stack.claims.get(queue, headers=citizen), 403)
    problem(await stack.claims.get(queue, headers=stack.staff(roles=())), 403)
    problem(await stack.claims.get(queue, headers=stack.workers()), 403)
    problem(await stack.claims.get(queue), 401)
    read = f"/v1/claims/casework/claims/{claim.id}?purpose=assess"
    problem(await stack.claims.get(read, headers=citizen), 403)
    [item] = await stack.work_items(claim.id)
    assign = f"{queue}/{item['id']}/assign"
    problem(await stack.claims.post(assign, json={"assignee": "staff-b"}, headers=stack.staff()), 403)
    given = await stack.claims.post(
        assign, json={"assignee": "staff-b"}, headers=stack.staff("lead", ("caseworker", "team-leader"))
    )
    assert given.status_code == 200, given.text
    assert given.json()["assigned_to"] == "staff-b"
    # The workers' routes are for the workers' token only.
    held = "/v1/internal/work-items/held-registrations"
    body = {
        "hold_id": "h-1",
        "citizen_id": "c-1",
        "reason": "nino_registered",
        "event_id": "e-1",
        "held_at": "2026-06-10T10:00:00Z",
    }
    problem(await stack.claims.post(held, json=body, headers=stack.staff()), 403)
    problem(await stack.claims.post(held, json=body, headers=stack.workers("citizen")), 403)


# --- the queue --------------------------------------------------------------------------------------------


async def test_two_caseworkers_take_one_item_at_once_one_wins_and_a_stale_if_match_is_412(
    stack: Stack,
) -> None:
    claim = await stack.seed()
    [item] = await stack.work_items(claim.id)
    take = f"/v1/claims/casework/work-items/{item['id']}/take"
    first, second = await asyncio.gather(
        stack.claims.post(take, headers=stack.staff("staff-a")),
        stack.claims.post(take, headers=stack.staff("staff-b")),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    loser = second if winner is first else first
    assert loser.headers["content-type"] == "application/problem+json"
    assert winner.headers["etag"] == '"2"'
    escalate = f"/v1/claims/casework/work-items/{item['id']}/escalate"
    stale = await stack.claims.post(
        escalate,
        json={"reason": "unclear"},
        headers={**stack.staff(winner.json()["assigned_to"]), "If-Match": '"1"'},
    )
    problem(stale, 412)
    problem(await stack.claims.post(escalate, json={"reason": "\u202e"}, headers=stack.staff()), 409)
    fresh = await stack.claims.post(
        escalate, json={"reason": "unclear"}, headers={**stack.staff(), "If-Match": '"2"'}
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["escalated"] is True
    escalated = await stack.claims.get(
        "/v1/claims/casework/work-items", params={"escalated": "true"}, headers=stack.staff()
    )
    assert item["id"] in [i["id"] for i in escalated.json()["items"]]
    assert all(i["escalated"] for i in escalated.json()["items"])


async def test_the_queue_filters_and_pages_and_refuses_hostile_parameters(stack: Stack) -> None:
    for _ in range(3):
        await stack.seed()
    queue = "/v1/claims/casework/work-items"
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "benefit": "universal_credit", "assigned": "false"}
        if cursor:
            params["cursor"] = cursor
        page = await stack.claims.get(queue, params=params, headers=stack.staff())
        assert page.status_code == 200, page.text
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 3
    problem(await stack.claims.get(queue, params={"benefit": "pip"}, headers=stack.staff()), 422)
    problem(await stack.claims.get(queue, params={"older_than_days": "٣"}, headers=stack.staff()), 422)
    problem(await stack.claims.get(queue, params={"cursor": "9999-12-31|x|y"}, headers=stack.staff()), 422)
    # Other tests' claims share the database: the filter shows only ESA, and none of the UC items seen.
    esa = await stack.claims.get(queue, params={"benefit": "new_style_esa"}, headers=stack.staff())
    assert esa.status_code == 200, esa.text
    assert all(item["benefit"] == "new_style_esa" for item in esa.json()["items"])
    assert not {item["id"] for item in esa.json()["items"]} & set(seen)


# --- the assessment and the decision ---------------------------------------------------------------


async def test_a_caseworker_assesses_with_hmrc_earnings_and_awards_and_every_read_is_audited(
    stack: Stack,
) -> None:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    read = await stack.claims.get(base, params={"purpose": "assess the claim"}, headers=stack.staff())
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "submitted"
    started = await stack.claims.post(
        f"{base}/assessment/start", headers={**stack.staff(), "If-Match": read.headers["etag"]}
    )
    assert started.status_code == 200, started.text
    gathered = await stack.claims.post(f"{base}/assessment/evidence", headers=stack.staff())
    assert gathered.status_code == 200, gathered.text
    payments = gathered.json()["earnings"]["payments"]
    assert payments
    assert all("2026-06-10" <= p["paid_on"] <= "2026-07-09" for p in payments)
    decided = await stack.claims.post(
        f"{base}/decisions",
        json={"outcome": "award", "reasons": ["Entitled on the earnings HMRC holds"]},
        headers={**stack.staff(), "If-Match": started.headers["etag"]},
    )
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert body["claim"]["status"] == "awarded"
    decision, assessment = body["decision"], body["assessment"]
    assert decision["amount_pence"] == assessment["award_pence"] >= 0
    assert decision["assessment_id"] == assessment["assessment_id"]
    assert not decision["automated"]
    assert {r["kind"] for r in decision["rights"]} == {"mandatory_reconsideration"}
    assert assessment["explanation"]
    periods = (await stack.claims.get(f"{base}/assessment-periods", headers=stack.staff())).json()["items"]
    assert [(p["period_start"], p["award_pence"]) for p in periods] == [
        (claim.claim_date.isoformat(), decision["amount_pence"])  # type: ignore[union-attr]
    ]
    assert all(
        i["done_at"] is not None for i in await stack.work_items(claim.id) if i["kind"] == "assess_claim"
    )
    trail = await stack.claims.get(
        f"{base}/audit", params={"purpose": "quality check"}, headers=stack.staff("b")
    )
    actions = [(r["action"], r["actor"], r["reason"]) for r in trail.json()["items"]]
    assert ("read", "staff-a", "assess the claim") in actions
    assert [a for a, _, _ in actions if a != "read"] == ["start_assessment", "award"]
    again = await stack.claims.get(
        f"{base}/audit", params={"purpose": "quality check"}, headers=stack.staff("b")
    )
    assert ("read", "b", "audit trail: quality check") in [
        (r["action"], r["actor"], r["reason"]) for r in again.json()["items"]
    ]
    problem(await stack.claims.get(base, headers=stack.staff()), 422)  # a read must say why
    overview = await stack.claims.get("/v1/claims/casework/overview", headers=stack.staff())
    assert overview.json()["by_status"].get("awarded", 0) >= 1
    assert overview.json()["caseworkers_signed_in"] >= 1


async def test_with_the_benefits_service_stopped_the_claim_waits_with_a_work_item_then_goes_on(
    stack: Stack,
) -> None:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    stack.benefits.stopped = True
    decide = {"outcome": "award", "reasons": ["Entitled"]}
    waiting = await stack.claims.post(f"{base}/decisions", json=decide, headers=stack.staff())
    assert waiting.status_code == 202, waiting.text
    body = waiting.json()
    assert (body["status"], body["waiting_on"]) == ("waiting", "benefits")
    items = await stack.work_items(claim.id)
    [held] = [i for i in items if i["kind"] == "provider_unavailable"]
    assert held["id"] == body["work_item_id"]
    assert held["done_at"] is None
    # The breaker opened: asking again costs nothing and reuses the same item.
    again = await stack.claims.post(f"{base}/decisions", json=decide, headers=stack.staff())
    assert again.status_code == 202
    assert again.json()["work_item_id"] == held["id"]
    assert "retry-after" in again.headers
    stack.benefits.stopped = False
    # Its breaker would let a call through after 30 s; a fresh one (as a restarted task has) does now.
    stack.upstreams.benefits.breakers = CircuitBreakers()
    done = await stack.claims.post(f"{base}/decisions", json=decide, headers=stack.staff())
    assert done.status_code == 201, done.text
    [after] = [i for i in await stack.work_items(claim.id) if i["kind"] == "provider_unavailable"]
    assert after["done_at"] is not None


@pytest.mark.parametrize(
    "fault", [{"fault": "error", "status": 503}, {"fault": "slow", "delay_seconds": 3}], ids=["5xx", "slow"]
)
async def test_with_hmrc_failing_the_claim_waits_on_integrations_never_a_500(
    stack: Stack, fault: dict[str, Any]
) -> None:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    fault = await stack.hmrc.put("/_simulator/control", json=fault)
    assert fault.status_code == 200
    gathered = await stack.claims.post(f"{base}/assessment/evidence", headers=stack.staff())
    assert gathered.status_code == 202, gathered.text
    assert gathered.json()["waiting_on"] == "integrations"
    assessed = await stack.claims.post(f"{base}/assessment", headers=stack.staff())
    assert assessed.status_code == 202, assessed.text
    kinds = [i["kind"] for i in await stack.work_items(claim.id) if i["done_at"] is None]
    assert kinds.count("provider_unavailable") == 1


async def test_a_claimant_hmrc_does_not_know_is_asked_for_payslips(stack: Stack) -> None:
    stranger = str(uuid.uuid4())
    stack.people[stranger] = {**SARAH, "given_name": "Gwen", "national_insurance_number": "JG103759A"}
    claim = await stack.seed(citizen_id=stranger)
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    response = await stack.claims.post(f"{base}/assessment", headers=stack.staff())
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["waiting_on"] == "integrations"
    assert body["todo_ids"]
    read = await stack.claims.get(base, params={"purpose": "check the to-do"}, headers=stack.staff())
    assert read.json()["status"] == "awaiting_evidence"
    todos = {t["id"]: t for t in read.json()["todos"]}
    assert [todos[i]["subject"] for i in body["todo_ids"]] == ["payslips"]


# --- the workers' routes --------------------------------------------------------------------------------


async def test_a_held_registration_is_one_work_item_however_often_it_is_forwarded(stack: Stack) -> None:
    body = {
        "hold_id": f"h-{uuid.uuid4()}",
        "citizen_id": "c-1",
        "reason": "nino_registered",
        "event_id": "e-1",
        "held_at": "2026-06-10T23:30:00Z",
    }
    held = "/v1/internal/work-items/held-registrations"
    first = await stack.claims.post(held, json=body, headers=stack.workers())
    again = await stack.claims.post(held, json=body, headers=stack.workers())
    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert first.json()["work_item_id"] == again.json()["work_item_id"]
    problem(await stack.claims.post(held, json={**body, "extra": 1}, headers=stack.workers()), 422)
    problem(
        await stack.claims.post(
            held, json={**body, "hold_id": "h-nul", "reason": "x\x00"}, headers=stack.workers()
        ),
        422,
    )
    queue = await stack.claims.get(
        "/v1/claims/casework/work-items", params={"kind": "held_registration"}, headers=stack.staff()
    )
    assert first.json()["work_item_id"] in [i["id"] for i in queue.json()["items"]]


async def test_the_monthly_run_reads_awards_due_by_shard_and_stores_each_statement_once(stack: Stack) -> None:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    decided = await stack.claims.post(
        f"{base}/decisions", json={"outcome": "award", "reasons": ["Entitled"]}, headers=stack.staff()
    )
    assert decided.status_code == 201, decided.text
    assert claim.claim_date is not None
    start, end = assessment_period_start(claim.claim_date, 1), assessment_period_end(claim.claim_date, 1)
    shards = 3
    found = []
    for shard in range(shards):
        page = await stack.claims.get(
            f"/v1/internal/assessment-periods/{end.isoformat()}/awards",
            params={"shard": shard, "shards": shards, "limit": 1000},
            headers=stack.workers(),
        )
        assert page.status_code == 200, page.text
        found += [(shard, a) for a in contract.DueAwardsPage.model_validate_json(page.text).items]
    mine = [(s, a) for s, a in found if a.claim_id == claim.id]
    assert [s for s, _ in mine] == [contract.shard_of(claim.id, shards)]
    due = mine[0][1]
    assert (due.period_start, due.period_end, due.statement_stored) == (start, end, False)
    assert due.previous is not None
    assert due.previous.award_pence == decided.json()["decision"]["amount_pence"]
    # The circumstances are what the benefits API takes for the period.
    from dwp.benefits.schemas import UCCircumstances

    UCCircumstances.model_validate(due.circumstances)
    statement = f"/v1/internal/claims/{claim.id}/assessment-periods/{end.isoformat()}/statement"
    body = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "award_pence": 12_345,
        "run_date": end.isoformat(),
        "carried_state": {"surplus_earnings": 0},
    }
    first = await stack.claims.put(statement, json=body, headers=stack.workers())
    again = await stack.claims.put(statement, json={**body, "award_pence": 1}, headers=stack.workers())
    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert again.json()["award_pence"] == 12_345
    assert again.json()["statement_id"] == first.json()["statement_id"]
    later = assessment_period_end(claim.claim_date, 4)
    wrong = f"/v1/internal/claims/{claim.id}/assessment-periods/{later.isoformat()}/statement"
    problem(
        await stack.claims.put(
            wrong,
            json={**body, "period_end": later.isoformat(), "period_start": end.isoformat()},
            headers=stack.workers(),
        ),
        409,
    )
    for day in ("9999-99-99", "9999-12-31", "0001-01-01", "2026-1\u0662-01"):
        problem(
            await stack.claims.get(f"/v1/internal/assessment-periods/{day}/awards", headers=stack.workers()),
            422,
        )
    far = f"/v1/internal/claims/{claim.id}/assessment-periods/9999-12-31/statement"
    problem(
        await stack.claims.put(
            far,
            json={**body, "period_end": "9999-12-31", "period_start": "9999-12-01"},
            headers=stack.workers(),
        ),
        422,
    )
    next_month = await stack.claims.get(
        f"/v1/internal/assessment-periods/{end.isoformat()}/awards",
        params={"shard": contract.shard_of(claim.id, 1), "shards": 1},
        headers=stack.workers(),
    )
    [stored] = [
        a for a in contract.DueAwardsPage.model_validate_json(next_month.text).items if a.claim_id == claim.id
    ]
    assert stored.statement_stored is True


async def _awarded(stack: Stack) -> tuple[str, date, date, date]:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    decided = await stack.claims.post(
        f"{base}/decisions", json={"outcome": "award", "reasons": ["Entitled"]}, headers=stack.staff()
    )
    assert decided.status_code == 201, decided.text
    assert claim.claim_date is not None
    first = claim.claim_date
    return claim.id, first, assessment_period_start(first, 1), assessment_period_end(first, 1)


async def test_the_bulk_store_keeps_a_page_of_statements_in_one_go_each_once(stack: Stack) -> None:
    first_claim, claim_date, start, end = await _awarded(stack)
    second_claim, _, start_2, end_2 = await _awarded(stack)
    assert (start, end) == (start_2, end_2)  # seeded on the same day: periods end together
    path = contract.STATEMENTS_PATH.format(period_end=end.isoformat())

    def item(claim_id: str, award: int, **overrides: Any) -> dict[str, Any]:
        return {"claim_id": claim_id, "period_start": start.isoformat(), "period_end": end.isoformat(),
                "award_pence": award, "run_date": end.isoformat(),
                "carried_state": {"grace_months_left": 0, "qualifying_earnings_months": 0},
                "lines": [{"kind": "result", "text_en": "UC", "text_cy": "CC", "amount_pence": award,
                           "regulation": "UC Regs 2013 reg 22"}], **overrides}  # fmt: skip

    later = assessment_period_end(claim_date, 4)
    page = [item(first_claim, 1_111), item(second_claim, 2_222), item("no-such-claim", 3)]
    stored = await stack.claims.post(path, json={"items": page}, headers=stack.workers())
    assert stored.status_code == 200, stored.text
    answer = contract.StoredStatements.model_validate_json(stored.text)
    assert [(i.claim_id, i.outcome, i.award_pence) for i in answer.items] == [
        (first_claim, "created", 1_111),
        (second_claim, "created", 2_222),
        ("no-such-claim", "not_found", None),
    ]
    # A rerun of the page (a worker killed after the store) stores nothing twice and changes nothing.
    rerun = [item(first_claim, 9), item(second_claim, 9)]
    again = contract.StoredStatements.model_validate_json(
        (await stack.claims.post(path, json={"items": rerun}, headers=stack.workers())).text
    )
    assert [(i.outcome, i.award_pence, i.statement_id) for i in again.items] == [
        ("already_stored", 1_111, answer.items[0].statement_id),
        ("already_stored", 2_222, answer.items[1].statement_id),
    ]
    # The single store agrees: the period is stored.
    single = f"/v1/internal/claims/{first_claim}/assessment-periods/{end.isoformat()}/statement"
    one = {k: v for k, v in item(first_claim, 5).items() if k != "claim_id"}
    assert (await stack.claims.put(single, json=one, headers=stack.workers())).json()["award_pence"] == 1_111
    # Not the award's current period: answered as such, and the page's others go on.
    later_path = contract.STATEMENTS_PATH.format(period_end=later.isoformat())
    off = item(first_claim, 7, period_start=end.isoformat(), period_end=later.isoformat())
    late = await stack.claims.post(later_path, json={"items": [off]}, headers=stack.workers())
    assert late.status_code == 200, late.text
    assert late.json()["items"][0]["outcome"] == "not_current"
    # Not a page: each a 422 problem naming the item.
    for body, pointer in (
        ({"items": [item(first_claim, 1), item(second_claim, 1, period_end=later.isoformat())]},
         "#/items/1/period_end"),
        ({"items": [item(first_claim, 1), item(first_claim, 2)]}, "#/items/1/claim_id"),
        ({"items": [item(first_claim, 1), {**item(second_claim, 1), "unknown": 1}]}, "#/items/1/unknown"),
        ({"items": []}, "#/items"),
        ({"items": [item(f"c-{n}", 1) for n in range(contract.MAX_STATEMENTS + 1)]}, "#/items"),
    ):  # fmt: skip
        refused = problem(await stack.claims.post(path, json=body, headers=stack.workers()), 422)
        assert pointer in [e["pointer"] for e in refused["errors"]], refused
    for token in (
        stack.staff(),
        bearer(stack.token("citizen", subject="someone-else")),
        stack.workers("claims"),
    ):
        assert (await stack.claims.post(path, json={"items": page}, headers=token)).status_code == 403


async def test_a_bulk_stored_claim_id_that_is_no_id_is_a_422_naming_it_not_a_500(stack: Stack) -> None:
    claim_id, _, start, end = await _awarded(stack)
    path = contract.STATEMENTS_PATH.format(period_end=end.isoformat())
    good = {"claim_id": claim_id, "period_start": start.isoformat(), "period_end": end.isoformat(),
            "award_pence": 100, "run_date": end.isoformat()}  # fmt: skip
    for field, bad in (
        ("claim_id", "claim\x00id"),
        ("claim_id", "a" * 65),
        ("claim_id", "x'; DROP TABLE claims; --"),
        ("claim_id", "../x"),
        ("claim_id", "\u202eclaim"),
        ("claim_id", ""),
        ("assessment_id", "assessment\x00id"),
        ("assessment_id", "b" * 65),
    ):
        body = {"items": [good, {**good, "claim_id": "other-claim", field: bad}]}
        refused = problem(await stack.claims.post(path, json=body, headers=stack.workers()), 422)
        assert f"#/items/1/{field}" in [e["pointer"] for e in refused["errors"]], (field, bad, refused)
    # The single store takes the same assessment ids, and nothing was stored by the refused pages.
    single = f"/v1/internal/claims/{claim_id}/assessment-periods/{end.isoformat()}/statement"
    one = {k: v for k, v in good.items() if k != "claim_id"}
    nul = {**one, "assessment_id": "c\x00"}
    problem(await stack.claims.put(single, json=nul, headers=stack.workers()), 422)
    stored = await stack.claims.post(path, json={"items": [good]}, headers=stack.workers())
    assert [i["outcome"] for i in stored.json()["items"]] == ["created"], stored.text


async def test_metrics_show_the_waiting_per_caseworker_gauge(stack: Stack) -> None:
    await stack.seed()
    await stack.claims.get("/v1/claims/casework/work-items", headers=stack.staff())
    from dwp.claims import metrics

    line = await metrics.publish_once(stack.claims._transport.app.state.claims_context)  # type: ignore[attr-defined]
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "DWP/Claims"
    assert line["CaseworkersSignedIn"] >= 1
    text = (await stack.claims.get("/metrics")).text
    assert "dwp_claims_waiting_per_caseworker" in text
    figure = [ln for ln in text.splitlines() if ln.startswith("dwp_claims_waiting_per_caseworker ")]
    assert float(figure[0].split()[1]) == line["ClaimsWaitingPerCaseworker"]
    json.dumps(line)


async def test_the_notifications_worker_reads_a_decisions_facts_and_nobody_else_may(stack: Stack) -> None:
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    decided = await stack.claims.post(
        f"{base}/decisions",
        json={"outcome": "disallow", "reasons": ["Capital over £16,000"]},
        headers=stack.staff(),
    )
    decision_id = decided.json()["decision"]["id"]
    facts = f"/v1/internal/claims/{claim.id}/notification-facts"
    read = await stack.claims.get(facts, params={"decision_id": decision_id}, headers=stack.workers())
    assert read.status_code == 200, read.text
    parsed = contract.NotificationFacts.model_validate_json(read.text)
    assert parsed.decision is not None
    assert parsed.decision.outcome == "disallow"
    assert "16,000" not in read.text
    problem(await stack.claims.get(facts, params={"todo_id": "nope"}, headers=stack.workers()), 404)
    problem(await stack.claims.get(facts, headers=stack.staff()), 403)
    problem(
        await stack.claims.get(
            f"/v1/internal/claims/{uuid.uuid4()}/notification-facts", headers=stack.workers()
        ),
        404,
    )
