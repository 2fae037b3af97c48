"""The claim's journal: messages between the citizen and DWP, as Universal Credit's online account has.
A message is free text under the platform's rules for it; DWP's messages prompt a notification (the
event says only that there is one, never what it says)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dwp.claims.domain.errors import ClaimNotFound, InvalidAnswers, NotPermitted
from dwp.claims.domain.events import ClaimEvent
from dwp.claims.domain.model import Actor, Claim
from dwp.claims.domain.text import text_problem
from dwp.claims.domain.todos import role_of

LONGEST_MESSAGE = 5000


@dataclass(frozen=True)
class JournalEntry:
    id: str
    claim_id: str
    author: str
    """The citizen's subject, or the caseworker's (shown to the citizen only as DWP)."""
    side: Literal["citizen", "dwp"]
    at: datetime
    text: str


@dataclass(frozen=True)
class MessagePosted(ClaimEvent):
    entry_id: str
    side: str


def post_message(
    claim: Claim, *, entry_id: str, actor: Actor, at: datetime, text: str
) -> tuple[JournalEntry, MessagePosted]:
    role = role_of(actor, claim)
    if role is None and actor.kind == "citizen":
        raise ClaimNotFound("There is no such claim")
    if role not in ("claimant", "caseworker"):
        raise NotPermitted("the journal is written by the claimant and caseworkers")
    problem = text_problem("text", text, required=True, longest=LONGEST_MESSAGE)
    if problem is not None:
        raise InvalidAnswers([problem])
    side: Literal["citizen", "dwp"] = "citizen" if role == "claimant" else "dwp"
    entry = JournalEntry(entry_id, claim.id, actor.subject, side, at, text)
    return entry, MessagePosted(claim.id, at, entry_id, side)
