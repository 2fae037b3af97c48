"""The BFF's pieces on their own: the cookies it re-issues, the CSP, and the page's language."""

from __future__ import annotations

import httpx
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
