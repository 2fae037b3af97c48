import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey

from dwp.platform.auth import (
    KeySource,
    TokenVerifier,
    Unauthenticated,
    mint_token,
    public_key_set,
)

ISSUER = "https://identity.test"
UNSIGNED_CLAIMS = {
    "iss": ISSUER,
    "aud": "dwp-platform",
    "sub": "s",
    "kind": "citizen",
    "citizen_id": "c",
    "exp": 2**31,
}


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)


@pytest.fixture(scope="module")
def verifier(key: ECKey) -> TokenVerifier:
    return TokenVerifier(KeySource(key_set=KeySet.import_key_set(public_key_set([key]))), issuer=ISSUER)


def citizen_token(key: ECKey, **overrides: object) -> str:
    values: dict = {"issuer": ISSUER, "subject": "s-1", "kind": "citizen", "citizen_id": "c-1"}
    values.update(overrides)
    return mint_token(key, **values)


async def test_valid_citizen_token_gives_the_principal(key: ECKey, verifier: TokenVerifier) -> None:
    principal = await verifier.verify(citizen_token(key, level_of_confidence="P2"))
    assert principal.kind == "citizen"
    assert principal.citizen_id == "c-1"
    assert principal.level_of_confidence == "P2"


async def test_caseworker_token_carries_roles(key: ECKey, verifier: TokenVerifier) -> None:
    token = mint_token(
        key, issuer=ISSUER, subject="cw", kind="caseworker", roles=["caseworker", "team-leader"]
    )
    principal = await verifier.verify(token)
    assert principal.roles == {"caseworker", "team-leader"}


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"issuer": "https://evil.test"}, "wrong issuer"),
        ({"audience": "another-audience"}, "wrong audience"),
        ({"now": time.time() - 3600, "lifetime_seconds": 60}, "expired"),
        ({"now": time.time() + 3600}, "issued in the future"),
    ],
)
async def test_refuses_bad_claims(key: ECKey, verifier: TokenVerifier, overrides: dict, why: str) -> None:
    with pytest.raises(Unauthenticated):
        await verifier.verify(citizen_token(key, **overrides))


async def test_refuses_a_token_signed_by_an_unknown_key(verifier: TokenVerifier) -> None:
    stranger = ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)
    with pytest.raises(Unauthenticated):
        await verifier.verify(citizen_token(stranger))


async def test_refuses_alg_none(verifier: TokenVerifier) -> None:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {
        "iss": ISSUER,
        "aud": "dwp-platform",
        "sub": "s",
        "kind": "citizen",
        "citizen_id": "c",
        "exp": 2**31,
    }
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    with pytest.raises(Unauthenticated, match="ES256"):
        await verifier.verify(token)


async def test_refuses_hmac_signed_token_even_with_the_public_key_as_secret(verifier: TokenVerifier) -> None:
    secret = OctKey.import_key(b"x" * 32)
    claims = {
        "iss": ISSUER,
        "aud": "dwp-platform",
        "sub": "s",
        "kind": "citizen",
        "citizen_id": "c",
        "exp": 2**31,
    }
    token = jwt.encode({"alg": "HS256"}, claims, secret)
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


async def test_refuses_garbage(verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthenticated):
        await verifier.verify("not.a.token")


async def test_citizen_token_without_citizen_id_refused(key: ECKey, verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthenticated, match="citizen id"):
        await verifier.verify(mint_token(key, issuer=ISSUER, subject="s", kind="citizen"))


async def test_a_checked_token_is_remembered_until_it_expires(key: ECKey) -> None:
    class CountingSource(KeySource):
        calls = 0

        async def key_set(self, kid: str | None) -> KeySet:
            CountingSource.calls += 1
            return await super().key_set(kid)

    verifier = TokenVerifier(
        CountingSource(key_set=KeySet.import_key_set(public_key_set([key]))), issuer=ISSUER
    )
    token = citizen_token(key)
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert CountingSource.calls == 1
    other = citizen_token(key, citizen_id="c-2")
    assert (await verifier.verify(other)).citizen_id == "c-2"
    assert CountingSource.calls == 2
