"""The service reads and scans an object only when the domain's `check_upload` will want the scan's
verdict: `passes_before_scan` is held to the domain's own checks over every kind of object."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from dwp.claims.domain import evidence as E
from dwp.claims.evidence_service import passes_before_scan

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
HEADS = [b"%PDF-1.7", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00\x10JF", b"MZ\x90\x00", b"", b"%PDF"]
SIZES = [None, 0, 1, E.UPLOAD_POLICY.max_bytes, E.UPLOAD_POLICY.max_bytes + 1]


def _upload(declared: str) -> E.Upload:
    return E.Upload("u", "c", "t", "evidence/incoming/u", declared, AT, AT + E.UPLOAD_POLICY.window)


@pytest.mark.parametrize(
    ("declared", "size", "head"), list(itertools.product(sorted(E.UPLOAD_POLICY.types), SIZES, HEADS))
)
def test_the_scan_is_asked_for_exactly_when_the_domain_needs_it(
    declared: str, size: int | None, head: bytes
) -> None:
    upload = _upload(declared)
    wanted = passes_before_scan(upload, size, head, E.UPLOAD_POLICY)
    if wanted:
        clean = E.check_upload(upload, size=size, head=head, scan="clean", at=AT)
        infected = E.check_upload(upload, size=size, head=head, scan="infected", at=AT)
        assert clean.state == E.UploadState.ACCEPTED
        assert infected.state == E.UploadState.QUARANTINED
    else:
        # Refused before any scan: the domain does not ask for a verdict.
        assert E.check_upload(upload, size=size, head=head, scan=None, at=AT).state == E.UploadState.REFUSED
