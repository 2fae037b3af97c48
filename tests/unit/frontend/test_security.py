"""The BFF's pieces on their own: the cookies it re-issues, the CSP, and the page's language."""

from __future__ import annotations

import httpx
import pytest
from fastapi.responses import Response

from dwp.frontend.api import _relay_cookies
from dwp.frontend.config import FrontendSettings
from dwp.frontend.security import content_security_policy
from dwp.platform.settings import Settings


def _upstream(*cookies: str) -> httpx.Response:
    return httpx.Response(303, headers=[("set-cookie", c) for c in cookies])


def test_outside_local_the_session_cookie_is_secure_httponly_and_lax() -> None:
    settings = FrontendSettings(platform=Settings(dwp_env="dev"))
    response = Response()
    _relay_cookies(_upstream("dwp_session=abc; Path=/; HttpOnly"), response, settings)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("dwp_session=abc")
    assert "; secure" in cookie
    assert "; httponly" in cookie
    assert "samesite=lax" in cookie


def test_only_the_session_and_sign_in_cookies_are_relayed_and_a_deletion_stays_a_deletion() -> None:
    settings = FrontendSettings(platform=Settings(dwp_env="test"))
    response = Response()
    upstream = _upstream(
        "tracking=1; Path=/",
        'dwp_signin=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/v1/auth',
        "dwp_session=xyz; Path=/; HttpOnly; Max-Age=60",
    )
    _relay_cookies(upstream, response, settings)
    cookies = response.headers.getlist("set-cookie")
    assert not any(c.startswith("tracking=") for c in cookies)
    signin = next(c for c in cookies if c.startswith("dwp_signin="))
    assert "Max-Age=0" in signin
    assert "Path=/v1/auth" in signin
    session = next(c for c in cookies if c.startswith("dwp_session=xyz"))
    assert "Max-Age=60" in session
    assert "HttpOnly" in session
    assert "Secure" not in session


def test_the_csp_allows_no_inline_script_and_one_login_only_as_a_form_target() -> None:
    csp = content_security_policy(form_targets=("https://oidc.account.gov.uk",), upgrade=True)
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "form-action 'self' https://oidc.account.gov.uk;" in csp
    assert csp.endswith("upgrade-insecure-requests")


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in csp.split("; ")}


def test_the_csp_lets_the_browser_post_evidence_to_the_embedded_endpoint_and_nowhere_else() -> None:
    settings = FrontendSettings(platform=Settings(dwp_env="local", aws_endpoint_url="http://127.0.0.1:4566/"))
    assert settings.evidence_upload_origin == "http://127.0.0.1:4566"
    csp = content_security_policy(
        form_targets=(settings.one_login_origin,),
        upload_targets=(settings.evidence_upload_origin,),
        upgrade=False,
    )
    directives = _directives(csp)
    assert directives["connect-src"] == ["'self'", "http://127.0.0.1:4566"]
    assert "http://127.0.0.1:4566" in directives["form-action"]
    # Not a wildcard, not a scheme, nothing for scripts, frames or images.
    assert not any("*" in v or v.endswith(":") for values in directives.values() for v in values)
    for name in ("script-src", "img-src", "default-src", "frame-ancestors"):
        assert "http://127.0.0.1:4566" not in directives[name]


def test_on_aws_the_csp_names_the_evidence_bucket_s_own_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("DWP_EVIDENCE_BUCKET", "dwp-evidence-dev-123456789012")
    settings = FrontendSettings(platform=Settings(dwp_env="dev"))
    assert settings.evidence_upload_origin == "https://dwp-evidence-dev-123456789012.s3.amazonaws.com"
    csp = content_security_policy(
        form_targets=(), upload_targets=(settings.evidence_upload_origin,), upgrade=True
    )
    assert _directives(csp)["connect-src"] == [
        "'self'",
        "https://dwp-evidence-dev-123456789012.s3.amazonaws.com",
    ]
    monkeypatch.setenv(
        "DWP_FRONTEND_EVIDENCE_ORIGIN", "https://Bucket.vpce-1.s3.eu-west-2.vpce.amazonaws.com/x"
    )
    assert FrontendSettings(platform=Settings(dwp_env="dev")).evidence_upload_origin == (
        "https://bucket.vpce-1.s3.eu-west-2.vpce.amazonaws.com"
    )
