"""Subject access exports and rectification (issue 17's data lifecycle), on SQLite and PostgreSQL.

The citizen, claims and payments apps run in process; the claims service reaches the other two through
`platform.http` clients over their ASGI transports, with its own service token, as it would over the
network. A person with claims, evidence, bank details and an award is exported whole; another person's
records never appear in the archive; the export is audited in every service it touched; a provider
down is a 503 problem with no archive and no claims audit entry claiming an export; a rectification
is audited with before and after (sealed fields "[sealed]") and published through the outbox.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from dwp.citizen.repository import outbox as citizen_outbox
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.model import Claimant
from dwp.claims.evidence_store import ACCEPTED
from dwp.claims.repository import ClaimsRepository, audit_log, evidence_uploads
from dwp.claims.subject_access import HttpParts
from dwp.platform import aws, catalog
from dwp.platform.http import ResilientClient, RetryPolicy
from dwp.platform.migrations import upgrade
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings
from tests.conftest import random_nino
from tests.integration.conftest import bearer, on_behalf_of, service_token
from tests.integration.payments.test_bank_details_api import fresh_account
from tests.integration.payments.test_payments_api import award
from tests.unit.claims.conftest import CASEWORKER_A, submitted

pytestmark = pytest.mark.integration

BUCKET = catalog.EVIDENCE_BUCKET
PDF = b"%PDF-1.7\n% the tenancy agreement\n%%EOF\n"
FAST = RetryPolicy(attempts=1, total_seconds=2.0, attempt_seconds=2.0, connect_seconds=0.5)


class StaticTokens:
    """The claims service's own token (what `ServiceTokens` would fetch from identity)."""

    def __init__(self, settings: Settings) -> None:
        self._token = service_token(settings, "claims")

    async def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        pass


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    settings: Settings


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


def parts_over(settings: Settings, citizen: FastAPI, payments: FastAPI | str) -> HttpParts:
    tokens = StaticTokens(settings)
    pay_http = _client(payments) if isinstance(payments, FastAPI) else httpx.AsyncClient()
    pay_url = "http://svc.test" if isinstance(payments, FastAPI) else payments
    return HttpParts(
        citizen_client=ResilientClient("citizen", "http://svc.test", http=_client(citizen), tokens=tokens),
        payments_client=ResilientClient("payments", pay_url, http=pay_http, tokens=tokens, policy=FAST),
    )


@pytest.fixture
async def platform(bootstrapped: Settings) -> AsyncIterator[Platform]:
    from dwp.citizen.app import build_app as citizen_app
    from dwp.claims.app import build_app as claims_app
    from dwp.payments.app import build_app as payments_app

    apps = {}
    for name, build in (("citizen", citizen_app), ("claims", claims_app), ("payments", payments_app)):
        await asyncio.to_thread(upgrade, name, bootstrapped)
        apps[name] = build(bootstrapped)
    apps["claims"].state.subject_access_parts = parts_over(bootstrapped, apps["citizen"], apps["payments"])
    async with (
        apps["citizen"].router.lifespan_context(apps["citizen"]),
        apps["claims"].router.lifespan_context(apps["claims"]),
        apps["payments"].router.lifespan_context(apps["payments"]),
    ):
        clients = {name: _client(app) for name, app in apps.items()}
        yield Platform(apps, clients, bootstrapped)
        for client in clients.values():
            await client.aclose()


def leader(tokens: Callable[..., str]) -> str:
    return tokens("caseworker", roles=["caseworker", "team-leader"], subject="staff-leader")


async def register(platform: Platform, tokens: Callable[..., str], given: str) -> tuple[str, str]:
    """A citizen with a record, bank details and an award; (citizen id, their NINO)."""
    citizen_id = str(uuid.uuid4())
    token = tokens("citizen", citizen_id=citizen_id)
    nino = random_nino()
    body = {
        "given_name": given, "family_name": "Person", "date_of_birth": "1988-04-02",
        "national_insurance_number": nino, "email": f"{given.lower()}@example.com",
    }  # fmt: skip
    citizen = platform.clients["citizen"]
    made = await citizen.post("/v1/internal/citizens", json=body, headers=on_behalf_of(citizen, token))
    assert made.status_code == 201, made.text
    payments = platform.clients["payments"]
    account = fresh_account(f"{given} Person")
    given_details = await payments.put(
        f"/v1/payments/citizens/{citizen_id}/bank-details",
        json=account,
        headers=bearer(token, **{"X-Device-Id": "laptop"}),
    )
    assert given_details.status_code in (200, 201), given_details.text
    claims = bearer(service_token(platform.settings, "claims"))
    stored = await payments.put(
        f"/v1/internal/payments/awards/{uuid.uuid4()}", json=award(citizen_id), headers=claims
    )
    assert stored.status_code == 200, stored.text
    return citizen_id, nino


async def add_claims(platform: Platform, citizen_id: str, how_many: int, *, text: str) -> list[str]:
    """Submitted UC claims of the person, each with a message, an audited read and accepted evidence
    in the bucket; the first one decided (an award, so a decision row)."""
    settings = platform.settings
    database = platform.apps["claims"].state.claims_context.database
    s3 = aws.client("s3", settings)
    ids = []
    for n in range(how_many):
        story = submitted()
        claim = replace(
            story.claim,
            id=str(uuid.uuid4()),
            claimant=Claimant(citizen_id, identity_verified=True, citizen_id=citizen_id),
        )
        decision = None
        if n == 0:
            at = datetime.now(UTC)
            claim = L.start_assessment(claim, actor=CASEWORKER_A, at=at).claim
            claim = L.award(
                claim, actor=CASEWORKER_A, at=at, decision_id=str(uuid.uuid4()), reasons=("entitled",),
                amount_pence=41_000,
            ).claim  # fmt: skip
            decision = claim.decisions[-1]
        upload_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        async with database.transaction() as connection:
            repo = ClaimsRepository(connection, PiiCipher(settings))
            await repo.add(claim, now)
            if decision is not None:
                await repo.add_decision(claim, decision)
            await repo.add_journal_entry(
                JournalEntry(str(uuid.uuid4()), claim.id, citizen_id, "citizen", now, f"{text} {n}")
            )
            await repo.audit(L.read_by_caseworker(claim, actor=CASEWORKER_A, at=now, purpose="check"))
            await connection.execute(
                evidence_uploads.insert().values(
                    id=upload_id,
                    claim_id=claim.id,
                    todo_id="t",
                    object_key=f"evidence/incoming/{upload_id}",
                    declared_type="application/pdf",
                    state="accepted",
                    detected_type="application/pdf",
                    size=len(PDF),
                    created_at=now,
                    expires_at=now,
                    checked_at=now,
                    stored_key=f"{ACCEPTED}{upload_id}",
                )
            )
        await asyncio.to_thread(
            s3.put_object, Bucket=BUCKET, Key=f"{ACCEPTED}{upload_id}", Body=PDF + text.encode()
        )
        ids.append(claim.id)
    return ids


async def export(
    platform: Platform, token: str, citizen_id: str, reference: str = "SAR-2026-0042"
) -> httpx.Response:
    return await platform.clients["claims"].post(
        f"/v1/claims/casework/citizens/{citizen_id}/subject-access-export",
        json={"reference": reference},
        headers=bearer(token),
    )


def unzip(response: httpx.Response) -> dict[str, bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_a_person_is_exported_whole_and_nobody_else_is_in_it(
    platform: Platform, tokens: Callable[..., str]
) -> None:
    person, nino = await register(platform, tokens, "Ada")
    other, other_nino = await register(platform, tokens, "Otto")
    mine = await add_claims(platform, person, 3, text="about my rent")
    theirs = await add_claims(platform, other, 2, text="OTHER-PERSON-SECRET")

    files = unzip(await export(platform, leader(tokens), person))

    manifest = json.loads(files["manifest.json"])
    assert manifest["complete"] is True
    assert manifest["citizen_id"] == person
    assert sorted(manifest["parts"]["claims"]["claims"]) == sorted(mine)
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(files) - {"manifest.json"}
    # The record in full: the person's own NINO and date of birth.
    record = json.loads(files["citizen/record.json"])
    assert (record["national_insurance_number"], record["date_of_birth"]) == (nino, "1988-04-02")
    bank = json.loads(files["payments/bank-details.json"])
    assert len(bank["account_number"]) == 8
    assert bank["account_name"] == "Ada Person"
    assert len(json.loads(files["payments/awards.json"])) == 1
    for claim_id in mine:
        claim = json.loads(files[f"claims/{claim_id}/claim.json"])
        assert claim["answers"]
        assert claim["claimant"]["citizen_id"] == person
        assert json.loads(files[f"claims/{claim_id}/journal.json"])[0]["text"].startswith("about my rent")
        (upload,) = json.loads(files[f"claims/{claim_id}/evidence.json"])
        assert files[upload["file"]] == PDF + b"about my rent"
        # The audit of who read the claim.
        reads = [e for e in json.loads(files[f"claims/{claim_id}/audit.json"]) if e["action"] == "read"]
        assert reads
        assert reads[0]["actor"] == CASEWORKER_A.subject
    decided = json.loads(files[f"claims/{mine[0]}/decisions.json"])
    assert [d["outcome"] for d in decided] == ["award"]
    assert decided[0]["reasons"] == ["entitled"]
    # Nothing of the other person anywhere in the archive.
    everything = b"".join(files.values())
    for needle in (other, other_nino, "OTHER-PERSON-SECRET", "Otto", *theirs):
        assert needle.encode() not in everything, needle


async def test_the_export_is_audited_in_every_service_it_touched(
    platform: Platform, tokens: Callable[..., str]
) -> None:
    person, _ = await register(platform, tokens, "Bea")
    (claim_id,) = await add_claims(platform, person, 1, text="x")
    response = await export(platform, leader(tokens), person, reference="SAR-7")
    export_id = response.headers["x-export-id"]
    files = unzip(response)

    staff = tokens("caseworker", roles=["caseworker"])
    citizen_audit = await platform.clients["citizen"].get(
        f"/v1/citizens/{person}/audit", headers=bearer(staff)
    )
    payments_audit = await platform.clients["payments"].get(
        f"/v1/payments/citizens/{person}/audit", headers=bearer(staff)
    )
    for trail in (citizen_audit.json()["items"], payments_audit.json()["items"]):
        (entry,) = [e for e in trail if e["action"] == "subject_access_exported"]
        assert entry["actor"] == "staff-leader"
        assert export_id in entry["reason"]
        assert "SAR-7" in entry["reason"]
    # The archive shows the person that their record's export was itself recorded.
    assert any(e["action"] == "subject_access_exported" for e in json.loads(files["citizen/audit.json"]))
    database = platform.apps["claims"].state.claims_context.database
    async with database.read() as connection:
        rows = (
            await connection.execute(
                select(audit_log).where(
                    audit_log.c.claim_id == claim_id, audit_log.c.action == "subject_access_exported"
                )
            )
        ).all()
    assert [(r.actor, json.loads(r.after)["export_id"]) for r in rows] == [("staff-leader", export_id)]


async def test_only_a_team_leader_exports_and_an_unknown_person_is_not_found(
    platform: Platform, tokens: Callable[..., str]
) -> None:
    person, _ = await register(platform, tokens, "Cy")
    caseworker = tokens("caseworker", roles=["caseworker"])
    refused = await export(platform, caseworker, person)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    missing = await export(platform, leader(tokens), str(uuid.uuid4()))
    assert missing.status_code == 404, missing.text
    bad = await export(platform, leader(tokens), person, reference="<script>")
    assert bad.status_code == 422
    # The parts' own routes check the team leader themselves: claims' token with a caseworker's is refused.
    body = {"export_id": str(uuid.uuid4()), "reference": "SAR-1"}
    claims_token = service_token(platform.settings, "claims")
    for service, path in (
        ("citizen", f"/v1/internal/citizens/{person}/subject-access-exports"),
        ("payments", f"/v1/internal/payments/citizens/{person}/subject-access-exports"),
    ):
        answer = await platform.clients[service].post(
            path, json=body, headers=bearer(claims_token, **{"On-Behalf-Of": caseworker})
        )
        assert answer.status_code == 403, (service, answer.text)


async def test_a_provider_down_is_a_503_and_nothing_is_shown_as_exported(
    platform: Platform, tokens: Callable[..., str]
) -> None:
    person, _ = await register(platform, tokens, "Dee")
    (claim_id,) = await add_claims(platform, person, 1, text="x")
    claims_app = platform.apps["claims"]
    working = claims_app.state.subject_access_parts
    # Payments unreachable: a port nothing listens on.
    claims_app.state.subject_access_parts = parts_over(
        platform.settings, platform.apps["citizen"], "http://127.0.0.1:9"
    )
    try:
        down = await export(platform, leader(tokens), person)
    finally:
        claims_app.state.subject_access_parts = working
    assert down.status_code == 503, down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    assert "payments" in down.json()["detail"]
    database = claims_app.state.claims_context.database
    async with database.read() as connection:
        rows = (
            await connection.execute(
                select(audit_log).where(
                    audit_log.c.claim_id == claim_id, audit_log.c.action == "subject_access_exported"
                )
            )
        ).all()
    assert rows == []
    # With payments back, the same request gives the whole archive.
    assert json.loads(unzip(await export(platform, leader(tokens), person))["manifest.json"])["complete"]


async def test_a_caseworker_rectifies_a_record_audited_before_and_after(
    platform: Platform, tokens: Callable[..., str]
) -> None:
    person, nino = await register(platform, tokens, "Eve")
    other, other_nino = await register(platform, tokens, "Fay")
    citizen = platform.clients["citizen"]
    staff = tokens("caseworker", roles=["caseworker"], subject="staff-rect")
    read = await citizen.get(f"/v1/citizens/{person}", headers=bearer(staff))
    etag = read.headers["etag"]
    url = f"/v1/citizens/{person}/rectifications"
    new_nino = random_nino()
    body = {
        "changes": {
            "family_name": "Persson",
            "date_of_birth": "1988-02-04",
            "national_insurance_number": new_nino,
        },
        "reason": "Birth certificate seen at the Jobcentre; NINO letter from HMRC",
    }
    # The rules: a reason, a version, a caseworker, a NINO on nobody else's record, a real date of birth.
    assert (
        await citizen.post(url, json=body | {"reason": ""}, headers=bearer(staff, **{"If-Match": etag}))
    ).status_code == 422
    assert (await citizen.post(url, json=body, headers=bearer(staff))).status_code == 428
    own = tokens("citizen", citizen_id=person)
    assert (await citizen.post(url, json=body, headers=bearer(own, **{"If-Match": etag}))).status_code == 403
    taken = body | {"changes": {"national_insurance_number": other_nino}}
    clash = await citizen.post(url, json=taken, headers=bearer(staff, **{"If-Match": etag}))
    assert clash.status_code == 409, clash.text
    future = body | {"changes": {"date_of_birth": "2099-01-01"}}
    assert (
        await citizen.post(url, json=future, headers=bearer(staff, **{"If-Match": etag}))
    ).status_code == 422

    done = await citizen.post(url, json=body, headers=bearer(staff, **{"If-Match": etag}))
    assert done.status_code == 200, done.text
    after = done.json()
    assert (after["family_name"], after["date_of_birth"]) == ("Persson", "1988-02-04")
    assert after["national_insurance_number"] == new_nino
    assert after["version"] == read.json()["version"] + 1
    # Found by the corrected NINO (its blind index moved with it), not by the old one.
    found = await citizen.post(
        "/v1/citizens/search", json={"national_insurance_number": new_nino}, headers=bearer(staff)
    )
    assert [c["id"] for c in found.json()["items"]] == [person]
    gone = await citizen.post(
        "/v1/citizens/search", json={"national_insurance_number": nino}, headers=bearer(staff)
    )
    assert gone.json()["items"] == []

    trail = (await citizen.get(f"/v1/citizens/{person}/audit", headers=bearer(staff))).json()["items"]
    (entry,) = [e for e in trail if e["action"] == "record_rectified"]
    assert entry["actor"] == "staff-rect"
    assert entry["reason"] == body["reason"]
    assert entry["before"] == {"date_of_birth": "[sealed]", "family_name": "Person", "nino": "[sealed]"}
    assert entry["after"] == {"date_of_birth": "[sealed]", "family_name": "Persson", "nino": "[sealed]"}
    assert nino not in json.dumps(trail)
    assert new_nino not in json.dumps(trail)
    database = platform.apps["citizen"].state.citizen_context.uow.database
    async with database.read() as connection:
        events = [json.loads(r.envelope) for r in (await connection.execute(select(citizen_outbox))).all()]
    rectified = [e for e in events if e["event_type"] == "citizen.record_rectified"]
    assert [e["data"] for e in rectified if e["data"]["citizen_id"] == person] == [
        {"citizen_id": person, "changed_fields": ["date_of_birth", "family_name", "nino"]}
    ]
    assert other  # the other record is untouched by the refused clash
    unchanged = await citizen.get(f"/v1/citizens/{other}", headers=bearer(staff))
    assert unchanged.json()["national_insurance_number"] == other_nino
