"""Evidence through the claims service's HTTP API, against the embedded AWS endpoint, with real
uploads: the citizen asks for a form, POSTs the file to it as a browser does, and says it is done.

moto does not enforce POST policies, so each case also holds the service to the policy it issued (the
form's decoded policy) and checks what it does with the object on the server side: too big, a PNG
named .pdf, never arriving, the EICAR test file, empty; another citizen's to-do (404); a caseworker's
link that lives at most 5 minutes (read from the URL, not waited for), audited each time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.evidence import UPLOAD_POLICY
from dwp.claims.domain.model import Actor, Claim, Claimant, TodoKind
from dwp.claims.evidence_store import ACCEPTED, EvidenceStore, PresignedPost
from dwp.claims.service import ClaimsContext
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.integration.conftest import bearer, serve
from tests.unit.claims.conftest import uc_answers

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)
# The EICAR test file, assembled here so that no file in the repository is it.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*").encode()


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    ctx: ClaimsContext
    clock: Clock
    tokens: Callable[..., str]

    @property
    def store(self) -> EvidenceStore:
        store: EvidenceStore = self.app.state.evidence.store
        return store


@pytest.fixture
async def claims(bootstrapped: Settings, tokens: Callable[..., str]) -> AsyncIterator[Service]:
    from dwp.claims.app import build_app

    await asyncio.to_thread(upgrade, "claims", bootstrapped)
    app = build_app(bootstrapped)
    async with serve(app) as http:
        ctx: ClaimsContext = app.state.claims_context
        clock = Clock(datetime.now(UTC))
        ctx.clock = clock
        yield Service(app, http, ctx, clock, tokens)


async def a_submitted_claim(service: Service, subject: str) -> Claim:
    """A submitted UC claim of `subject` with its to-dos (renting: a tenancy agreement to upload),
    stored as the service stores claims."""
    at = service.clock.now
    claim = L.start_claim(
        claim_id=str(uuid.uuid4()),
        claim_type=ClaimType.UNIVERSAL_CREDIT,
        claimant=Claimant(subject, identity_verified=True, date_of_birth=datetime(1990, 5, 17).date()),
        at=at,
    ).claim
    actor = Actor(subject, "citizen")
    for name, section in uc_answers().items():
        t, questions = L.save_section(claim, name, section, actor=actor, at=at)
        claim = t.claim
        for q in questions:
            claim = L.confirm_answer(claim, q.key, actor=actor, at=at).claim
    claim = L.submit(claim, actor=actor, at=at, declaration="v1", new_id=lambda: str(uuid.uuid4())).claim
    async with service.ctx.uow() as uow:
        await uow.repository.add(claim, at)
    return claim


def evidence_todo(claim: Claim) -> str:
    return claim.open_todos(TodoKind.UPLOAD_EVIDENCE)[0].id


def citizen(service: Service, subject: str) -> dict[str, str]:
    return bearer(service.tokens("citizen", subject=subject, citizen_id=str(uuid.uuid4())))


def caseworker(service: Service, subject: str = "staff-a") -> dict[str, str]:
    return bearer(service.tokens("caseworker", subject=subject, roles=["caseworker"]))


async def ask_to_upload(
    service: Service, claim: Claim, subject: str, content_type: str = "application/pdf"
) -> dict[str, Any]:
    response = await service.http.post(
        f"/v1/claims/{claim.id}/todos/{evidence_todo(claim)}/uploads",
        json={"content_type": content_type},
        headers=citizen(service, subject),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def browser_post(form: dict[str, Any], content: bytes, filename: str) -> httpx.Response:
    """The SPA's part: the form's fields, then the file, as multipart/form-data straight to S3."""
    async with httpx.AsyncClient() as http:
        return await http.post(
            form["url"], data=form["fields"], files={"file": (filename, content, "application/pdf")}
        )


async def say_done(service: Service, claim: Claim, subject: str, upload_id: str) -> httpx.Response:
    return await service.http.post(
        f"/v1/claims/{claim.id}/uploads/{upload_id}/completion", headers=citizen(service, subject)
    )


def policy_of(form: dict[str, Any]) -> dict[str, Any]:
    return PresignedPost(form["url"], form["fields"], form["fields"]["key"], datetime.now(UTC)).policy()


async def open_todos(service: Service, claim: Claim, subject: str) -> set[str]:
    response = await service.http.get(f"/v1/claims/{claim.id}/todos", headers=citizen(service, subject))
    assert response.status_code == 200, response.text
    return {t["id"] for t in response.json()["items"]}


async def test_an_accepted_upload_closes_the_to_do_and_a_caseworker_gets_an_audited_5_minute_link(
    claims: Service,
) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    todo = evidence_todo(claim)
    form = await ask_to_upload(claims, claim, subject)
    policy = policy_of(form)
    assert ["content-length-range", 1, UPLOAD_POLICY.max_bytes] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"x-amz-server-side-encryption": "aws:kms"} in policy["conditions"]
    assert form["upload"]["state"] == "awaiting"

    assert (await browser_post(form, PDF, "tenancy.pdf")).status_code == 204
    done = await say_done(claims, claim, subject, form["upload"]["id"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "accepted"
    assert done.json()["detected_type"] == "application/pdf"
    assert todo not in await open_todos(claims, claim, subject)
    # Saying it again changes nothing.
    again = await say_done(claims, claim, subject, form["upload"]["id"])
    assert again.json()["state"] == "accepted"
    # The to-do is done: no more forms for it.
    closed = await claims.http.post(
        f"/v1/claims/{claim.id}/todos/{todo}/uploads",
        json={"content_type": "application/pdf"},
        headers=citizen(claims, subject),
    )
    assert closed.status_code == 403, closed.text
    assert closed.headers["content-type"] == "application/problem+json"

    # The citizen may not have a link; a caseworker may, for 5 minutes, and each is audited.
    path = f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}/download-link"
    refused = await claims.http.post(path, json={"purpose": "x"}, headers=citizen(claims, subject))
    assert refused.status_code == 403
    for _ in range(2):
        link = await claims.http.post(path, json={"purpose": "check tenancy"}, headers=caseworker(claims))
        assert link.status_code == 201, link.text
        query = parse_qs(urlsplit(link.json()["url"]).query)
        assert int(query["X-Amz-Expires"][0]) <= 300
        expires = datetime.fromisoformat(link.json()["expires_at"])
        assert expires - claims.clock.now <= timedelta(minutes=5)
        assert urlsplit(link.json()["url"]).path.endswith(f"{ACCEPTED}{form['upload']['id']}")
    async with httpx.AsyncClient() as http:
        downloaded = await http.get(link.json()["url"])
    assert downloaded.content == PDF
    assert downloaded.headers["content-disposition"].startswith("attachment")
    async with claims.ctx.uow(read_only=True) as uow:
        trail = await uow.repository.audit_trail(claim.id)
    rows = [r for r in trail if r["action"] == "evidence_link_issued"]
    assert len(rows) == 2
    assert {r["actor"] for r in rows} == {"staff-a"}
    assert {r["reason"] for r in rows} == {"check tenancy"}
    assert {r["after"]["upload"] for r in rows} == {form["upload"]["id"]}
    # The test's clock stands still, so the trail's order among these is the ids': compare as counts.
    assert [r["action"] for r in trail].count("evidence_accepted") == 1
    listed = await claims.http.get(f"/v1/claims/{claim.id}/uploads", headers=caseworker(claims))
    assert [u["state"] for u in listed.json()["items"]] == ["accepted"]


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (PNG, "tenancy.pdf", "not_what_it_says"),  # a PNG named .pdf and declared a PDF
        (b"MZ\x90\x00" + bytes(100), "tenancy.pdf", "type_not_allowed"),
        (b"", "tenancy.pdf", "empty"),
    ],
)
async def test_a_refused_upload_says_why_and_the_to_do_stays_open(
    claims: Service, content: bytes, filename: str, reason: str
) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    await browser_post(form, content, filename)  # moto takes it whatever the policy says
    done = await say_done(claims, claim, subject, form["upload"]["id"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "refused"
    assert done.json()["refusal"] == reason
    assert done.json()["message"]
    assert evidence_todo(claim) in await open_todos(claims, claim, subject)
    # Never linked, never listed to a caseworker.
    link = await claims.http.post(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}/download-link",
        json={"purpose": "x"},
        headers=caseworker(claims),
    )
    assert link.status_code == 404
    assert link.headers["content-type"] == "application/problem+json"
    listed = await claims.http.get(f"/v1/claims/{claim.id}/uploads", headers=caseworker(claims))
    assert listed.json()["items"] == []


async def test_too_big_is_refused_by_the_policy_and_by_the_service(claims: Service) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    (limit,) = [c for c in policy_of(form)["conditions"] if isinstance(c, list)]
    too_big = PDF + bytes(UPLOAD_POLICY.max_bytes + 1 - len(PDF))
    assert len(too_big) > limit[2]  # S3 would refuse this POST (EntityTooLarge); moto lets it in
    await browser_post(form, too_big, "tenancy.pdf")
    done = await say_done(claims, claim, subject, form["upload"]["id"])
    assert done.json()["refusal"] == "too_big"
    assert done.json()["size"] == len(too_big)
    assert evidence_todo(claim) in await open_todos(claims, claim, subject)


async def test_an_upload_that_never_arrives_is_refused_when_its_window_closes(claims: Service) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    from dwp.claims import evidence_service

    # Inside the window the sweep leaves it alone; after it, the service notices by itself.
    assert [
        c.upload.id for c in await evidence_service.check_expired(claims.ctx, claims.app.state.evidence)
    ] == []
    claims.clock.now += UPLOAD_POLICY.window + timedelta(seconds=1)
    swept = await evidence_service.check_expired(claims.ctx, claims.app.state.evidence)
    assert form["upload"]["id"] in [c.upload.id for c in swept]
    view = await claims.http.get(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}", headers=citizen(claims, subject)
    )
    assert view.json()["state"] == "refused"
    assert view.json()["refusal"] == "not_arrived"
    assert evidence_todo(claim) in await open_todos(claims, claim, subject)


async def test_the_eicar_file_is_quarantined_and_never_shown(claims: Service) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    # A real PDF header so that it passes the type checks and reaches the scanner.
    await browser_post(form, PDF + EICAR + b"\n%%EOF\n", "tenancy.pdf")
    done = await say_done(claims, claim, subject, form["upload"]["id"])
    assert done.json()["state"] == "quarantined"
    assert evidence_todo(claim) in await open_todos(claims, claim, subject)
    link = await claims.http.post(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}/download-link",
        json={"purpose": "x"},
        headers=caseworker(claims),
    )
    assert link.status_code == 404
    tags = await claims.store.tags(form["fields"]["key"])
    assert tags == {"dwp-scan": "infected"}
    listed = await claims.http.get(f"/v1/claims/{claim.id}/uploads", headers=caseworker(claims))
    assert listed.json()["items"] == []


async def test_another_citizens_claim_or_to_do_does_not_exist_for_them(claims: Service) -> None:
    alice, bob = f"sub-{uuid.uuid4()}", f"sub-{uuid.uuid4()}"
    alices, bobs = await a_submitted_claim(claims, alice), await a_submitted_claim(claims, bob)
    # Interleaved: each asks, then Bob tries Alice's to-do and her upload.
    alice_form = await ask_to_upload(claims, alices, alice)
    await ask_to_upload(claims, bobs, bob)
    stolen = await claims.http.post(
        f"/v1/claims/{alices.id}/todos/{evidence_todo(alices)}/uploads",
        json={"content_type": "application/pdf"},
        headers=citizen(claims, bob),
    )
    assert stolen.status_code == 404
    assert stolen.headers["content-type"] == "application/problem+json"
    # Alice's to-do on Bob's claim: no such to-do there.
    crossed = await claims.http.post(
        f"/v1/claims/{bobs.id}/todos/{evidence_todo(alices)}/uploads",
        json={"content_type": "application/pdf"},
        headers=citizen(claims, bob),
    )
    assert crossed.status_code == 404
    for path in (
        f"/v1/claims/{alices.id}/uploads/{alice_form['upload']['id']}/completion",
        f"/v1/claims/{bobs.id}/uploads/{alice_form['upload']['id']}/completion",
    ):
        response = await claims.http.post(path, headers=citizen(claims, bob))
        assert response.status_code == 404, path
    listed = await claims.http.get(f"/v1/claims/{alices.id}/uploads", headers=citizen(claims, bob))
    assert listed.status_code == 404


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/pdf\x00", "image/svg+xml", "application/pdf; charset=x"]
)
async def test_a_type_outside_the_policy_is_refused_before_any_form(
    claims: Service, content_type: str
) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    response = await claims.http.post(
        f"/v1/claims/{claim.id}/todos/{evidence_todo(claim)}/uploads",
        json={"content_type": content_type},
        headers=citizen(claims, subject),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("bad", ["..%2F..%2Fetc", "x" * 36, "\u0661" * 36, "%00" + "a" * 33])
async def test_hostile_ids_are_problems_not_errors(claims: Service, bad: str) -> None:
    subject = f"sub-{uuid.uuid4()}"
    response = await claims.http.post(
        f"/v1/claims/{bad}/uploads/{bad}/completion", headers=citizen(claims, subject)
    )
    assert response.status_code in (400, 404, 422)
    assert response.headers["content-type"] == "application/problem+json"


async def test_with_the_scanner_down_the_upload_waits_and_is_checked_when_it_is_back(claims: Service) -> None:
    """clamd unreachable: a 503 problem, the upload still awaiting (never accepted unscanned), the file
    kept; with the scanner back the same upload is judged."""
    import dataclasses
    import socket

    from dwp.claims.scanning import ClamdScanner, EicarScanner

    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    await browser_post(form, PDF, "tenancy.pdf")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    working = claims.app.state.evidence
    claims.app.state.evidence = dataclasses.replace(
        working, scanner=ClamdScanner("127.0.0.1", dead_port, timeout=2)
    )
    down = await say_done(claims, claim, subject, form["upload"]["id"])
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert "retry-after" in down.headers
    view = await claims.http.get(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}", headers=citizen(claims, subject)
    )
    assert view.json()["state"] == "awaiting"

    claims.app.state.evidence = dataclasses.replace(working, scanner=EicarScanner())
    back = await say_done(claims, claim, subject, form["upload"]["id"])
    assert back.json()["state"] == "accepted"
    assert evidence_todo(claim) not in await open_todos(claims, claim, subject)


async def test_with_s3_down_asking_and_checking_are_problems_and_nothing_is_lost(
    claims: Service, make_settings: Any
) -> None:
    import dataclasses
    import socket

    from dwp.claims.evidence_store import EvidenceSettings

    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    await browser_post(form, PDF, "tenancy.pdf")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    working = claims.app.state.evidence
    settings = EvidenceSettings(
        evidence_kms_key_id=working.store.kms_key_id, platform=make_settings(aws_endpoint_url=dead)
    )
    claims.app.state.evidence = dataclasses.replace(working, store=EvidenceStore(settings))
    down = await say_done(claims, claim, subject, form["upload"]["id"])
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    claims.app.state.evidence = working
    back = await say_done(claims, claim, subject, form["upload"]["id"])
    assert back.json()["state"] == "accepted"


async def test_a_check_cut_short_after_its_copy_is_redone_once(claims: Service) -> None:
    """A process killed between copying the accepted object and recording it leaves the upload
    awaiting: the next completion (or the sweep) judges it again, copies again over the same key, and
    the to-do is closed once, with one `todo_done` event."""
    from dwp.claims.domain.evidence import UploadState

    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    await browser_post(form, PDF, "tenancy.pdf")
    arrived = await claims.store.inspect(form["fields"]["key"])
    assert arrived is not None
    await claims.store.accept(arrived, form["upload"]["id"])  # as far as the killed attempt got
    view = await claims.http.get(
        f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}", headers=citizen(claims, subject)
    )
    assert view.json()["state"] == UploadState.AWAITING
    done = await say_done(claims, claim, subject, form["upload"]["id"])
    assert done.json()["state"] == "accepted"
    again = await say_done(claims, claim, subject, form["upload"]["id"])
    assert again.json()["checked_at"] == done.json()["checked_at"]
    async with claims.ctx.uow(read_only=True) as uow:
        trail = await uow.repository.audit_trail(claim.id)
    assert [r["action"] for r in trail].count("complete_todo") == 1
    assert [r["action"] for r in trail].count("evidence_accepted") == 1


async def test_two_completions_at_once_record_one_result(claims: Service) -> None:
    subject = f"sub-{uuid.uuid4()}"
    claim = await a_submitted_claim(claims, subject)
    form = await ask_to_upload(claims, claim, subject)
    await browser_post(form, PDF, "tenancy.pdf")
    first, second = await asyncio.gather(
        say_done(claims, claim, subject, form["upload"]["id"]),
        say_done(claims, claim, subject, form["upload"]["id"]),
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert first.json() == second.json()
    assert first.json()["state"] == "accepted"
    async with claims.ctx.uow(read_only=True) as uow:
        trail = await uow.repository.audit_trail(claim.id)
    assert [r["action"] for r in trail].count("complete_todo") == 1
    assert [r["action"] for r in trail].count("evidence_accepted") == 1


async def test_the_services_own_sweep_notices_an_upload_that_never_came(
    bootstrapped: Settings, tokens: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep in the app's lifespan, not called by the test: once the window has closed, the
    upload nobody completed is refused as not arrived without anyone asking."""
    from dwp.claims.app import build_app

    monkeypatch.setenv("DWP_EVIDENCE_SWEEP_SECONDS", "0.1")
    await asyncio.to_thread(upgrade, "claims", bootstrapped)
    app = build_app(bootstrapped)
    async with serve(app) as http:
        clock = Clock(datetime.now(UTC))
        app.state.claims_context.clock = clock
        service = Service(app, http, app.state.claims_context, clock, tokens)
        subject = f"sub-{uuid.uuid4()}"
        claim = await a_submitted_claim(service, subject)
        form = await ask_to_upload(service, claim, subject)
        clock.now += UPLOAD_POLICY.window + timedelta(seconds=1)
        path = f"/v1/claims/{claim.id}/uploads/{form['upload']['id']}"
        deadline = asyncio.get_running_loop().time() + 20
        while (
            state := (await http.get(path, headers=citizen(service, subject))).json()["state"]
        ) == "awaiting":
            assert asyncio.get_running_loop().time() < deadline, "the sweep never checked the upload"
            await asyncio.sleep(0.05)  # polling for a condition, bounded by the deadline
        assert state == "refused"
