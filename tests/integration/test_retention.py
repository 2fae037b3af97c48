"""Retention runs of the citizen, claims and payments services, on SQLite and PostgreSQL, each through
its own internal route with the workers' token: what has passed its time goes (with all that belongs
to it, the evidence's every version in the bucket included), what is inside its time stays, a run
killed half-way resumes without deleting anything it should keep, and each run's audit holds counts
only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, func, select

from dwp.claims import retention as claims_retention
from dwp.claims.domain.journal import JournalEntry
from dwp.claims.domain.model import Status
from dwp.claims.repository import ClaimsRepository, claims, evidence_uploads, journal
from dwp.platform import aws, catalog
from dwp.platform.migrations import upgrade
from dwp.platform.pii import PiiCipher
from dwp.platform.retention import uk_today
from dwp.platform.settings import Settings
from tests.integration.conftest import bearer, service_token
from tests.unit.claims.conftest import draft

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
BUCKET = catalog.EVIDENCE_BUCKET
NO_PAYMENTS = json.dumps(
    {"period_amounts": [], "deductions": [], "advance": None, "deduction_cap_pence": None}
)
"""An award's terms with nothing to pay (a later payment run in the same database plans nothing of it)."""


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


@pytest.fixture
async def apps(bootstrapped: Settings) -> AsyncIterator[dict[str, FastAPI]]:
    from dwp.citizen.app import build_app as citizen_app
    from dwp.claims.app import build_app as claims_app
    from dwp.payments.app import build_app as payments_app

    built = {}
    for name, build in (("citizen", citizen_app), ("claims", claims_app), ("payments", payments_app)):
        await asyncio.to_thread(upgrade, name, bootstrapped)
        built[name] = build(bootstrapped)
    async with (
        built["citizen"].router.lifespan_context(built["citizen"]),
        built["claims"].router.lifespan_context(built["claims"]),
        built["payments"].router.lifespan_context(built["payments"]),
    ):
        yield built


async def run(
    app: FastAPI, service: str, settings: Settings, caller: str = "workers", **body: Any
) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test") as http:
        return await http.post(
            f"/v1/internal/{service}/retention/runs",
            json=body,
            headers=bearer(service_token(settings, caller)),
        )


async def count(app: FastAPI, database_of: str, table: Table, *where: Any) -> int:
    database = _database(app, database_of)
    async with database.read() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


def _database(app: FastAPI, service: str) -> Any:
    if service == "claims":
        return app.state.claims_context.database
    return getattr(app.state, f"{service}_context").uow.database


def deleted(report: httpx.Response) -> dict[str, int]:
    assert report.status_code == 200, report.text
    return {r["name"]: r["deleted"] for r in report.json()["rules"]}


# --- claims ----------------------------------------------------------------------------------------


async def add_claim(
    app: FastAPI, settings: Settings, *, status: Status, changed: datetime, evidence: bool = False
) -> str:
    story = draft()
    claim = replace(story.claim, id=str(uuid.uuid4()), status=status)
    database = app.state.claims_context.database
    async with database.transaction() as connection:
        repo = ClaimsRepository(connection, PiiCipher(settings))
        await repo.add(claim, changed)
        await repo.add_journal_entry(
            JournalEntry(str(uuid.uuid4()), claim.id, "s", "citizen", changed, "hello")
        )
        if evidence:
            key = f"incoming/{claim.id}"
            await connection.execute(
                evidence_uploads.insert().values(
                    id=str(uuid.uuid4()),
                    claim_id=claim.id,
                    todo_id="t",
                    object_key=key,
                    declared_type="application/pdf",
                    state="accepted",
                    created_at=changed,
                    expires_at=changed,
                )
            )
    if evidence:
        s3 = aws.client("s3", settings)
        for body in (b"%PDF-1 first", b"%PDF-1 second"):  # two versions in the versioned bucket
            await asyncio.to_thread(s3.put_object, Bucket=BUCKET, Key=f"incoming/{claim.id}", Body=body)
    return claim.id


def versions(settings: Settings, key: str) -> int:
    found = aws.client("s3", settings).list_object_versions(Bucket=BUCKET, Prefix=key)
    return len([v for v in found.get("Versions", []) + found.get("DeleteMarkers", []) if v["Key"] == key])


async def test_claims_past_their_time_go_with_everything_theirs_and_the_rest_stays(
    apps: dict[str, FastAPI], bootstrapped: Settings
) -> None:
    app = apps["claims"]
    old_draft = await add_claim(app, bootstrapped, status=Status.DRAFT, changed=ago(days=40))
    new_draft = await add_claim(app, bootstrapped, status=Status.DRAFT, changed=ago(days=20))
    old_finished = await add_claim(
        app, bootstrapped, status=Status.WITHDRAWN, changed=ago(days=760), evidence=True
    )
    new_finished = await add_claim(app, bootstrapped, status=Status.DISALLOWED, changed=ago(days=700))
    live = await add_claim(app, bootstrapped, status=Status.AWARDED, changed=ago(days=2000))
    assert versions(bootstrapped, f"incoming/{old_finished}") == 2

    report = await run(app, "claims", bootstrapped)
    counts = deleted(report)
    assert counts["claims.unsubmitted-drafts"] >= 1
    assert counts["claims.finished-claims"] >= 1
    for gone in (old_draft, old_finished):
        assert await count(app, "claims", claims, claims.c.id == gone) == 0
        assert await count(app, "claims", journal, journal.c.claim_id == gone) == 0
    assert await count(app, "claims", evidence_uploads, evidence_uploads.c.claim_id == old_finished) == 0
    assert versions(bootstrapped, f"incoming/{old_finished}") == 0
    for kept in (new_draft, new_finished, live):
        assert await count(app, "claims", claims, claims.c.id == kept) == 1
        assert await count(app, "claims", journal, journal.c.claim_id == kept) == 1
    # The run's audit: counts per rule and who asked, nothing of what went.
    database = app.state.claims_context.database
    async with database.read() as connection:
        row = (
            await connection.execute(
                select(claims_retention.retention_runs).where(
                    claims_retention.retention_runs.c.id == report.json()["run_id"]
                )
            )
        ).one()
    assert row.requested_by == "workers"
    assert json.loads(row.deleted) == counts
    assert old_finished not in row.deleted
    # A second run finds nothing of ours; a day in the future, or another caller, is refused.
    assert deleted(await run(app, "claims", bootstrapped))["claims.finished-claims"] >= 0
    tomorrow = (uk_today() + timedelta(days=1)).isoformat()
    assert (await run(app, "claims", bootstrapped, as_of=tomorrow)).status_code == 422
    assert (await run(app, "claims", bootstrapped, as_of="9999-12-31")).status_code == 422
    assert (await run(app, "claims", bootstrapped, caller="claims")).status_code == 403


async def test_a_claims_run_killed_half_way_resumes_and_keeps_what_it_should(
    apps: dict[str, FastAPI], bootstrapped: Settings
) -> None:
    app = apps["claims"]
    doomed = [
        await add_claim(app, bootstrapped, status=Status.CLOSED, changed=ago(days=800), evidence=True)
        for _ in range(3)
    ]
    kept = await add_claim(app, bootstrapped, status=Status.CLOSED, changed=ago(days=30), evidence=True)
    s3 = aws.client("s3", bootstrapped)
    real = claims_retention.bucket_deleter(s3, BUCKET)
    calls = 0

    def dies_on_the_second_batch(keys: list[str]) -> None:
        nonlocal calls
        calls += 1
        real(keys)  # the objects go, then the process dies before its rows are deleted
        if calls == 2:
            raise SystemExit("killed")

    database = app.state.claims_context.database
    with pytest.raises(SystemExit):
        await claims_retention.purge(database, uk_today(), objects=dies_on_the_second_batch, batch=1)
    left = [c for c in doomed if await count(app, "claims", claims, claims.c.id == c) == 1]
    assert 1 <= len(left) <= 2  # the first batch went whole; the second rolled back
    await claims_retention.purge(database, uk_today(), objects=real)
    for gone in doomed:
        assert await count(app, "claims", claims, claims.c.id == gone) == 0
        assert versions(bootstrapped, f"incoming/{gone}") == 0
    assert await count(app, "claims", claims, claims.c.id == kept) == 1
    assert versions(bootstrapped, f"incoming/{kept}") == 2


# --- citizen -----------------------------------------------------------------------------------------


async def test_citizen_audit_and_decided_holds_past_their_time_go(
    apps: dict[str, FastAPI], bootstrapped: Settings
) -> None:
    from dwp.citizen.repository import audit_log, registration_holds

    app = apps["citizen"]
    citizen = str(uuid.uuid4())
    database = _database(app, "citizen")
    audits = {"old": ago(days=800), "new": ago(days=600)}
    holds = {
        "old-decided": ("resolved", ago(days=800)),
        "old-held": ("held", ago(days=800)),
        "new-decided": ("resolved", ago(days=100)),
    }
    ids: dict[str, str] = {}
    async with database.transaction() as connection:
        for name, at in audits.items():
            ids[name] = str(uuid.uuid4())
            await connection.execute(
                audit_log.insert().values(
                    id=ids[name], citizen_id=citizen, actor="a", actor_kind="caseworker", action="read", at=at
                )
            )
        for name, (status, at) in holds.items():
            ids[name] = str(uuid.uuid4())
            await connection.execute(
                registration_holds.insert().values(
                    id=ids[name],
                    citizen_id=citizen,
                    nino_index="x" * 64,
                    nino_sealed="s",
                    reason="r",
                    status=status,
                    requested_by="identity",
                    created_at=at,
                )
            )
    counts = deleted(await run(app, "citizen", bootstrapped))
    assert counts["citizen.audit-records"] >= 1
    assert counts["citizen.decided-registration-holds"] >= 1
    assert await count(app, "citizen", audit_log, audit_log.c.id == ids["old"]) == 0
    assert await count(app, "citizen", audit_log, audit_log.c.id == ids["new"]) == 1
    h = registration_holds.c
    assert await count(app, "citizen", registration_holds, h.id == ids["old-decided"]) == 0
    assert await count(app, "citizen", registration_holds, h.id == ids["old-held"]) == 1  # still waiting
    assert await count(app, "citizen", registration_holds, h.id == ids["new-decided"]) == 1


# --- payments ----------------------------------------------------------------------------------------


async def test_payments_keep_every_instruction_of_an_award_still_held(
    apps: dict[str, FastAPI], bootstrapped: Settings
) -> None:
    from dwp.payments.repository import audit_log, awards, known_devices, payment_holds, payment_instructions

    app = apps["payments"]
    database = _database(app, "payments")
    citizen = str(uuid.uuid4())
    finished, live = str(uuid.uuid4()), str(uuid.uuid4())
    key = {name: str(uuid.uuid4()) for name in ("h-old", "h-held", "h-new", "a-old", "a-new")}
    async with database.transaction() as connection:
        for award, updated in ((finished, ago(days=2600)), (live, ago(days=30))):
            await connection.execute(
                awards.insert().values(
                    id=award,
                    claim_id="c",
                    citizen_id=citizen,
                    benefit="universal_credit",
                    first_day=date(2018, 1, 1),
                    nation="england_and_wales",
                    terms=NO_PAYMENTS,
                    version=1,
                    updated_at=updated,
                )
            )
            await connection.execute(
                payment_instructions.insert().values(
                    id=str(uuid.uuid4()),
                    award_id=award,
                    claim_id="c",
                    citizen_id=citizen,
                    number=0,
                    pay_on=date(2018, 2, 7),
                    pence=100,
                    sealed="s",
                    status="accepted",
                    attempts=1,
                    created_at=ago(days=2600),
                )
            )
        for device, seen in (("old", ago(days=800)), ("new", ago(days=10))):
            await connection.execute(
                known_devices.insert().values(citizen_id=citizen, device_index=device, first_seen=seen)
            )
        for hold, status, decided in (
            ("h-old", "released", ago(days=800)),
            ("h-held", "held", None),
            ("h-new", "stopped", ago(days=10)),
        ):
            await connection.execute(
                payment_holds.insert().values(
                    id=key[hold],
                    citizen_id=citizen,
                    bank_details_id="b",
                    reasons="r",
                    rules_version="1",
                    status=status,
                    created_at=ago(days=900),
                    decided_at=decided,
                )
            )
        for audit, at in (("a-old", ago(days=2600)), ("a-new", ago(days=800))):
            await connection.execute(
                audit_log.insert().values(
                    id=key[audit],
                    citizen_id=citizen,
                    actor="a",
                    actor_kind="citizen",
                    action="set",
                    at=at,
                )
            )
    counts = deleted(await run(app, "payments", bootstrapped))
    assert all(counts[name] >= 1 for name in counts), counts
    i = payment_instructions.c
    assert await count(app, "payments", awards, awards.c.id == finished) == 0
    assert await count(app, "payments", payment_instructions, i.award_id == finished) == 0
    # The live award's old payment stays: without it the next run would plan that payment again.
    assert await count(app, "payments", awards, awards.c.id == live) == 1
    assert await count(app, "payments", payment_instructions, i.award_id == live) == 1
    d = known_devices.c
    assert [
        await count(app, "payments", known_devices, d.citizen_id == citizen, d.device_index == x)
        for x in ("old", "new")
    ] == [0, 1]
    h = payment_holds.c
    assert [
        await count(app, "payments", payment_holds, h.id == key[x]) for x in ("h-old", "h-held", "h-new")
    ] == [0, 1, 1]
    a = audit_log.c
    assert [await count(app, "payments", audit_log, a.id == key[x]) for x in ("a-old", "a-new")] == [0, 1]
