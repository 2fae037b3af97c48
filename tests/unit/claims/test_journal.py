"""The journal: the claimant and caseworkers write it, nobody else; its text obeys the free-text rules."""

from __future__ import annotations

import pytest

from dwp.claims.domain.errors import ClaimNotFound, InvalidAnswers, NotPermitted
from dwp.claims.domain.journal import LONGEST_MESSAGE, post_message

from .conftest import CASEWORKER_A, CLAIMANT, OTHER_CITIZEN, SYSTEM, submitted


def test_the_claimant_and_caseworkers_write_the_journal() -> None:
    story = submitted()
    entry, event = post_message(
        story.claim, entry_id="m1", actor=CLAIMANT, at=story.tick(), text="My rent went up"
    )
    assert (entry.side, event.side, event.entry_id) == ("citizen", "citizen", "m1")
    reply, _ = post_message(
        story.claim, entry_id="m2", actor=CASEWORKER_A, at=story.tick(), text="Thanks, noted"
    )
    assert reply.side == "dwp"
    assert "rent" not in repr(event)  # the event carries no message text


def test_nobody_else_writes_it_and_its_text_is_checked() -> None:
    story = submitted()
    with pytest.raises(ClaimNotFound):
        post_message(story.claim, entry_id="m", actor=OTHER_CITIZEN, at=story.tick(), text="hi")
    with pytest.raises(NotPermitted):
        post_message(story.claim, entry_id="m", actor=SYSTEM, at=story.tick(), text="hi")
    for bad in ("", "x" * (LONGEST_MESSAGE + 1), "pay \u202eme", "bell\x07"):
        with pytest.raises(InvalidAnswers) as raised:
            post_message(story.claim, entry_id="m", actor=CLAIMANT, at=story.tick(), text=bad)
        assert raised.value.field == "text"
