"""FastAPI dependencies shared by the claims routers (api.py, and the casework and evidence routers):
the service context, and the actor a principal acts as (as a function, and as route parameters)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dwp.claims.domain.model import Actor
from dwp.claims.service import ClaimsContext
from dwp.platform.auth import Authenticated, Caseworker, CitizenPrincipal, Principal


def context(request: Request) -> ClaimsContext:
    ctx: ClaimsContext = request.app.state.claims_context
    return ctx


Context = Annotated[ClaimsContext, Depends(context)]
"""The claims service's context (its unit of work factory, clock, ids, cipher) in a route."""


def actor_of(principal: Principal, request: Request | None = None) -> Actor:
    """The domain's actor for a caller: a citizen by their One Login subject, a caseworker with their
    roles, a service as the system; with the request id for the audit record."""
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    if principal.kind == "citizen":
        return Actor(principal.subject, "citizen", request_id=request_id)
    if principal.kind == "caseworker":
        return Actor(principal.subject, "caseworker", frozenset(principal.roles), request_id=request_id)
    return Actor(principal.subject, "system", request_id=request_id)


async def _citizen(principal: CitizenPrincipal, request: Request) -> Actor:
    return actor_of(principal, request)


async def _anyone(principal: Authenticated, request: Request) -> Actor:
    return actor_of(principal, request)


async def _caseworker(principal: Caseworker, request: Request) -> Actor:
    return actor_of(principal, request)


CitizenActor = Annotated[Actor, Depends(_citizen)]
"""The signed-in citizen as the domain's actor (their subject, the request id); 401/403 as
`CitizenPrincipal` says."""
AnyActor = Annotated[Actor, Depends(_anyone)]
"""Any signed-in caller (citizen, caseworker or service) as the domain's actor."""
CaseworkerActor = Annotated[Actor, Depends(_caseworker)]
"""A caseworker or team leader as the domain's actor, with their roles."""
