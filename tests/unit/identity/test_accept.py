"""Which answer `/v1/auth/me` gives a caller that is not signed in, by its `Accept` header."""

from __future__ import annotations

import pytest

from dwp.identity.api import prefers_html


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("application/problem+json, text/html;q=0.9", False),
        ("text/html;q=0, */*", False),
        ("text/html;q=nonsense", False),
        ("text/html", True),
        ("TEXT/HTML", True),
        ("application/xhtml+xml", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("application/json;q=0.4, text/html;q=0.5", True),
    ],
)
def test_an_html_page_only_when_html_ranks_first(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html
