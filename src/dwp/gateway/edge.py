"""The edge check both gateways make: the local gateway (`dwp.gateway.app`) and the AWS REST API's Lambda
authorizer (`dwp.gateway.authorizer`) call this one function, so the two cannot drift apart.

A public route (`routes.PUBLIC_ROUTES`) needs no token; any other needs `Authorization: Bearer <token>`
whose token the platform's verifier accepts (ES256, issuer, audience, expiry, key). What the caller may do
is each service's call.
"""

from __future__ import annotations

from dwp.gateway.routes import is_public
from dwp.platform.auth import Principal, TokenVerifier
from dwp.platform.errors import Unauthenticated


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; `Unauthenticated` for anything else."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send a bearer token in the Authorization header")
    return token


async def edge_check(
    verifier: TokenVerifier, method: str, path: str, authorization: str | None
) -> Principal | None:
    """None for a public route, else the caller (`Unauthenticated` when the token is missing or bad;
    `DependencyUnavailable` when the issuer's keys cannot be fetched)."""
    if is_public(method, path):
        return None
    return await verifier.verify(bearer_token(authorization))
