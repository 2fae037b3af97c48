"""The identity service's provider credentials, checked when it starts (on AWS ECS injects them from
Secrets Manager, whose generated placeholder must not be taken for a key: docs/deploy.md)."""

from __future__ import annotations

import json

import pytest
from joserfc import jwk

from dwp.identity.config import IdentitySettings

PRIVATE = jwk.ECKey.generate_key("P-256", private=True)


def test_a_private_ec_jwk_is_the_one_login_client_key() -> None:
    settings = IdentitySettings(one_login_client_key=json.dumps(PRIVATE.as_dict(private=True)))
    assert settings.one_login_key.thumbprint() == PRIVATE.thumbprint()


@pytest.mark.parametrize(
    "value",
    [
        "a0B1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R7s8T9u0V1w2X3y4Z5a6B7c8D9e0F1",  # Secrets Manager's placeholder
        json.dumps(PRIVATE.as_dict(private=False)),  # the public half: it cannot sign
        '{"kty": "RSA"}',
        '{"kty": "EC", "crv": "P-256"}',
        "null",
        "",
        "\x00",
    ],
    ids=["placeholder", "public-half", "rsa", "no-coordinates", "null", "empty", "nul"],
)
def test_anything_else_is_refused_at_start_naming_the_setting(value: str) -> None:
    with pytest.raises(ValueError, match="one_login_client_key"):
        IdentitySettings(one_login_client_key=value)
