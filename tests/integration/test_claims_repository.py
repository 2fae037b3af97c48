"""The claims repository on SQLite and PostgreSQL: a claim of every kind comes back exactly as saved,
its answers are sealed at rest, a stale version does not overwrite, and every caseworker queue filter
selects in SQL what `QueueFilter.matches` selects in memory, in the same order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from dwp.claims.domain import answers as A
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.model import Actor, Outcome, Status
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind, first_payment_due, queue_order
from dwp.claims.repository import ClaimsRepository, audit_log, claims, work_items
from dwp.platform.database import Database
from dwp.platform.migrations import downgrade, upgrade
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings
from tests.unit.claims.conftest import (
    CLAIMANT,
    Story,
    decide,
    draft,
    reach,
    reconsidered,
    submitted,
    uc_answers,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def migrated(bootstrapped: Settings) -> Settings:
    upgrade("claims", bootstrapped)  # Alembic runs its own event loop, so not inside the test's
    return bootstrapped


@pytest.fixture
async def database(migrated: Settings) -> AsyncIterator[Database]:
    db = Database(migrated, "claims")
    try:
        yield db
    finally:
        await db.dispose()


def _stories() -> list[tuple[str, Story]]:
    joint = draft(sections=uc_answers(household=A.HouseholdAnswers(True, A.Partner(date(1991, 3, 3)))))
    joint.claim = replace(joint.claim, joint=True)
    joint.apply(L.invite_partner(joint.claim, actor=CLAIMANT, at=joint.tick(), code_digest="d"))
    return [
        ("uc draft", draft()),
        ("uc unproven, submitted", submitted(verified=False)),
        ("uc disallowed then reconsidered", reconsidered(Outcome.AWARD)),
        ("uc automatic award", decide(submitted(), Outcome.AWARD, Actor("auto", "system"))),
        ("jsa awaiting evidence", _jsa_awaiting()),
        ("esa appeal", _esa_appeal()),
        ("uc joint draft", joint),
    ]


def _jsa_awaiting() -> Story:
    story = submitted(A.ClaimType.NEW_STYLE_JSA)
    story.apply(
        L.request_evidence(
            story.claim,
            actor=Actor("staff", "caseworker", frozenset({"caseworker"})),
            at=story.tick(),
            evidence=("p45",),
            reason="job",
            new_id=story.new_id,
        )
    )
    return story


def _esa_appeal() -> Story:
    story = reach(Status.APPEAL)
    return story


@pytest.mark.parametrize(("name", "story"), _stories(), ids=lambda v: v if isinstance(v, str) else "")
async def test_a_claim_comes_back_exactly_as_saved(
    database: Database, bootstrapped: Settings, name: str, story: Story
) -> None:
    cipher = PiiCipher(bootstrapped)
    now = datetime(2026, 6, 12, tzinfo=UTC)
    # PostgreSQL keeps one database for the session's tests, so this claim's ids are its own.
    claim_id, subject = str(uuid.uuid4()), f"sub-{uuid.uuid4()}"
    claim = replace(story.claim, id=claim_id, claimant=replace(story.claim.claimant, subject=subject))
    async with database.transaction() as session:
        repo = ClaimsRepository(session, cipher)
        await repo.add(claim, now)
        for t in story.transitions:
            await repo.audit(replace(t.audit, claim_id=claim_id))
    async with database.read() as session:
        repo = ClaimsRepository(session, cipher)
        assert await repo.get(claim_id) == claim
        assert [c.id for c in await repo.claims_of(subject)] == [claim_id]
        trail = await repo.audit_trail(claim_id)
        assert [r["action"] for r in trail] == [t.audit.action for t in story.transitions]
        query = select(claims.c.document_sealed).where(claims.c.id == claim_id)
        raw = (await session.execute(query)).scalar_one()
        for plain in ("Riverside", "Back injury", "1990-05-17"):
            assert plain not in raw


async def test_a_stale_version_does_not_overwrite(database: Database, bootstrapped: Settings) -> None:
    cipher = PiiCipher(bootstrapped)
    story = submitted()
    story.claim = replace(story.claim, id=str(uuid.uuid4()))
    now = datetime(2026, 6, 12, tzinfo=UTC)
    async with database.transaction() as session:
        await ClaimsRepository(session, cipher).add(story.claim, now)
    moved = L.withdraw(story.claim, actor=CLAIMANT, at=story.tick()).claim
    async with database.transaction() as session:
        repo = ClaimsRepository(session, cipher)
        assert await repo.save(moved, previous_version=story.claim.version, now=now) is True
        assert await repo.save(moved, previous_version=story.claim.version, now=now) is False
    async with database.read() as session:
        loaded = await ClaimsRepository(session, cipher).get(story.claim.id)
        assert loaded is not None
        assert (loaded.status, loaded.version) == (Status.WITHDRAWN, moved.version)
        trail = select(audit_log).where(audit_log.c.claim_id == story.claim.id)
        assert (await session.execute(trail)).first() is None


TODAY = date(2026, 7, 20)


def _items() -> list[WorkItem]:
    base = datetime(2026, 6, 1, 9, tzinfo=UTC)
    items = []
    for n in range(24):
        items.append(
            WorkItem(
                f"w{n:02d}",
                [WorkKind.ASSESS_CLAIM, WorkKind.RECONSIDERATION, WorkKind.HELD_REGISTRATION][n % 3],
                None if n % 3 == 2 else f"c{n}",
                None if n % 3 == 2 else [A.ClaimType.UNIVERSAL_CREDIT, A.ClaimType.NEW_STYLE_JSA][n % 2],
                None
                if n % 3 == 2
                else [Status.SUBMITTED, Status.AWAITING_EVIDENCE, Status.RECONSIDERATION][n % 3],
                base + timedelta(days=2 * n, hours=n % 5),
                due=replace(first_payment_due(date(2026, 6, 1)), on=TODAY + timedelta(days=n - 12))
                if n % 4
                else None,
                assigned_to=["staff-a", None, "staff-b"][n % 3] if n % 5 else None,
                escalated=n % 7 == 0,
                not_assignable_to=frozenset({"staff-z"}) if n % 6 == 0 else frozenset(),
                done_at=base + timedelta(days=50) if n % 8 == 0 else None,
                note=f"note {n}",
            )
        )
    # Created at 23:30 UTC on a summer day: the next UK day, which the age filter must count by.
    items.append(replace(items[1], id="w-bst", created_at=datetime(2026, 7, 9, 23, 30, tzinfo=UTC)))
    return items


FILTERS = [
    QueueFilter(),
    QueueFilter(include_done=True),
    QueueFilter(benefits=frozenset({A.ClaimType.NEW_STYLE_JSA})),
    QueueFilter(claim_statuses=frozenset({Status.SUBMITTED, Status.RECONSIDERATION})),
    QueueFilter(kinds=frozenset({WorkKind.HELD_REGISTRATION})),
    QueueFilter(older_than_days=10),
    QueueFilter(older_than_days=0),
    QueueFilter(assigned=True),
    QueueFilter(assigned=False),
    QueueFilter(assigned_to="staff-b"),
    QueueFilter(overdue=True),
    QueueFilter(overdue=False, include_done=True),
    QueueFilter(escalated=True),
    QueueFilter(
        escalated=False, assigned=False, overdue=True, benefits=frozenset({A.ClaimType.UNIVERSAL_CREDIT})
    ),
]


async def test_every_queue_filter_selects_in_sql_what_it_selects_in_memory(
    database: Database, bootstrapped: Settings
) -> None:
    cipher = PiiCipher(bootstrapped)
    items = _items()
    async with database.transaction() as session:
        await session.execute(delete(work_items))  # the queue reads every item, so start from none
        repo = ClaimsRepository(session, cipher)
        for item in items:
            await repo.add_work_item(item)
    async with database.read() as session:
        repo = ClaimsRepository(session, cipher)
        assert await repo.get_work_item("w06") == items[6]
        for f in FILTERS:
            expected = [i.id for i in sorted(items, key=queue_order) if f.matches(i, TODAY)]
            got = [i.id for i in await repo.queue(f, today=TODAY, limit=100)]
            assert got == expected, f
        for f in (QueueFilter(older_than_days=10), QueueFilter(older_than_days=11)):
            bst = next(i for i in items if i.id == "w-bst")
            assert ("w-bst" in [i.id for i in await repo.queue(f, today=TODAY, limit=100)]) == f.matches(
                bst, TODAY
            )


async def test_a_work_item_is_saved_only_against_its_version(
    database: Database, bootstrapped: Settings
) -> None:
    cipher = PiiCipher(bootstrapped)
    item = replace(_items()[1], id=str(uuid.uuid4()), claim_id=str(uuid.uuid4()))
    async with database.transaction() as session:
        repo = ClaimsRepository(session, cipher)
        await repo.add_work_item(item)
        taken = replace(item, assigned_to="staff-c", version=item.version + 1)
        assert await repo.save_work_item(taken, previous_version=item.version) is True
        assert await repo.save_work_item(taken, previous_version=item.version) is False
        assert await repo.work_for_claim(item.claim_id or "") == [taken]


def test_the_migration_goes_down_and_up_again(bootstrapped: Settings) -> None:
    upgrade("claims", bootstrapped)
    downgrade("claims", bootstrapped)
    upgrade("claims", bootstrapped)
