"""Which service a path goes to (the catalogue's route prefixes), and which routes need no token."""

from __future__ import annotations

from dataclasses import dataclass

from dwp.platform import catalog
from dwp.platform.settings import Settings


@dataclass(frozen=True)
class PublicRoute:
    """A route an anonymous caller may use; the service behind it still applies its own checks."""

    prefix: str
    methods: frozenset[str]
    why: str


ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
READ = frozenset({"GET", "HEAD"})

PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    PublicRoute("/health/", READ, "health checks"),
    PublicRoute("/.well-known/", READ, "the token issuer's JWKS"),
    PublicRoute("/v1/auth/", ANY, "sign-in journeys, back-channel logout and client credentials"),
    PublicRoute("/v1/sessions/", ANY, "session cookie endpoints: the identity service checks the cookie"),
    PublicRoute("/v1/estimates", frozenset({"GET", "POST"}), "the anonymous benefit estimate"),
    PublicRoute("/v1/rates", READ, "published benefit rates"),
)


def is_public(method: str, path: str) -> bool:
    return any(
        method in route.methods and (path == route.prefix.rstrip("/") or path.startswith(route.prefix))
        for route in PUBLIC_ROUTES
    )


@dataclass(frozen=True)
class Upstream:
    service: str
    base_url: str
    prefix: str = ""
    """The catalogue's route prefix that chose this upstream."""

    def route_template(self, path: str) -> str:
        """The route a metric may carry: the catalogue's prefix, never the concrete path (which holds ids).
        The gateway does not know the service's own templates, so `/v1/claims/abc` is `/v1/claims/{path}`."""
        return self.prefix if path == self.prefix else self.prefix.rstrip("/") + "/{path}"


class RouteTable:
    """Longest matching prefix wins, so `/v1/auth/x` can never fall through to a shorter prefix."""

    def __init__(self, routes: dict[str, Upstream]) -> None:
        self._routes = sorted(routes.items(), key=lambda item: len(item[0]), reverse=True)

    @classmethod
    def from_catalogue(cls, settings: Settings) -> RouteTable:
        routes = {}
        for process in catalog.PROCESSES:
            for prefix in process.route_prefixes:
                routes[prefix] = Upstream(
                    process.name, settings.service_url(process.name).rstrip("/"), prefix
                )
        return cls(routes)

    def match(self, path: str) -> Upstream | None:
        for prefix, upstream in self._routes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return upstream
        return None
