"""ETag and If-Match (RFC 9110): strong comparison, lists, `*`, and the 412 / 428 problems."""

from __future__ import annotations

import pytest

from dwp.platform.etag import (
    EntityTag,
    PreconditionFailed,
    PreconditionRequired,
    check_if_match,
    if_match_passes,
    make_etag,
    parse_if_match,
    version_from_if_match,
)
from dwp.platform.problems import PLATFORM_ERRORS, Problem


def problem(exc: Exception) -> Problem:
    """The problem document the platform's error table makes of an error."""
    return PLATFORM_ERRORS[type(exc)].problem(exc)


def test_make_etag() -> None:
    assert make_etag(3) == '"3"'
    assert make_etag("v3-abc", weak=True) == 'W/"v3-abc"'
    with pytest.raises(ValueError, match="quotes"):
        make_etag('a"b')


def test_parse_lists_weak_tags_and_star() -> None:
    assert parse_if_match(None) is None
    assert parse_if_match("*") == ()
    assert parse_if_match('"1", W/"2" ,"3"') == (EntityTag("1"), EntityTag("2", weak=True), EntityTag("3"))


@pytest.mark.parametrize("header", ["1", '"1', '"1" "2"', "", " , ", "W/1", '"1",,'])
def test_a_header_that_is_not_entity_tags_is_412(header: str) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        parse_if_match(header)
    assert problem(caught.value).status == 412


def test_strong_comparison() -> None:
    assert if_match_passes('"2"', '"2"')
    assert if_match_passes('"1", "2"', '"2"')
    assert not if_match_passes('W/"2"', '"2"')  # a weak tag never matches in If-Match
    assert not if_match_passes('"2"', 'W/"2"')
    assert not if_match_passes('"1"', '"2"')
    assert if_match_passes("*", '"2"')
    assert not if_match_passes("*", None)  # * needs the resource to exist
    assert if_match_passes(None, '"2"')


def test_check_if_match_statuses() -> None:
    check_if_match('"4"', make_etag(4))
    check_if_match(None, make_etag(4), required=False)
    with pytest.raises(PreconditionRequired) as required:
        check_if_match(None, make_etag(4))
    as_problem = problem(required.value)
    assert (as_problem.status, as_problem.type.rsplit("/", 1)[-1]) == (428, "precondition-required")
    with pytest.raises(PreconditionFailed) as stale:
        check_if_match('"3"', make_etag(4))
    as_problem = problem(stale.value)
    assert (as_problem.status, as_problem.type.rsplit("/", 1)[-1]) == (412, "precondition-failed")


def test_version_from_if_match() -> None:
    assert version_from_if_match(None) is None
    assert version_from_if_match(' "7" ') == 7
    for header in ("*", 'W/"7"', '"7", "8"', '"seven"'):
        with pytest.raises(PreconditionFailed):
            version_from_if_match(header)
