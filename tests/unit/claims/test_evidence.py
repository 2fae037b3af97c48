"""Evidence uploads: refused with the reason when they never arrive, are empty, too big, or not what
they say (by their bytes, not their name); quarantined when the scan fails; downloadable by caseworkers
only, for at most 5 minutes, and only once accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dwp.claims.domain import evidence as E
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.errors import NotPermitted
from dwp.claims.domain.model import TodoKind

from .conftest import CASEWORKER_A, CLAIMANT, SYSTEM, Story, submitted

PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JF"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def _upload(story: Story, declared: str = "application/pdf") -> E.Upload:
    todo = story.claim.open_todos(TodoKind.UPLOAD_EVIDENCE)[0]
    return E.start_upload(
        todo,
        claim_id=story.claim.id,
        upload_id="u1",
        object_key="evidence/u1",
        declared_type=declared,
        at=story.tick(),
    )


@pytest.mark.parametrize(
    ("head", "kind"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (EXE, None), (b"", None)],
)
def test_types_are_recognised_by_their_bytes(head: bytes, kind: str | None) -> None:
    assert E.sniff(head) == kind


@pytest.mark.parametrize(
    ("size", "head", "declared", "reason"),
    [
        (None, b"", "application/pdf", "not_arrived"),
        (0, b"", "application/pdf", "empty"),
        (E.UPLOAD_POLICY.max_bytes + 1, PDF, "application/pdf", "too_big"),
        (2_000, EXE, "application/pdf", "type_not_allowed"),
        (2_000, PNG, "application/pdf", "not_what_it_says"),
    ],
)
def test_a_refused_upload_says_why_and_the_to_do_stays_open(
    size: int | None, head: bytes, declared: str, reason: str
) -> None:
    story = submitted()
    checked = E.check_upload(_upload(story, declared), size=size, head=head, scan=None, at=story.tick())
    assert checked.state == E.UploadState.REFUSED
    assert checked.refusal == reason
    assert E.REFUSAL_TEXT[reason]
    assert story.claim.open_todos(TodoKind.UPLOAD_EVIDENCE)[0].id == checked.todo_id
    with pytest.raises(E.EvidenceNotAvailable):
        E.download_link_expiry(checked, actor=CASEWORKER_A, at=story.tick())


def test_the_largest_allowed_file_is_accepted_and_the_to_do_is_then_done_by_the_system() -> None:
    story = submitted()
    upload = _upload(story)
    checked = E.check_upload(upload, size=E.UPLOAD_POLICY.max_bytes, head=PDF, scan="clean", at=story.tick())
    assert (checked.state, checked.detected_type) == (E.UploadState.ACCEPTED, "application/pdf")
    done = L.complete_todo(story.claim, checked.todo_id, actor=SYSTEM, at=story.tick())
    assert not [t for t in done.claim.open_todos(TodoKind.UPLOAD_EVIDENCE) if t.id == checked.todo_id]
    at = story.tick()
    assert E.download_link_expiry(checked, actor=CASEWORKER_A, at=at) == at + timedelta(minutes=5)
    with pytest.raises(NotPermitted):
        E.download_link_expiry(checked, actor=CLAIMANT, at=at)
    assert E.check_upload(checked, size=1, head=EXE, scan="infected", at=at) is checked  # judged once


def test_a_file_that_fails_the_scan_is_quarantined_and_never_shown() -> None:
    story = submitted()
    checked = E.check_upload(_upload(story), size=68, head=PDF, scan="infected", at=story.tick())
    assert checked.state == E.UploadState.QUARANTINED
    with pytest.raises(E.EvidenceNotAvailable):
        E.download_link_expiry(checked, actor=CASEWORKER_A, at=story.tick())


def test_a_clean_looking_object_needs_the_scan_verdict() -> None:
    story = submitted()
    with pytest.raises(Exception, match="malware scan"):
        E.check_upload(_upload(story), size=100, head=PDF, scan=None, at=story.tick())


def test_uploads_are_for_open_evidence_to_dos_of_allowed_types() -> None:
    story = submitted()
    with pytest.raises(E.UploadNotAllowed) as raised:
        _upload(story, "application/x-msdownload")
    assert raised.value.field == "content_type"
    commitment = story.claim.open_todos(TodoKind.ACCEPT_CLAIMANT_COMMITMENT)[0]
    with pytest.raises(NotPermitted):
        E.start_upload(
            commitment,
            claim_id="c",
            upload_id="u",
            object_key="k",
            declared_type="image/png",
            at=story.tick(),
        )


def test_an_upload_awaited_past_its_window_never_arrived() -> None:
    story = submitted()
    upload = _upload(story)
    assert not E.expired(upload, upload.expires_at)
    assert E.expired(upload, upload.expires_at + timedelta(seconds=1))
