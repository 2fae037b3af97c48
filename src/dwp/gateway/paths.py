"""The one reading of a request's path that the gateway checks, routes on and forwards.

The attack pass found the gateway checking one path and forwarding another: it checked the decoded path
before dot segments were resolved, and httpx resolved them afterwards, so `/v1/rates/../assessments/X`
passed as public and `/v1/auth/../../metrics` reached identity's metrics. A path is now read once from the
raw bytes the client sent; anything that another layer could read differently (dot segments, encoded
slashes, backslashes, double encoding, empty segments, invalid UTF-8, control characters) is refused,
and what is forwarded is exactly those raw bytes, so the service sees the path that was checked.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_to_bytes

_RAW = re.compile(rb"^/[\x21-\x7e]*$")
"""Visible ASCII only on the wire: anything else must be percent-encoded by the client."""
_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
"""A `%` that does not start a two-digit escape."""
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)


class PathRefused(ValueError):
    """The path can be read more than one way, or carries characters no route of ours has."""


def checked_path(raw: bytes) -> str:
    """The decoded path, if `raw` has exactly one reading; otherwise `PathRefused` says why."""
    if not _RAW.match(raw):
        raise PathRefused(
            "the path must be visible ASCII, starting with /, with anything else percent-encoded"
        )
    if _ESCAPE.search(raw):
        raise PathRefused("the path has a % that is not a percent-encoded byte")
    if _ENCODED_SEPARATOR.search(raw):
        raise PathRefused("the path has an encoded slash or backslash")
    # Without a `%` the path is visible ASCII already: no controls, nothing to decode.
    path = _decoded(raw) if b"%" in raw else raw.decode("ascii")
    if "\\" in path:
        raise PathRefused("the path has a backslash")
    segments = path.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        raise PathRefused("the path has a dot segment")
    if any(segment == "" for segment in segments[:-1]):  # a trailing slash is one reading; `//` is not
        raise PathRefused("the path has an empty segment")
    return path


def _decoded(raw: bytes) -> str:
    try:
        path = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PathRefused("the path is not valid UTF-8 once decoded") from exc
    if "%" in path:
        raise PathRefused("the path is encoded twice")
    if any(unicodedata.category(ch) == "Cc" for ch in path):  # C0, DEL and C1, NUL included
        raise PathRefused("the path has a control character")
    return path
