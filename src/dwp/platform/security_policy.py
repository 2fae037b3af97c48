"""The security headers of every response, chosen per route: one policy for the APIs, one for each page.

Every service answers JSON under the API policy (`API_POLICY`: `default-src 'none'`, nothing may load).
A route that is a page names its own (`/docs`: `dwp.platform.docs.DOCS_POLICY`); an app that is all pages
(the citizen web app's BFF) gives its own default. The platform middleware adds the chosen policy's
headers to every response, problem documents and static files included, and leaves any header a route
set itself (a static asset's `Cache-Control`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

API_CSP = "default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class SecurityPolicy:
    """The security headers of a response. `headers` is computed once: the middleware adds it as is."""

    content_security_policy: str = API_CSP
    referrer_policy: str = "no-referrer"
    cache_control: str | None = "no-store"
    extra: tuple[tuple[str, str], ...] = ()
    """Further headers a page needs (`Cross-Origin-Opener-Policy`, `Permissions-Policy`)."""
    headers: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = [
            ("strict-transport-security", "max-age=31536000; includeSubDomains"),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", self.referrer_policy),
            ("content-security-policy", self.content_security_policy),
            *([("cache-control", self.cache_control)] if self.cache_control else []),
            ("cross-origin-resource-policy", "same-origin"),
            *self.extra,
        ]
        encoded = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs)
        object.__setattr__(self, "headers", encoded)

    def with_csp(self, csp: str) -> SecurityPolicy:
        return SecurityPolicy(csp, self.referrer_policy, self.cache_control, self.extra)


API_POLICY = SecurityPolicy()


@dataclass(frozen=True)
class RoutePolicies:
    """A policy by exact path (the few page routes), and the one every other route gets."""

    by_path: Mapping[str, SecurityPolicy] = field(default_factory=dict)
    default: SecurityPolicy = API_POLICY

    def for_path(self, path: str) -> SecurityPolicy:
        return self.by_path.get(path, self.default)
