"""Use cases of the claims service. Each runs in one unit of work (load, ask the domain's lifecycle,
save, audit, record the events and any idempotent answer, commit) and raises the domain's errors, so a
failure part-way leaves nothing half-written. The clock and id maker are the context's, so tests see
the same "today" as the records.

`ClaimsContext` is the seam the other claims modules build on: casework and evidence use cases take
the same context (its unit of work factory, clock, id maker, cipher and database) and add their own
clients beside it on the app's state.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from dwp.claims import events
from dwp.claims.domain import lifecycle
from dwp.claims.domain.answers import ClaimType, Section
from dwp.claims.domain.checks import Question
from dwp.claims.domain.dates import uk_date
from dwp.claims.domain.errors import (
    ClaimNotFound,
    FieldProblem,
    InvalidAnswers,
    InvalidJoinCode,
    StaleVersion,
)
from dwp.claims.domain.journal import JournalEntry, post_message
from dwp.claims.domain.lifecycle import Transition
from dwp.claims.domain.model import Actor, Claim, Claimant, check_version
from dwp.claims.domain.todos import role_of
from dwp.claims.repository import (
    ClaimsRecords,
    ClaimsRepository,
    PartnerInvite,
    idempotency_keys,
    outbox,
)
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from dwp.platform.database import Database
from dwp.platform.idempotency import IdempotencyKeys, Remember
from dwp.platform.pii import PiiCipher
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWork, UnitOfWorkFactory

SOURCE = "claims"
Clock = Callable[[], datetime]
NewId = Callable[[], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass
class ClaimsContext:
    """What the use cases run with: a unit of work per use case, the clock, a maker of new ids, and the
    idempotency keys that the API claims before a use case that creates. `database` and `cipher` are
    there for the modules that need them directly (evidence records, casework's readers); use cases go
    through `uow`."""

    uow: UnitOfWorkFactory[ClaimsRecords]
    clock: Clock = utc_now
    new_id: NewId = new_uuid
    idempotency: IdempotencyKeys | None = None
    database: Database | None = None
    cipher: PiiCipher | None = None
    extras: dict[str, object] = field(default_factory=dict)
    """Clients that other claims modules attach (upstream services, the evidence store), by name."""

    @classmethod
    def on_database(
        cls, database: Database, cipher: PiiCipher, *, clock: Clock = utc_now, new_id: NewId = new_uuid
    ) -> ClaimsContext:
        keys = IdempotencyKeys(database, idempotency_keys, clock=clock)
        uow = SqlUnitOfWorkFactory[ClaimsRecords](
            database,
            lambda connection: ClaimsRepository(connection, cipher),
            outbox_table=outbox,
            source=SOURCE,
            idempotency=keys,
        )
        return cls(uow=uow, clock=clock, new_id=new_id, idempotency=keys, database=database, cipher=cipher)

    def today(self) -> date:
        return uk_date(self.clock())


async def record_transition(uow: UnitOfWork[ClaimsRecords], transition: Transition) -> None:
    """Write what a move left behind, in the unit of work's one transaction: the audit record, the
    published events (through the outbox) and any work items it opens. The claim itself is saved by the
    caller (added or saved under its version)."""
    await uow.repository.audit(transition.audit)
    for event in transition.events:
        if events.publishable(event):
            await uow.outbox.add(CLAIMS_EVENTS_TOPIC, events.to_contract(event))
    for item in transition.work_items:
        await uow.repository.add_work_item(item)


# --- commands: what the API hands the use cases, already parsed into the domain's types -------------


@dataclass(frozen=True)
class StartClaim:
    claim_type: ClaimType
    joint: bool = False


@dataclass(frozen=True)
class Person:
    """Who is signed in, as their token says: their One Login subject, the citizen id identity linked
    (at P2), and whether their identity is proven (P2 or above)."""

    actor: Actor
    citizen_id: str | None = None
    identity_verified: bool = False


@dataclass(frozen=True)
class SaveSection:
    claim_id: str
    section: str
    answers: Section
    expected_version: int | None


@dataclass(frozen=True)
class ClaimantRequest:
    """A claimant's request about a decision: a mandatory reconsideration (with grounds, and reasons
    if late), an appeal (reasons if late) or a person's review of an automatic decision."""

    claim_id: str
    expected_version: int | None
    grounds: str = ""
    late_reasons: str = ""


# --- the citizen's claims ------------------------------------------------------------------------


async def start_claim(
    ctx: ClaimsContext, command: StartClaim, *, person: Person, remember: Remember[Claim] | None = None
) -> Claim:
    """A new draft keyed on the person's One Login subject, proven at P2 or not yet."""
    now = ctx.clock()
    claimant = Claimant(
        subject=person.actor.subject,
        identity_verified=person.identity_verified,
        citizen_id=person.citizen_id,
    )
    transition = lifecycle.start_claim(
        claim_id=ctx.new_id(), claim_type=command.claim_type, claimant=claimant, at=now, joint=command.joint
    )
    transition = replace(transition, audit=replace(transition.audit, request_id=person.actor.request_id))
    async with ctx.uow() as uow:
        await uow.repository.add(transition.claim, now)
        await record_transition(uow, transition)
        await uow.remember(remember, transition.claim)
    return transition.claim


async def claims_of(ctx: ClaimsContext, *, subject: str) -> list[Claim]:
    """A citizen's own claims (as claimant or joined partner), newest first."""
    async with ctx.uow(read_only=True) as uow:
        return await uow.repository.claims_of(subject)


def _visible(claim: Claim | None, actor: Actor) -> Claim:
    """The claim if this actor may see it: a citizen sees only a claim they are a party to, and for
    anyone else it does not exist (the same 404 either way, before any other check can tell)."""
    if claim is None or (actor.kind == "citizen" and role_of(actor, claim) is None):
        raise ClaimNotFound("There is no such claim")
    return claim


async def get_claim(ctx: ClaimsContext, *, claim_id: str, actor: Actor) -> Claim:
    async with ctx.uow(read_only=True) as uow:
        return _visible(await uow.repository.get(claim_id), actor)


Apply = Callable[[Claim], Transition]
Also = Callable[[UnitOfWork[ClaimsRecords], Claim], Awaitable[None]]
"""More to write in the same transaction as a change (an invitation's row, an evidence record)."""


async def change_claim(
    ctx: ClaimsContext,
    *,
    claim_id: str,
    actor: Actor,
    apply: Apply,
    expected_version: int | None = None,
    remember: Remember[Claim] | None = None,
    also: Also | None = None,
) -> Claim:
    """Load a claim, make one domain move on it, and save what the move left behind in one transaction:
    the claim under its version (a concurrent change makes this one StaleVersion), the audit record,
    the events through the outbox, the work items. Every change to a claim goes through here (casework's
    moves too)."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        before = _visible(await uow.repository.get(claim_id), actor)
        check_version(before, expected_version)
        transition = apply(before)
        if not await uow.repository.save(transition.claim, previous_version=before.version, now=now):
            raise StaleVersion("The claim has changed since you read it; read it again and retry")
        await record_transition(uow, transition)
        if also is not None:
            await also(uow, transition.claim)
        await uow.remember(remember, transition.claim)
    return transition.claim


Move = Callable[[Claim, datetime], Transition]
"""A lifecycle move on a claim at a moment (the context's clock, read when the move is made)."""


async def _citizen_change(
    ctx: ClaimsContext,
    claim_id: str,
    actor: Actor,
    expected_version: int | None,
    move: Move,
    remember: Remember[Claim] | None = None,
) -> Claim:
    """A citizen's move on a claim of theirs, under the version they read."""
    return await change_claim(
        ctx,
        claim_id=claim_id,
        actor=actor,
        expected_version=expected_version,
        remember=remember,
        apply=lambda c: move(c, ctx.clock()),
    )


def _within_section(section: str, error: InvalidAnswers) -> InvalidAnswers:
    """The domain names fields from the section (`household.partner`); the request's body is the
    section itself, so its problems point into that body (`partner`)."""
    prefix = f"{section}."
    return InvalidAnswers(
        [
            FieldProblem(p.field.removeprefix(prefix), p.message, p.code) if p.field.startswith(prefix) else p
            for p in error.problems
        ]
    )


async def save_section(
    ctx: ClaimsContext, command: SaveSection, *, actor: Actor
) -> tuple[Claim, tuple[Question, ...]]:
    """Save one section of a draft; returns the claim and the questions its answers raise."""
    asked: list[tuple[Question, ...]] = []

    def apply(claim: Claim) -> Transition:
        try:
            transition, questions = lifecycle.save_section(
                claim, command.section, command.answers, actor=actor, at=ctx.clock()
            )
        except InvalidAnswers as error:
            raise _within_section(command.section, error) from error
        asked.append(questions)
        return transition

    claim = await change_claim(
        ctx, claim_id=command.claim_id, actor=actor, apply=apply, expected_version=command.expected_version
    )
    return claim, asked[0]


async def confirm_question(
    ctx: ClaimsContext, *, claim_id: str, key: str, actor: Actor, expected_version: int | None
) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.confirm_answer(claim, key, actor=actor, at=at)

    return await _citizen_change(ctx, claim_id, actor, expected_version, move)


INVITE_LIFETIME = timedelta(days=14)
"""How long a partner's code can be used: long enough to pass on, short enough not to linger."""
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read out and typed by people


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def code_digest(code: str) -> str:
    """What is stored of a partner's code. The code carries 16 random characters of a 30-letter
    alphabet (78 bits), so a plain SHA-256 digest cannot be reversed by trying codes."""
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def new_partner_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


async def invite_partner(
    ctx: ClaimsContext, *, claim_id: str, actor: Actor, expected_version: int | None
) -> tuple[Claim, str, datetime]:
    """Make the code the claimant passes to their partner; only its digest is kept. Inviting again
    replaces the code (the old one stops working)."""
    code = new_partner_code()
    digest = code_digest(code)
    now = ctx.clock()
    expires = now + INVITE_LIFETIME

    async def keep_invite(uow: UnitOfWork[ClaimsRecords], claim: Claim) -> None:
        await uow.repository.add_invite(PartnerInvite(digest, claim.id, now, expires))

    claim = await change_claim(
        ctx,
        claim_id=claim_id,
        actor=actor,
        expected_version=expected_version,
        apply=lambda c: lifecycle.invite_partner(c, actor=actor, at=now, code_digest=digest),
        also=keep_invite,
    )
    return claim, code, expires


async def join_claim(ctx: ClaimsContext, *, code: str, person: Person) -> Claim:
    """The partner joins a joint claim with the code, under their own sign-in."""
    digest = code_digest(code)
    now = ctx.clock()
    actor = person.actor
    async with ctx.uow() as uow:
        invite = await uow.repository.find_invite(digest)
        if invite is None or invite.used_at is not None or invite.expires_at <= now:
            raise InvalidJoinCode("this code is not valid")
        before = await uow.repository.get(invite.claim_id)
        if before is None:
            raise InvalidJoinCode("this code is not valid")
        transition = lifecycle.join_as_partner(
            before, actor=actor, at=now, code_digest=digest, identity_verified=person.identity_verified
        )
        if not await uow.repository.use_invite(digest, now):
            raise InvalidJoinCode("this code is not valid")
        if not await uow.repository.save(transition.claim, previous_version=before.version, now=now):
            raise StaleVersion("The claim has changed meanwhile; try again")
        await record_transition(uow, transition)
    return transition.claim


async def confirm_partner(
    ctx: ClaimsContext, *, claim_id: str, actor: Actor, declaration: str, expected_version: int | None
) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.confirm_partner(claim, actor=actor, at=at, declaration=declaration)

    return await _citizen_change(ctx, claim_id, actor, expected_version, move)


async def submit_claim(
    ctx: ClaimsContext,
    *,
    claim_id: str,
    actor: Actor,
    declaration: str,
    expected_version: int | None,
    remember: Remember[Claim] | None = None,
) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.submit(claim, actor=actor, at=at, declaration=declaration, new_id=ctx.new_id)

    return await _citizen_change(ctx, claim_id, actor, expected_version, move, remember)


async def withdraw_claim(
    ctx: ClaimsContext, *, claim_id: str, actor: Actor, reason: str, expected_version: int | None
) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.withdraw(claim, actor=actor, at=at, reason=reason)

    return await _citizen_change(ctx, claim_id, actor, expected_version, move)


async def complete_todo(
    ctx: ClaimsContext, *, claim_id: str, todo_id: str, actor: Actor, expected_version: int | None
) -> Claim:
    """The citizen marks a to-do of theirs done (confirm the address, accept the claimant commitment,
    book the assessment); the domain says which kinds a citizen may mark."""

    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.complete_todo(claim, todo_id, actor=actor, at=at)

    return await _citizen_change(ctx, claim_id, actor, expected_version, move)


async def request_reconsideration(ctx: ClaimsContext, command: ClaimantRequest, *, actor: Actor) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.request_reconsideration(
            claim,
            actor=actor,
            at=at,
            grounds=command.grounds,
            late_reasons=command.late_reasons,
            new_id=ctx.new_id,
        )

    return await _citizen_change(ctx, command.claim_id, actor, command.expected_version, move)


async def appeal(ctx: ClaimsContext, command: ClaimantRequest, *, actor: Actor) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.appeal(
            claim, actor=actor, at=at, late_reasons=command.late_reasons, new_id=ctx.new_id
        )

    return await _citizen_change(ctx, command.claim_id, actor, command.expected_version, move)


async def request_human_review(ctx: ClaimsContext, command: ClaimantRequest, *, actor: Actor) -> Claim:
    def move(claim: Claim, at: datetime) -> Transition:
        return lifecycle.request_human_review(
            claim, actor=actor, at=at, reason=command.grounds, new_id=ctx.new_id
        )

    return await _citizen_change(ctx, command.claim_id, actor, command.expected_version, move)


# --- the journal ---------------------------------------------------------------------------------


async def journal(
    ctx: ClaimsContext,
    *,
    claim_id: str,
    actor: Actor,
    after: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> list[JournalEntry]:
    """A page of a claim's messages, oldest first, after the message `after` names (time and id)."""
    async with ctx.uow(read_only=True) as uow:
        claim = _visible(await uow.repository.get(claim_id), actor)
        return await uow.repository.journal_of(claim.id, after=after, limit=limit)


async def post_to_journal(ctx: ClaimsContext, *, claim_id: str, actor: Actor, text: str) -> JournalEntry:
    """A message on the claim's journal; it adds to the claim without changing it (no version)."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        claim = _visible(await uow.repository.get(claim_id), actor)
        entry, posted = post_message(claim, entry_id=ctx.new_id(), actor=actor, at=now, text=text)
        await uow.repository.add_journal_entry(entry)
        await uow.outbox.add(CLAIMS_EVENTS_TOPIC, events.to_contract(posted))
    return entry
