"""Browser-facing protections of the BFF: the Content-Security-Policy and other security headers, and
the CSRF check on every state-changing request.

CSRF: the session cookie is `SameSite=Lax`, so a cross-site POST never carries it; on top of that
every POST, PUT, PATCH and DELETE must (1) come from this origin (`Origin`, else `Sec-Fetch-Site`) and
(2) echo the `dwp_csrf` cookie in the `X-CSRF-Token` header or a `csrf_token` form field (double
submit). Another site can neither read that cookie nor set a custom header on a cross-origin request
without a CORS preflight we never answer.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request

from dwp.platform.problems import Problem
from dwp.platform.security_policy import SecurityPolicy

CSRF_COOKIE = "dwp_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def content_security_policy(
    *, form_targets: tuple[str, ...], upgrade: bool, upload_targets: tuple[str, ...] = ()
) -> str:
    """No inline script or style and nothing from another origin: the SPA is one bundle from us.

    `form-action` names One Login too: Chromium applies it to the redirect after a form post, and
    signing out posts to us, then goes on to One Login's `/logout`. `upload_targets` are the evidence
    bucket's origin: the browser posts a file straight to its presigned POST (`connect-src`, as the page
    sends it with XMLHttpRequest for the progress bar; `form-action`, for a plain form post).
    """
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src " + " ".join(("'self'", *upload_targets)),
        "manifest-src 'self'",
        "form-action " + " ".join(("'self'", *form_targets, *upload_targets)),
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    if upgrade:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def page_policy(*, csp: str) -> SecurityPolicy:
    """The BFF's security headers, the platform's per-route policy (`dwp.platform.security_policy`) for
    every route it has: the SPA's CSP in place of the API one, and what a page (rather than an API) needs.
    A static asset keeps its own `Cache-Control` (the platform adds `no-store` only where none is set)."""
    return SecurityPolicy(
        content_security_policy=csp,
        # Not `no-referrer`: with it Chromium sends `Origin: null` on our own form posts, and the
        # CSRF check could not tell them from another site's. `same-origin` sends nothing elsewhere.
        referrer_policy="same-origin",
        extra=(
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ),
    )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request, allowed: tuple[str, ...]) -> None:
    """Refuse a state-changing request that a browser says came from another site."""
    headers = Headers(scope=request.scope)
    origin = headers.get("origin")
    own = {_origin_of(url) for url in allowed} | {_origin_of(str(request.base_url))}
    if origin is not None:
        if origin.lower() not in own:
            raise _refused("The request came from another site.")
        return
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise _refused("The request came from another site.")


def check_csrf_token(request: Request, submitted: str | None) -> None:
    """Double submit: the token sent (header or form field) must equal the `dwp_csrf` cookie."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise _refused("The form has expired or was sent from somewhere else. Go back and try again.")


def _refused(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, type_="csrf-refused")
