"""ETag and If-Match (RFC 9110 sections 8.8.3 and 13.1.1) for resources that change under optimistic locking.

A resource's ETag is derived from its version. A change names the version it was made against in
`If-Match`; a stale tag is `PreconditionFailed` (412), a missing one where the route requires it is
`PreconditionRequired` (428, RFC 6585): the platform's error table maps both. If-Match uses the strong
comparison: a weak tag (`W/"3"`) never matches, because a weak tag only says two representations are
equivalent, not that they are the same version.

Use it at the edge when the route can compare tags itself:

    check_if_match(if_match, make_etag(claim.version))          # raises PreconditionFailed/-Required

or, when the version check belongs inside the use case's transaction, turn the header into the version
the client saw and let the use case compare it with what it loads:

    expected = version_from_if_match(if_match)                  # None when absent; 412 if not ours
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dwp.platform.errors import PreconditionFailed, PreconditionRequired

# entity-tag = [ weak ] opaque-tag; opaque-tag = DQUOTE *etagc DQUOTE (RFC 9110 section 8.8.3)
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


@dataclass(frozen=True)
class EntityTag:
    opaque: str
    weak: bool = False

    def __str__(self) -> str:
        return f'{"W/" if self.weak else ""}"{self.opaque}"'


def make_etag(version: int | str, *, weak: bool = False) -> str:
    """The ETag header value for a version: `"3"`, or `W/"3"` for a weak one."""
    opaque = str(version)
    if '"' in opaque or not opaque.isascii():
        raise ValueError("an entity tag is printable ASCII without quotes")
    return str(EntityTag(opaque, weak))


def parse_if_match(header: str | None) -> tuple[EntityTag, ...] | None:
    """The tags an If-Match header lists; `()` stands for `*` (any current representation); None when
    the header is absent. A header that is not a list of entity tags is 412, as the client cannot have
    got it from us."""
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return ()
    tags: list[EntityTag] = []
    position = 0
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None or match.end() == position:
            raise PreconditionFailed("If-Match must be an ETag from this service, or *")
        tags.append(EntityTag(match.group(2), weak=bool(match.group(1))))
        position = match.end()
    if not tags:
        raise PreconditionFailed("If-Match must be an ETag from this service, or *")
    return tuple(tags)


def if_match_passes(header: str | None, current: str | None) -> bool:
    """RFC 9110 section 13.1.1 evaluation: `*` passes when the resource exists; otherwise one listed
    tag must equal the current one by strong comparison. An absent header passes."""
    tags = parse_if_match(header)
    if tags is None:
        return True
    if current is None:
        return False
    if tags == ():
        return True
    now = parse_if_match(current)
    if not now or len(now) != 1 or now[0].weak:
        return False  # only a strong current tag can match (strong comparison)
    return any(not tag.weak and tag.opaque == now[0].opaque for tag in tags)


def check_if_match(header: str | None, current: str | None, *, required: bool = True) -> None:
    """Raise 428 when the header is required and missing, 412 when it names no current version."""
    if header is None:
        if required:
            raise PreconditionRequired()
        return
    if not if_match_passes(header, current):
        raise PreconditionFailed()


def version_from_if_match(header: str | None) -> int | None:
    """The integer version a client's If-Match names (None when absent), for a use case that compares it
    with the version it loads in its own transaction. `*`, several tags, a weak tag or a tag that is not
    one of our versions is 412: a change under optimistic locking names the one version it read."""
    tags = parse_if_match(header)
    if tags is None:
        return None
    if len(tags) != 1 or tags[0].weak or not tags[0].opaque.isdigit():
        raise PreconditionFailed("If-Match must be one ETag from this service")
    return int(tags[0].opaque)


__all__ = [
    "EntityTag",
    "PreconditionFailed",
    "PreconditionRequired",
    "check_if_match",
    "if_match_passes",
    "make_etag",
    "parse_if_match",
    "version_from_if_match",
]
