"""Demo data for `dwp up`: a registered demo citizen and a caseworker, with tokens to try the API."""

from __future__ import annotations

from typing import Any

from dwp.platform.settings import Settings
from dwp.platform.signing import load_or_create_dev_key, mint_token

DEMO_CITIZEN_ID = "00000000-0000-4000-8000-000000000001"
DEMO_CITIZEN = {
    "given_name": "Sam",
    "family_name": "Demo",
    "date_of_birth": "1990-04-01",
    "national_insurance_number": "AB123456C",
    "email": "sam.demo@example.com",
    "phone": "020 7946 0123",
    "preferred_language": "en",
    "contact_preferences": {"channels": ["email"], "welsh_letters": False},
}


def mint(settings: Settings, **claims: Any) -> str:
    """A token the services trust: signed by the identity service's key once it is the trusted issuer,
    by the local development key before that."""
    if settings.dwp_jwks_url:
        from dwp.identity.local import mint as mint_with_identity_key

        return mint_with_identity_key(settings, **claims)
    return mint_token(load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, **claims)


def seed_demo_data(settings: Settings, *, citizen_url: str, gateway_url: str | None = None) -> dict[str, str]:
    twelve_hours = 12 * 3600
    citizen_token = mint(
        settings,
        subject="demo-citizen",
        kind="citizen",
        citizen_id=DEMO_CITIZEN_ID,
        level_of_confidence="P2",
        lifetime_seconds=twelve_hours,
    )
    caseworker_token = mint(
        settings,
        subject="demo-caseworker",
        kind="caseworker",
        roles=["caseworker"],
        lifetime_seconds=twelve_hours,
    )
    import httpx  # here: `dwp token` mints with this module and needs no HTTP client

    response = httpx.post(
        f"{citizen_url}/v1/citizens",
        json=DEMO_CITIZEN,
        headers={"Authorization": f"Bearer {citizen_token}", "Idempotency-Key": "demo-seed"},
        timeout=10,
    )
    if response.status_code not in (200, 201, 409):
        raise RuntimeError(f"registering the demo citizen gave {response.status_code}: {response.text[:200]}")
    sign_in = {}
    if gateway_url:
        sign_in = {
            "sign in (GOV.UK One Login simulator)": f"{gateway_url}/v1/auth/one-login/start",
            "sign in as staff (staff sign-in simulator)": f"{gateway_url}/v1/auth/staff/start",
        }
    return {
        **sign_in,
        "demo citizen token": citizen_token,
        "demo caseworker token": caseworker_token,
        "try": f'curl -H "Authorization: Bearer $TOKEN" {citizen_url}/v1/citizens/{DEMO_CITIZEN_ID}',
    }
