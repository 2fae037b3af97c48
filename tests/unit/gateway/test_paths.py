"""The gateway reads a path once: anything that another layer could read differently is refused."""

from __future__ import annotations

import pytest

from dwp.gateway.paths import PathRefused, checked_path

REFUSED = {
    "dot-dot": b"/v1/rates/../assessments/X",
    "dot": b"/v1/rates/./x",
    "dot-dot-at-end": b"/v1/auth/..",
    "encoded-dot-dot": b"/v1/rates/%2e%2e/assessments/X",
    "encoded-dot-dot-upper": b"/v1/rates/%2E%2E/assessments/X",
    "half-encoded-dot-dot": b"/v1/rates/.%2E/assessments/X",
    "encoded-dot": b"/v1/rates/%2e/x",
    "double-encoded-dot": b"/v1/rates/%252e%252e/assessments/X",
    "double-encoded-slash": b"/v1/rates/%252f",
    "encoded-slash": b"/v1/rates%2f..%2fassessments",
    "encoded-slash-upper": b"/v1/rates%2F..",
    "encoded-backslash": b"/v1/rates/%5c..%5cassessments",
    "backslash": b"/v1/rates\\..\\assessments",
    "nul": b"/v1/rates/%00%27",
    "raw-nul": b"/v1/rates/\x00",
    "c0-tab": b"/v1/rates/%09",
    "c0-newline": b"/v1/rates/%0d%0aX-Injected:1",
    "del": b"/v1/rates/%7f",
    "c1": b"/v1/rates/%c2%85",
    "c1-csi": b"/v1/rates/%c2%9b",
    "invalid-utf8": b"/v1/rates/%ff",
    "overlong-utf8-slash": b"/v1/rates/%c0%af",
    "lone-surrogate": b"/v1/rates/%ed%a0%80",
    "raw-non-ascii": "/v1/rates/é".encode(),
    "raw-space": b"/v1/rates/a b",
    "bad-escape": b"/v1/rates/%zz",
    "truncated-escape": b"/v1/rates/%2",
    "empty-segment": b"/v1//rates",
    "metrics-by-traversal": b"/v1/auth/../../metrics",
    "metrics-by-encoded-traversal": b"/v1/auth/%2e%2e/%2e%2e/metrics",
    "relative": b"v1/rates",
    "empty": b"",
}


@pytest.mark.parametrize("raw", REFUSED.values(), ids=REFUSED.keys())
def test_paths_with_more_than_one_reading_are_refused(raw: bytes) -> None:
    with pytest.raises(PathRefused):
        checked_path(raw)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b"/v1/rates", "/v1/rates"),
        (b"/v1/rates/", "/v1/rates/"),
        (
            b"/v1/citizens/00000000-0000-4000-8000-000000000001",
            "/v1/citizens/00000000-0000-4000-8000-000000000001",
        ),
        (b"/v1/addresses/Caf%C3%A9", "/v1/addresses/Café"),
        (b"/v1/addresses/%C5%B5y", "/v1/addresses/ŵy"),
        (b"/v1/rates/2025-26.toml", "/v1/rates/2025-26.toml"),
        (b"/v1/rates/a...b", "/v1/rates/a...b"),
        (b"/", "/"),
    ],
)
def test_plain_paths_are_read_once(raw: bytes, path: str) -> None:
    assert checked_path(raw) == path
