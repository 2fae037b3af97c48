"""The platform's access policy, as the attack suite checks it: who gets past the token check of every
route of every service (`POLICY`), the routes that need no bearer token and why (`OPEN`), and identity's
session routes (`SESSION`). The token matrix fails on a route that is in none of them, so a new route
is given a policy the day it is added; the IDOR matrix uses the same table for its wrong-kind callers.
"""

from __future__ import annotations

from typing import Any

from tests.integration.attack_platform import CALLERS

CITIZEN = frozenset({"citizen", "citizen-P1"})
"""A citizen token, whatever its level of confidence (P0/P1 people may still claim)."""
PROVEN = frozenset({"citizen"})
"""A citizen token at P2 (`require_confidence("P2")`)."""
STAFF = frozenset({"caseworker", "team-leader"})
LEADER = frozenset({"team-leader"})
EVERY_SERVICE = frozenset(f"service:{name}" for name in CALLERS)
ANYONE = CITIZEN | STAFF | EVERY_SERVICE | {"staff-without-role"}


def callers(*names: str) -> frozenset[str]:
    return frozenset(f"service:{name}" for name in names)


CASEWORK = "/v1/claims/casework"
POLICY: dict[tuple[str, str, str], frozenset[str]] = {
    # citizen
    ("citizen", "GET", "/v1/citizens/{citizen_id}"): CITIZEN | STAFF,
    ("citizen", "GET", "/v1/citizens/{citizen_id}/audit"): STAFF,
    ("citizen", "GET", "/v1/citizens/{citizen_id}/contact-preferences"): CITIZEN,
    ("citizen", "PUT", "/v1/citizens/{citizen_id}/contact-preferences"): CITIZEN,
    ("citizen", "PATCH", "/v1/citizens/{citizen_id}"): PROVEN,
    ("citizen", "POST", "/v1/citizens"): STAFF,
    ("citizen", "POST", "/v1/citizens/search"): STAFF,
    ("citizen", "POST", "/v1/citizens/{citizen_id}/rectifications"): STAFF,
    ("citizen", "POST", "/v1/internal/citizens/{citizen_id}/subject-access-exports"): callers("claims"),
    ("citizen", "POST", "/v1/internal/citizens"): callers("identity"),
    ("citizen", "GET", "/v1/internal/citizens/{citizen_id}/contact-details"): callers("claims", "workers"),
    ("citizen", "GET", "/v1/internal/citizens/{citizen_id}/identity"): callers("claims", "workers"),
    ("citizen", "POST", "/v1/internal/citizen/retention/runs"): callers("workers"),
    # benefits
    ("benefits", "POST", "/v1/assessments"): STAFF | EVERY_SERVICE,
    ("benefits", "GET", "/v1/assessments/{assessment_id}"): STAFF | EVERY_SERVICE,
    ("benefits", "POST", "/v1/assessments/batch"): callers("workers"),
    # claims: the citizen's
    **{
        ("claims", method, path): CITIZEN
        for method, path in (
            ("GET", "/v1/claims"),
            ("POST", "/v1/claims"),
            ("POST", "/v1/claims/join"),
            ("GET", "/v1/claims/{claim_id}"),
            ("PUT", "/v1/claims/{claim_id}/sections/{section}"),
            ("POST", "/v1/claims/{claim_id}/confirmations"),
            ("POST", "/v1/claims/{claim_id}/partner-invitation"),
            ("POST", "/v1/claims/{claim_id}/partner-confirmation"),
            ("POST", "/v1/claims/{claim_id}/submission"),
            ("POST", "/v1/claims/{claim_id}/withdrawal"),
            ("GET", "/v1/claims/{claim_id}/todos"),
            ("POST", "/v1/claims/{claim_id}/todos/{todo_id}/completion"),
            ("GET", "/v1/claims/{claim_id}/decisions"),
            ("POST", "/v1/claims/{claim_id}/reconsideration-request"),
            ("POST", "/v1/claims/{claim_id}/appeal"),
            ("POST", "/v1/claims/{claim_id}/human-review-request"),
            ("GET", "/v1/claims/{claim_id}/journal"),
            ("POST", "/v1/claims/{claim_id}/journal"),
            ("POST", "/v1/claims/{claim_id}/todos/{todo_id}/uploads"),
            ("POST", "/v1/claims/{claim_id}/uploads/{upload_id}/completion"),
            ("GET", "/v1/claims/{claim_id}/explanation"),
            ("POST", "/v1/claims/{claim_id}/changes"),
        )
    },
    # The route decides (the claimant, or staff): anyone else is told the claim does not exist (404),
    # which the IDOR matrix checks on a real claim.
    ("claims", "GET", "/v1/claims/{claim_id}/uploads"): ANYONE,
    ("claims", "GET", "/v1/claims/{claim_id}/changes"): ANYONE,
    ("claims", "GET", "/v1/claims/{claim_id}/uploads/{upload_id}"): ANYONE,
    ("claims", "POST", "/v1/claims/{claim_id}/uploads/{upload_id}/download-link"): STAFF,
    # claims: casework
    **{
        ("claims", method, f"{CASEWORK}{path}"): STAFF
        for method, path in (
            ("GET", "/work-items"),
            ("GET", "/work-items/{item_id}"),
            ("POST", "/work-items/{item_id}/take"),
            ("POST", "/work-items/{item_id}/escalate"),
            ("POST", "/work-items/{item_id}/release"),
            ("GET", "/overview"),
            ("GET", "/claims/{claim_id}"),
            ("GET", "/claims/{claim_id}/audit"),
            ("GET", "/claims/{claim_id}/work-items"),
            ("GET", "/claims/{claim_id}/assessment-periods"),
            ("POST", "/claims/{claim_id}/evidence-requests"),
            ("POST", "/claims/{claim_id}/assessment/start"),
            ("POST", "/claims/{claim_id}/assessment/evidence"),
            ("POST", "/claims/{claim_id}/assessment"),
            ("POST", "/claims/{claim_id}/decisions"),
        )
    },
    ("claims", "POST", f"{CASEWORK}/work-items/{{item_id}}/assign"): LEADER,
    ("claims", "POST", f"{CASEWORK}/citizens/{{citizen_id}}/subject-access-export"): LEADER,
    # claims: the workers' internal routes
    **{
        ("claims", method, path): callers("workers")
        for method, path in (
            ("POST", "/v1/internal/work-items/held-registrations"),
            ("POST", "/v1/internal/claims/{claim_id}/automatic-decision"),
            ("GET", "/v1/internal/claims/{claim_id}/notification-facts"),
            ("GET", "/v1/internal/assessment-periods/{period_end}/awards"),
            ("PUT", "/v1/internal/claims/{claim_id}/assessment-periods/{period_end}/statement"),
            ("POST", "/v1/internal/assessment-periods/{period_end}/statements"),
            ("POST", "/v1/internal/payment-returns"),
            ("GET", "/v1/internal/claims/{claim_id}/award-for-payment"),
            ("POST", "/v1/internal/awards-for-payment"),
            ("POST", "/v1/internal/claims/retention/runs"),
        )
    },
    # address: no one's personal data (Ordnance Survey's addresses), for anyone with a valid token
    ("address", "GET", "/v1/addresses"): ANYONE,
    ("address", "GET", "/v1/addresses/find"): ANYONE,
    ("address", "GET", "/v1/addresses/{uprn}"): ANYONE,
    ("address", "POST", "/v1/addresses/validate"): ANYONE,
    # integrations
    ("integrations", "POST", "/v1/earnings"): STAFF | callers("claims", "workers"),
    ("integrations", "POST", "/v1/fit-notes"): STAFF | callers("claims", "workers"),
    ("integrations", "POST", "/v1/national-insurance-record"): STAFF | callers("claims", "workers"),
    ("integrations", "POST", "/v1/earnings/bulk"): callers("claims", "workers"),
    ("integrations", "GET", "/v1/data-access"): STAFF,
    # payments
    ("payments", "PUT", "/v1/payments/citizens/{citizen_id}/bank-details"): PROVEN,
    ("payments", "GET", "/v1/payments/citizens/{citizen_id}/bank-details"): CITIZEN | STAFF,
    # The route decides (the citizen, or staff): anyone else gets 404 (the IDOR matrix, on real awards).
    ("payments", "GET", "/v1/payments/citizens/{citizen_id}/payments"): ANYONE,
    ("payments", "GET", "/v1/payments/citizens/{citizen_id}/audit"): STAFF,
    ("payments", "GET", "/v1/payments/holds"): STAFF,
    ("payments", "POST", "/v1/payments/holds/{hold_id}/decision"): STAFF,
    ("payments", "PUT", "/v1/internal/payments/awards/{award_id}"): callers("claims", "workers"),
    ("payments", "POST", "/v1/internal/payments/awards"): callers("claims", "workers"),
    ("payments", "POST", "/v1/internal/payments/runs"): callers("workers"),
    ("payments", "POST", "/v1/internal/payments/retention/runs"): callers("workers"),
    ("payments", "POST", "/v1/internal/payments/citizens/{citizen_id}/subject-access-exports"): callers(
        "claims"
    ),
}
"""Who gets past the token check of every route that needs a bearer token, by caller (the labels of
`attack_platform.principals`); everyone else gets a 403 problem. A route that is not here fails."""

HEALTH = {"/health/live", "/health/ready", "/metrics"}
"""Every service's own: probes and Prometheus (never routed by the gateway, which refuses /metrics)."""

OPEN: dict[tuple[str, str, str], str] = {
    ("benefits", "GET", "/v1/rates/{tax_year}"): "published benefit rates",
    ("benefits", "POST", "/v1/estimates"): "an anonymous estimate from the figures sent, nothing stored",
    ("identity", "GET", "/.well-known/jwks.json"): "the internal issuer's public keys",
    ("identity", "GET", "/v1/auth/one-login/client-jwks"): "the One Login client's public key",
    ("identity", "GET", "/v1/auth/one-login/start"): "starts a sign-in (state and nonce: the attack run)",
    (
        "identity",
        "GET",
        "/v1/auth/one-login/callback",
    ): "state cookie and ID token: the attack run",
    ("identity", "GET", "/v1/auth/staff/start"): "starts a staff sign-in",
    ("identity", "GET", "/v1/auth/staff/callback"): "state cookie and ID token: the attack run",
    ("identity", "POST", "/v1/auth/one-login/back-channel-logout"): "a signed logout token: its own tests",
    (
        "identity",
        "POST",
        "/v1/auth/token",
    ): "client credentials: its own tests",
    ("identity", "POST", "/v1/auth/sign-out"): "signing out needs no session (it clears the cookie)",
}
"""Routes that need no bearer token, each with the reason (and where its own checks are tested)."""

SESSION: dict[tuple[str, str, str], dict[str, Any]] = {
    ("identity", "GET", "/v1/sessions/current"): {},
    ("identity", "POST", "/v1/sessions/token"): {},
    ("identity", "GET", "/v1/auth/me"): {"headers": {"Accept": "application/json"}},
    ("identity", "POST", "/v1/auth/register"): {"data": {"national_insurance_number": "JM654321A"}},
}
"""Routes that take the identity session cookie, not a bearer token (with what a request sends)."""
