"""Demo data for `dwp up`: a registered demo citizen, and the commands that mint tokens to try the API.

No token is printed: one in a terminal's scrollback or a log outlives its use, and key rotation
assumes none lives past 15 minutes. The printed commands mint a fresh one each time they are run.

The demo citizen is registered as the identity service registers anyone proven online: with the identity
service's token, and the citizen's own (P2) token in `On-Behalf-Of`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from dwp.platform.settings import Settings
from dwp.platform.signing import load_or_create_dev_key, mint_token

DEMO_CITIZEN_ID = "00000000-0000-4000-8000-000000000001"
DEMO_CITIZEN = {
    "given_name": "Sam",
    "family_name": "Demo",
    "date_of_birth": "1990-04-01",
    # HMRC's simulator knows Sam by this NINO (`dwp.simulators.hmrc.people`), so a demo claim gets his
    # earnings; One Login's Sarah keeps hers (AB123456C), so signing in as her registers without a hold.
    "national_insurance_number": "SM900401A",
    "email": "sam.demo@example.com",
    "phone": "020 7946 0123",
    "preferred_language": "en",
    "contact_preferences": {"channels": ["email"], "welsh_letters": False},
}


def mint(settings: Settings, **claims: Any) -> str:
    """A token the services trust: signed by the identity service's key once it is the trusted issuer,
    by the local development key before that."""
    if settings.dwp_jwks_url:
        from dwp.identity.cli import mint as mint_with_identity_key

        return mint_with_identity_key(settings, **claims)
    return mint_token(load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, **claims)


def token_command(settings: Settings, *args: str) -> str:
    """The shell command that mints a token for this platform (whichever folder it is run from)."""
    script = Path(sys.executable).with_name("dwp")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "dwp.cli"]
    data_dir = f"DWP_DATA_DIR={shlex.quote(str(settings.dwp_data_dir.resolve()))}"
    return " ".join([data_dir, *map(shlex.quote, [*program, "token", *args])])


def seed_demo_data(settings: Settings, *, citizen_url: str, gateway_url: str | None = None) -> dict[str, str]:
    citizen_token = mint(  # used once, here, to register the demo citizen; never printed
        settings, subject="demo-citizen", kind="citizen", citizen_id=DEMO_CITIZEN_ID, level_of_confidence="P2"
    )
    identity_token = mint(settings, subject="identity", kind="service", lifetime_seconds=300)
    import httpx  # here: `dwp token` mints with this module and needs no HTTP client

    response = httpx.post(
        f"{citizen_url}/v1/internal/citizens",
        json=DEMO_CITIZEN,
        headers={
            "Authorization": f"Bearer {identity_token}",
            "On-Behalf-Of": citizen_token,
            "Idempotency-Key": "demo-seed",
        },
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
    citizen = token_command(settings, "citizen", "--citizen-id", DEMO_CITIZEN_ID, "--subject", "demo-citizen")
    caseworker = token_command(settings, "caseworker", "--subject", "demo-caseworker")
    return {
        **sign_in,
        "demo citizen token": citizen,
        "demo caseworker token": caseworker,
        "try": f'curl -H "Authorization: Bearer $({citizen})" {citizen_url}/v1/citizens/{DEMO_CITIZEN_ID}',
    }
