"""Evidence a citizen uploads for a to-do: what an upload may be, the checks made on the object once
it has arrived (its real type by its bytes, its size, the malware scan), and who may see it.

The service issues a presigned S3 POST whose policy carries `UPLOAD_POLICY`'s limits, then calls
`check_upload` with what it found in the bucket; moto does not enforce POST policies, and a browser can
lie about a type, so the limits are checked again here on the object itself. A refused upload says why
and leaves the to-do open; an upload that fails the scan is quarantined and never shown to anyone.

Types are recognised by their signatures (PDF: ISO 32000-1 7.5.2 `%PDF-`; PNG: its 8-byte signature,
ISO/IEC 15948 5.2; JPEG: the SOI marker followed by another marker, ITU T.81 B.1). Only these three are
accepted, so three signatures are the whole rule; a general type-guessing library would widen what
counts as a match rather than narrow it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from dwp.claims.domain.errors import ClaimsError, NotPermitted
from dwp.claims.domain.model import Actor, Todo, TodoKind

SIGNATURES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
HEAD_BYTES = 8
"""How much of the object's start the service reads to recognise its type."""


@dataclass(frozen=True)
class UploadPolicy:
    max_bytes: int = 10 * 1024 * 1024
    """10 MiB: a phone photo or a scanned multi-page PDF fits; larger is refused with the reason."""
    types: frozenset[str] = frozenset(SIGNATURES)
    window: timedelta = timedelta(minutes=15)
    """How long the presigned POST stays valid."""


UPLOAD_POLICY = UploadPolicy()
DOWNLOAD_LINK_LIFETIME = timedelta(minutes=5)
"""A caseworker's download link lives at most 5 minutes, and each one issued is audited."""


class UploadState(StrEnum):
    AWAITING = "awaiting"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    QUARANTINED = "quarantined"


Refusal = Literal["not_arrived", "empty", "too_big", "type_not_allowed", "not_what_it_says"]
REFUSAL_TEXT: dict[str, str] = {
    "not_arrived": "We did not receive your file. Try uploading it again.",
    "empty": "The file is empty.",
    "too_big": "The file must be smaller than 10MB.",
    "type_not_allowed": "The file must be a PDF, JPG or PNG.",
    "not_what_it_says": "The file is not the type its name or your browser said it was.",
}
ScanVerdict = Literal["clean", "infected"]


class UploadNotAllowed(ClaimsError):
    field = "content_type"


class EvidenceNotAvailable(ClaimsError):
    """Not accepted (refused, quarantined, still awaited): nobody may download it."""

    field = "evidence_id"


@dataclass(frozen=True)
class Upload:
    id: str
    claim_id: str
    todo_id: str
    object_key: str
    declared_type: str
    created_at: datetime
    expires_at: datetime
    state: UploadState = UploadState.AWAITING
    refusal: Refusal | None = None
    detected_type: str | None = None
    size: int | None = None
    checked_at: datetime | None = None


def sniff(head: bytes) -> str | None:
    """The accepted type whose signature the bytes start with, if any."""
    return next((kind for kind, magic in SIGNATURES.items() if head.startswith(magic)), None)


def start_upload(
    todo: Todo,
    *,
    claim_id: str,
    upload_id: str,
    object_key: str,
    declared_type: str,
    at: datetime,
    policy: UploadPolicy = UPLOAD_POLICY,
) -> Upload:
    """An upload slot for an open evidence to-do (the service then issues the presigned POST)."""
    if todo.kind != TodoKind.UPLOAD_EVIDENCE or not todo.open:
        raise NotPermitted("uploads are for open evidence to-dos", field="todo_id")
    if declared_type not in policy.types:
        raise UploadNotAllowed(REFUSAL_TEXT["type_not_allowed"])
    return Upload(upload_id, claim_id, todo.id, object_key, declared_type, at, at + policy.window)


def check_upload(
    upload: Upload,
    *,
    size: int | None,
    head: bytes,
    scan: ScanVerdict | None,
    at: datetime,
    policy: UploadPolicy = UPLOAD_POLICY,
) -> Upload:
    """Judge the object the service found at the upload's key (`size` None: nothing arrived). `scan` is
    the malware scanner's verdict, needed only for an object that passed the other checks."""
    if upload.state != UploadState.AWAITING:
        return upload  # checked once; a repeated notification changes nothing

    def refuse(reason: Refusal, detected: str | None = None) -> Upload:
        return replace(
            upload,
            state=UploadState.REFUSED,
            refusal=reason,
            detected_type=detected,
            size=size,
            checked_at=at,
        )

    if size is None:
        return refuse("not_arrived")
    if size == 0:
        return refuse("empty")
    if size > policy.max_bytes:
        return refuse("too_big")
    detected = sniff(head)
    if detected is None:
        return refuse("type_not_allowed")
    if detected != upload.declared_type:
        return refuse("not_what_it_says", detected)
    if scan is None:
        raise ClaimsError("an object that passed its checks needs the malware scan's verdict", field="scan")
    state = UploadState.ACCEPTED if scan == "clean" else UploadState.QUARANTINED
    return replace(upload, state=state, detected_type=detected, size=size, checked_at=at)


def expired(upload: Upload, at: datetime) -> bool:
    """An upload still awaited after its POST has expired never arrived."""
    return upload.state == UploadState.AWAITING and at > upload.expires_at


def download_link_expiry(upload: Upload, *, actor: Actor, at: datetime) -> datetime:
    """When a caseworker's link to an accepted upload expires; refuses anyone else, and anything not
    accepted (a quarantined file is never shown)."""
    if not actor.is_staff:
        raise NotPermitted("evidence is downloaded by caseworkers")
    if upload.state != UploadState.ACCEPTED:
        raise EvidenceNotAvailable("this evidence is not available")
    return at + DOWNLOAD_LINK_LIFETIME
