"""The claims service over HTTP, on SQLite and on PostgreSQL, with the embedded AWS endpoint: two citizens
interleaved each see only their own claims, hostile input is a 422 problem naming its field, a forbidden
move is 409, a stale If-Match 412 and a missing one 428, an Idempotency-Key used twice makes one claim,
and a joint claim's partner joins with the code under their own sign-in."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlalchemy import func, select

from dwp.claims.domain.answers import SECTIONS, ClaimType
from dwp.claims.repository import claims, outbox, partner_invites
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.integration.conftest import bearer, serve
from tests.unit.claims.conftest import ANSWERS

pytestmark = pytest.mark.integration


def section_bodies(claim_type: ClaimType) -> dict[str, Any]:
    """The test answers of each section, as the JSON a citizen's browser sends."""
    shapes = SECTIONS[claim_type]
    return {
        name: TypeAdapter(shapes[name]).dump_python(section, mode="json")
        for name, section in ANSWERS[claim_type]().items()
    }


@pytest.fixture
async def api(bootstrapped: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from dwp.claims.app import build_app

    await asyncio.to_thread(upgrade, "claims", bootstrapped)
    app = build_app(bootstrapped)
    async with serve(app) as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return dict(response.json())


async def start(api: httpx.AsyncClient, token: str, claim_type: str = "universal_credit", **kw: Any):
    headers = bearer(token, **kw.pop("headers", {}))
    response = await api.post("/v1/claims", json={"claim_type": claim_type, **kw}, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def fill(api: httpx.AsyncClient, token: str, claim_id: str, etag: str, claim_type: ClaimType) -> str:
    for name, body in section_bodies(claim_type).items():
        saved = await api.put(
            f"/v1/claims/{claim_id}/sections/{name}", json=body, headers=bearer(token, **{"If-Match": etag})
        )
        assert saved.status_code == 200, saved.text
        etag = saved.headers["etag"]
        for question in saved.json()["questions"]:
            confirmed = await api.post(
                f"/v1/claims/{claim_id}/confirmations",
                json={"question": question["key"]},
                headers=bearer(token, **{"If-Match": etag}),
            )
            assert confirmed.status_code == 200, confirmed.text
            etag = confirmed.headers["etag"]
    return etag


async def submit(api: httpx.AsyncClient, token: str, claim_id: str, etag: str, **headers: str):
    return await api.post(
        f"/v1/claims/{claim_id}/submission",
        json={"declaration": "2026-12"},
        headers=bearer(token, **{"If-Match": etag, **headers}),
    )


@pytest.mark.parametrize("claim_type", list(ClaimType))
async def test_a_citizen_starts_fills_in_and_submits_a_claim(
    api: httpx.AsyncClient, tokens: Callable[..., str], claim_type: ClaimType
) -> None:
    token = tokens()
    started = await start(api, token, claim_type.value)
    claim = started.json()
    assert started.headers["location"] == f"/v1/claims/{claim['id']}"
    assert started.headers["etag"] == '"1"'
    assert {t["state"] for t in claim["tasks"]} == {"not_started"}
    etag = await fill(api, token, claim["id"], started.headers["etag"], claim_type)
    read = await api.get(f"/v1/claims/{claim['id']}", headers=bearer(token))
    assert read.headers["etag"] == etag
    assert {t["state"] for t in read.json()["tasks"]} == {"completed"}
    done = await submit(api, token, claim["id"], etag)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted"
    todos = (await api.get(f"/v1/claims/{claim['id']}/todos", headers=bearer(token))).json()["items"]
    assert "accept_claimant_commitment" in {t["kind"] for t in todos}
    # The change, its audit and its events are in one transaction: the outbox holds the submission.
    database = api._transport.app.state.claims_context.database  # type: ignore[attr-defined]
    async with database.read() as connection:
        kinds = (await connection.execute(select(outbox.c.event_type))).scalars().all()
        sealed = (await connection.execute(select(claims.c.document_sealed))).scalars().first()
    assert "claims.submitted" in kinds
    assert "Riverside" not in sealed  # answers are sealed at rest
    assert "Warehouse" not in sealed


async def test_two_citizens_interleaved_see_only_their_own_claims(
    api: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    alice, bob = tokens(), tokens()
    a1 = (await start(api, alice)).json()["id"]
    b1 = (await start(api, bob, "new_style_jsa")).json()["id"]
    a2 = (await start(api, alice, "new_style_esa")).json()["id"]
    mine = (await api.get("/v1/claims", headers=bearer(alice))).json()["items"]
    assert [c["id"] for c in mine] == [a2, a1]
    assert [c["id"] for c in (await api.get("/v1/claims", headers=bearer(bob))).json()["items"]] == [b1]
    for path in ("", "/todos", "/journal", "/decisions"):
        assert_problem(await api.get(f"/v1/claims/{a1}{path}", headers=bearer(bob)), 404)
    # Not even a stale If-Match or a forbidden move tells Bob that Alice's claim exists.
    assert_problem(
        await api.post(f"/v1/claims/{a1}/appeal", json={}, headers=bearer(bob, **{"If-Match": '"7"'})),
        404,
    )
    missing = assert_problem(await api.get(f"/v1/claims/{uuid.uuid4()}", headers=bearer(bob)), 404)
    theirs = assert_problem(await api.get(f"/v1/claims/{a1}", headers=bearer(bob)), 404)
    assert {k: v for k, v in missing.items() if k != "instance"} == {
        k: v for k, v in theirs.items() if k != "instance"
    }
    staff = tokens("caseworker", roles=["caseworker"])
    assert_problem(await api.get("/v1/claims", headers=bearer(staff)), 403)


async def test_forbidden_moves_and_preconditions(api: httpx.AsyncClient, tokens: Callable[..., str]) -> None:
    token = tokens()
    started = await start(api, token)
    claim_id, etag = started.json()["id"], started.headers["etag"]
    moved = assert_problem(
        await api.post(f"/v1/claims/{claim_id}/appeal", json={}, headers=bearer(token, **{"If-Match": etag})),
        409,
    )
    assert moved["type"].endswith("/move-not-allowed")
    assert moved["claim_status"] == "draft"
    incomplete = assert_problem(await submit(api, token, claim_id, etag), 422)
    assert "household" in incomplete["sections"]
    body = section_bodies(ClaimType.UNIVERSAL_CREDIT)["capital"]
    path = f"/v1/claims/{claim_id}/sections/capital"
    assert_problem(await api.put(path, json=body, headers=bearer(token)), 428)
    saved = await api.put(path, json=body, headers=bearer(token, **{"If-Match": etag}))
    assert saved.status_code == 200
    assert_problem(await api.put(path, json=body, headers=bearer(token, **{"If-Match": etag})), 412)
    assert_problem(await api.put(path, json=body, headers=bearer(token, **{"If-Match": 'W/"2"'})), 412)
    withdrawn = await api.post(
        f"/v1/claims/{claim_id}/withdrawal",
        json={},
        headers=bearer(token, **{"If-Match": saved.headers["etag"]}),
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert_problem(await submit(api, token, claim_id, withdrawn.headers["etag"]), 409)


def housing(landlord: str) -> dict[str, Any]:
    rent = {"pence": 12_500, "frequency": "weekly"}
    return {
        "tenure": "social_rent",
        "bedrooms": 2,
        "rent": rent,
        "landlord": {"kind": "council", "name": landlord},
    }


FULLWIDTH_DATE = "\uff12\uff10\uff11\uff19-01-01"  # 2019 in fullwidth digits


@pytest.mark.parametrize(
    ("section", "body", "pointer"),
    [
        ("capital", {"savings_pence": 1, "smuggled": True}, "#/smuggled"),
        ("capital", {"savings_pence": "١٢٣"}, "#/savings_pence"),  # Arabic-Indic digits
        ("capital", {"savings_pence": "123"}, "#/savings_pence"),  # a number is a JSON number
        ("household", {"lives_with_partner": True}, "#/partner"),  # the domain's rule, not the shape
        (
            "household",
            {"lives_with_partner": False, "children": [{"date_of_birth": "9999-12-31", "sex": "F"}]},
            "#/children/0/date_of_birth",
        ),
        (
            "household",
            {"lives_with_partner": False, "children": [{"date_of_birth": FULLWIDTH_DATE, "sex": "F"}]},
            "#/children/0/date_of_birth",
        ),
        ("housing", housing("A\u0000B"), "#/landlord/name"),  # NUL
        ("housing", housing("A\u202eB"), "#/landlord/name"),  # a right-to-left override
        ("capital", {"savings_pence": 10**30}, "#/savings_pence"),
    ],
)
async def test_hostile_answers_are_422_naming_the_field(
    api: httpx.AsyncClient, tokens: Callable[..., str], section: str, body: dict, pointer: str
) -> None:
    token = tokens()
    started = await start(api, token)
    response = await api.put(
        f"/v1/claims/{started.json()['id']}/sections/{section}",
        json=body,
        headers=bearer(token, **{"If-Match": started.headers["etag"]}),
    )
    problem = assert_problem(response, 422)
    assert problem["errors"], problem
    assert pointer in {e["pointer"] for e in problem["errors"]}, problem
    unchanged = await api.get(f"/v1/claims/{started.json()['id']}", headers=bearer(token))
    assert unchanged.headers["etag"] == '"1"'


async def test_huge_and_malformed_bodies_are_problems(
    api: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    token = tokens()
    started = await start(api, token)
    headers = bearer(token, **{"If-Match": started.headers["etag"], "Content-Type": "application/json"})
    path = f"/v1/claims/{started.json()['id']}/sections/household"
    huge = (
        b'{"lives_with_partner": false, "children": ['
        + b",".join([b'{"date_of_birth": "2019-03-02", "sex": "F"}'] * 60_000)
        + b"]}"
    )
    too_big = await api.put(path, content=huge, headers=headers)
    assert too_big.status_code in (413, 422), too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    assert_problem(await api.put(path, content=b'{"lives_with_partner": tru', headers=headers), 422)
    assert_problem(await api.put(f"{path}x", content=b"{}", headers=headers), 404)
    assert_problem(
        await api.post("/v1/claims", json={"claim_type": "pension_credit"}, headers=bearer(token)), 422
    )


async def test_the_same_idempotency_key_twice_makes_one_claim(
    api: httpx.AsyncClient, tokens: Callable[..., str], bootstrapped: Settings
) -> None:
    token = tokens()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await start(api, token, headers=key)
    again = await start(api, token, headers=key)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await api.get("/v1/claims", headers=bearer(token))).json()["items"]) == 1
    other = await api.post("/v1/claims", json={"claim_type": "new_style_jsa"}, headers=bearer(token, **key))
    assert_problem(other, 422)
    # And on submission: a retry replays the submission, it does not submit twice.
    claim_id = first.json()["id"]
    etag = await fill(api, token, claim_id, first.headers["etag"], ClaimType.UNIVERSAL_CREDIT)
    submit_key = {"Idempotency-Key": str(uuid.uuid4())}
    done = await submit(api, token, claim_id, etag, **submit_key)
    retried = await submit(api, token, claim_id, etag, **submit_key)
    assert done.status_code == retried.status_code == 200
    assert retried.json() == done.json()
    database = api._transport.app.state.claims_context.database  # type: ignore[attr-defined]
    async with database.read() as connection:
        submitted = await connection.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.event_type == "claims.submitted", outbox.c.envelope.contains(claim_id))
        )
        assert submitted.scalar_one() == 1


async def test_a_partner_joins_a_joint_claim_with_the_code(
    api: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    alice = tokens()
    bob = tokens(level_of_confidence="P0")  # not yet proven: verifying is then a to-do for him
    started = await start(api, alice, joint=True)
    claim_id = started.json()["id"]
    bodies = section_bodies(ClaimType.UNIVERSAL_CREDIT)
    bodies["household"] = {"lives_with_partner": True, "partner": {"date_of_birth": "1991-03-03"}}
    etag = started.headers["etag"]
    for name, body in bodies.items():
        saved = await api.put(
            f"/v1/claims/{claim_id}/sections/{name}", json=body, headers=bearer(alice, **{"If-Match": etag})
        )
        assert saved.status_code == 200, saved.text
        etag = saved.headers["etag"]
    assert_problem(await submit(api, alice, claim_id, etag), 409)
    invited = await api.post(
        f"/v1/claims/{claim_id}/partner-invitation", headers=bearer(alice, **{"If-Match": etag})
    )
    assert invited.status_code == 201, invited.text
    code = invited.json()["code"]
    database = api._transport.app.state.claims_context.database  # type: ignore[attr-defined]
    async with database.read() as connection:
        digests = (await connection.execute(select(partner_invites.c.code_digest))).scalars().all()
    assert code not in digests
    assert_problem(await api.post("/v1/claims/join", json={"code": code}, headers=bearer(alice)), 403)
    assert_problem(await api.post("/v1/claims/join", json={"code": "WRONG-CODE"}, headers=bearer(bob)), 422)
    joined = await api.post("/v1/claims/join", json={"code": code}, headers=bearer(bob))
    assert joined.status_code == 200, joined.text
    assert joined.json()["role"] == "partner"
    assert [c["id"] for c in (await api.get("/v1/claims", headers=bearer(bob))).json()["items"]] == [claim_id]
    eve = tokens()
    assert_problem(await api.post("/v1/claims/join", json={"code": code}, headers=bearer(eve)), 422)
    confirmed = await api.post(
        f"/v1/claims/{claim_id}/partner-confirmation",
        json={"declaration": "2026-12"},
        headers=bearer(bob, **{"If-Match": joined.headers["etag"]}),
    )
    assert confirmed.status_code == 200, confirmed.text
    done = await submit(api, alice, claim_id, confirmed.headers["etag"])
    assert done.status_code == 200, done.text
    subjects = {t["subject"] for t in done.json()["todos"] if t["kind"] == "verify_identity"}
    assert subjects == {"partner"}


async def test_the_journal_is_the_claimants(api: httpx.AsyncClient, tokens: Callable[..., str]) -> None:
    alice, bob = tokens(), tokens()
    claim_id = (await start(api, alice)).json()["id"]
    posted = await api.post(
        f"/v1/claims/{claim_id}/journal", json={"text": "Hello DWP"}, headers=bearer(alice)
    )
    assert posted.status_code == 201, posted.text
    assert_problem(
        await api.post(f"/v1/claims/{claim_id}/journal", json={"text": "bad\u0000"}, headers=bearer(alice)),
        422,
    )
    assert_problem(
        await api.post(f"/v1/claims/{claim_id}/journal", json={"text": "hi"}, headers=bearer(bob)), 404
    )
    read = (await api.get(f"/v1/claims/{claim_id}/journal", headers=bearer(alice))).json()["items"]
    assert [(e["text"], e["side"], e["mine"]) for e in read] == [("Hello DWP", "citizen", True)]


async def test_two_saves_against_one_version_at_once_one_wins(
    api: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    token = tokens()
    started = await start(api, token)
    path = f"/v1/claims/{started.json()['id']}/sections/capital"
    headers = bearer(token, **{"If-Match": started.headers["etag"]})
    answers = await asyncio.gather(
        *(api.put(path, json={"savings_pence": pence}, headers=headers) for pence in (100, 200, 300))
    )
    assert sorted(a.status_code for a in answers) == [200, 412, 412], [a.text for a in answers]
    (winner,) = [a for a in answers if a.status_code == 200]
    read = await api.get(f"/v1/claims/{started.json()['id']}", headers=bearer(token))
    assert read.json()["answers"]["capital"] == winner.json()["claim"]["answers"]["capital"]
    assert read.headers["etag"] == '"2"'


async def test_a_reconsideration_is_asked_within_the_limits(
    api: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    """In time within a month of the decision, late with reasons up to 13 months, never after."""
    from datetime import timedelta

    from dwp.claims import service
    from dwp.claims.domain import lifecycle as L
    from dwp.claims.domain.model import Actor

    token = tokens()
    started = await start(api, token, "new_style_jsa")
    claim_id = started.json()["id"]
    etag = await fill(api, token, claim_id, started.headers["etag"], ClaimType.NEW_STYLE_JSA)
    assert (await submit(api, token, claim_id, etag)).status_code == 200
    ctx = api._transport.app.state.claims_context  # type: ignore[attr-defined]
    staff = Actor("staff-a", "caseworker", frozenset({"caseworker"}))
    # A caseworker's decision, made through the service's seam (the casework routes are another module's).
    await service.change_claim(
        ctx,
        claim_id=claim_id,
        actor=staff,
        apply=lambda c: L.start_assessment(c, actor=staff, at=ctx.clock()),
    )
    decided = await service.change_claim(
        ctx,
        claim_id=claim_id,
        actor=staff,
        apply=lambda c: L.disallow(
            c, actor=staff, at=ctx.clock(), decision_id=str(uuid.uuid4()), reasons=("not available",)
        ),
    )
    decisions = (await api.get(f"/v1/claims/{claim_id}/decisions", headers=bearer(token))).json()["items"]
    rights = {r["kind"]: r for r in decisions[0]["rights"]}
    assert rights["mandatory_reconsideration"]["source"].startswith("UC, PIP, JSA and ESA")
    real_clock = ctx.clock
    path, headers = (
        f"/v1/claims/{claim_id}/reconsideration-request",
        bearer(token, **{"If-Match": f'"{decided.version}"'}),
    )
    try:
        ctx.clock = lambda: real_clock() + timedelta(days=400)  # past 13 months
        too_late = assert_problem(
            await api.post(path, json={"grounds": "wrong", "late_reasons": "ill"}, headers=headers), 422
        )
        assert too_late["type"].endswith("/too-late")
        ctx.clock = lambda: real_clock() + timedelta(days=60)  # late: reasons needed
        late = assert_problem(await api.post(path, json={"grounds": "I was available"}, headers=headers), 422)
        assert late["errors"][0]["pointer"] == "#/late_reasons"
        asked = await api.post(
            path, json={"grounds": "I was available", "late_reasons": "I was in hospital"}, headers=headers
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "reconsideration"
    finally:
        ctx.clock = real_clock


async def test_the_journal_pages_with_a_cursor(api: httpx.AsyncClient, tokens: Callable[..., str]) -> None:
    token = tokens()
    claim_id = (await start(api, token, "new_style_esa")).json()["id"]
    sent = [f"message {n}" for n in range(5)]
    for text in sent:
        posted = await api.post(f"/v1/claims/{claim_id}/journal", json={"text": text}, headers=bearer(token))
        assert posted.status_code == 201, posted.text
    read, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await api.get(f"/v1/claims/{claim_id}/journal", params=params, headers=bearer(token))
        assert page.status_code == 200, page.text
        read += [e["text"] for e in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert read == sent
    bad = await api.get(
        f"/v1/claims/{claim_id}/journal", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=bearer(token)
    )
    assert_problem(bad, 422)
