"""The claim aggregate and the records a move leaves behind: who acted, decisions with the rights their
notices state, citizen to-dos, and audit records. Plain frozen dataclasses: a move returns a new claim
with its version one higher (the ETag), never changes one in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from dwp.claims.domain.answers import Answers, ClaimType
from dwp.claims.domain.errors import StaleVersion

CASEWORKER = "caseworker"
TEAM_LEADER = "team-leader"
"""The role names the identity service puts in staff tokens (same strings as `dwp.platform.auth`)."""


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_EVIDENCE = "awaiting_evidence"
    UNDER_ASSESSMENT = "under_assessment"
    AWARDED = "awarded"
    DISALLOWED = "disallowed"
    HUMAN_REVIEW = "human_review"
    RECONSIDERATION = "reconsideration"
    APPEAL = "appeal"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


ActorKind = Literal["citizen", "caseworker", "system"]


@dataclass(frozen=True)
class Actor:
    """Who acts: a citizen (by their One Login subject), a caseworker (with roles) or the system (the
    automatic path, a worker)."""

    subject: str
    kind: ActorKind
    roles: frozenset[str] = frozenset()
    request_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "caseworker" and bool(self.roles & {CASEWORKER, TEAM_LEADER})

    @property
    def is_team_leader(self) -> bool:
        return self.kind == "caseworker" and TEAM_LEADER in self.roles


@dataclass(frozen=True)
class Claimant:
    """The person claiming, keyed on their One Login subject: someone not yet proven at P2 may start and
    submit a claim, and verifying their identity is then a to-do."""

    subject: str
    identity_verified: bool = False
    citizen_id: str | None = None
    date_of_birth: date | None = None
    """From the proven identity, once there is one."""
    address_confirmed: bool = False


@dataclass(frozen=True)
class JointPartner:
    """The second partner of a joint UC claim: invited with a code, signs in, confirms their part."""

    code_digest: str
    subject: str | None = None
    joined_at: datetime | None = None
    confirmed_at: datetime | None = None
    identity_verified: bool = False


class DecisionKind(StrEnum):
    INITIAL = "initial"
    HUMAN_REVIEW = "human_review"
    RECONSIDERATION = "reconsideration"
    APPEAL = "appeal"


class Outcome(StrEnum):
    AWARD = "award"
    DISALLOW = "disallow"


RightKind = Literal["mandatory_reconsideration", "human_review", "appeal", "upper_tribunal"]


@dataclass(frozen=True)
class Right:
    """A right a decision notice states, with the days it runs to (None where the law sets the time
    from a date not yet known, such as the tribunal's written reasons)."""

    kind: RightKind
    ask_by: date | None
    late_until: date | None
    source: str


@dataclass(frozen=True)
class Decision:
    id: str
    kind: DecisionKind
    outcome: Outcome
    made_by: str
    automated: bool
    made_at: datetime
    notified_on: date
    reasons: tuple[str, ...]
    rights: tuple[Right, ...]
    amount_pence: int | None = None
    """The award per assessment period (UC) or per week (JSA, ESA); None on a disallowance."""
    assessment_id: str | None = None
    """The benefits service's assessment behind it, whose itemised explanation the notice shows."""


@dataclass(frozen=True)
class Challenge:
    """A mandatory reconsideration, person's review or appeal asked for against one decision."""

    kind: Literal["reconsideration", "human_review", "appeal"]
    decision_id: str
    requested_on: date
    late: bool = False
    reasons: str = ""


class TodoKind(StrEnum):
    VERIFY_IDENTITY = "verify_identity"
    CONFIRM_ADDRESS = "confirm_address"
    UPLOAD_EVIDENCE = "upload_evidence"
    ACCEPT_CLAIMANT_COMMITMENT = "accept_claimant_commitment"
    BOOK_WORK_CAPABILITY_ASSESSMENT = "book_work_capability_assessment"
    CHECK_BANK_DETAILS = "check_bank_details"
    """A payment was rejected or returned: the citizen checks (or changes) the account it goes to."""


@dataclass(frozen=True)
class DueDate:
    """A date something is due, with the rule that sets it and where the rule comes from, so that a
    caseworker (and a test) can see why."""

    on: date
    rule: str
    source: str
    counted_from: date


@dataclass(frozen=True)
class Todo:
    id: str
    kind: TodoKind
    created_at: datetime
    subject: str = ""
    """What it is about: the evidence wanted (`fit_note`, `tenancy_agreement`...), or empty."""
    due: DueDate | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    how: str | None = None
    """How it was done, e.g. identity verified `online` or `in_person` at a Jobcentre."""

    @property
    def open(self) -> bool:
        return self.done_at is None


@dataclass(frozen=True)
class Claim:
    id: str
    claim_type: ClaimType
    claimant: Claimant
    created_at: datetime
    status: Status = Status.DRAFT
    joint: bool = False
    partner: JointPartner | None = None
    answers: Answers = field(default_factory=Answers)
    confirmed: frozenset[str] = frozenset()
    """Keys of the questions the citizen has confirmed."""
    declaration: str | None = None
    """The version of the declaration text the claimant accepted on submitting."""
    submitted_at: datetime | None = None
    claim_date: date | None = None
    """The UK date of submission: the first day of entitlement asked for."""
    decisions: tuple[Decision, ...] = ()
    challenges: tuple[Challenge, ...] = ()
    todos: tuple[Todo, ...] = ()
    version: int = 1

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def finished(self) -> bool:
        """Withdrawn or closed: nothing is asked of anyone any more."""
        return self.status in (Status.WITHDRAWN, Status.CLOSED)

    def open_todos(self, kind: TodoKind | None = None) -> tuple[Todo, ...]:
        if self.finished:
            return ()
        return tuple(t for t in self.todos if t.open and (kind is None or t.kind == kind))


def check_version(claim: Claim, expected: int | None) -> None:
    """Optimistic concurrency: a change names the version it was made against (If-Match)."""
    if expected is not None and expected != claim.version:
        raise StaleVersion("The claim has changed since you read it; read it again and retry")


@dataclass(frozen=True)
class AuditRecord:
    """One change to a claim: who, what, when, why, and the facts before and after. It holds statuses,
    versions and ids, never answers, so that it can be read without unsealing anything."""

    claim_id: str
    action: str
    actor_subject: str
    actor_kind: ActorKind
    at: datetime
    reason: str | None
    before: dict[str, object]
    after: dict[str, object]
    request_id: str | None = None
