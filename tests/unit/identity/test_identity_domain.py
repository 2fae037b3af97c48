"""Sessions, sign-in attempts, verified identities and signing keys: the rules without I/O."""

from __future__ import annotations

from datetime import date

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from dwp.identity.domain import (
    IDENTITY_VECTOR,
    PendingSignIn,
    Session,
    SessionInvalid,
    SessionPolicy,
    SignInRejected,
    identity_from_claims,
    vector_for,
)
from dwp.identity.tokens import (
    ACTIVATION_DELAY_SECONDS,
    RETIREMENT_GRACE_SECONDS,
    KeyRing,
    SigningKey,
    rotation,
)

POLICY = SessionPolicy(idle_seconds=600, absolute_seconds=3600)


def _session(now: int = 1000) -> Session:
    return Session.open(
        subject_kind="citizen", subject_id="c-1", provider_sub="urn:fdc:gov.uk:2022:x", provider_sid="s",
        confidence="P2", roles=("citizen",), display_name="Sam", id_token="t", now=now,
    )  # fmt: skip


def test_session_expires_after_idle_time() -> None:
    session = _session()
    session.check_live(now=1000 + 599, policy=POLICY)
    with pytest.raises(SessionInvalid, match="idle"):
        session.check_live(now=1000 + 600, policy=POLICY)


def test_use_moves_the_idle_deadline_but_not_the_absolute_one() -> None:
    session = _session()
    for now in range(1500, 3600, 500):
        session = session.touched(now)
        session.check_live(now=now + 1, policy=POLICY)
    with pytest.raises(SessionInvalid, match="maximum lifetime"):
        session.touched(4599).check_live(now=4600, policy=POLICY)


def test_ttl_is_the_earlier_deadline() -> None:
    session = _session().touched(4000)
    assert session.expires_at(POLICY) == 1000 + 3600
    assert _session().expires_at(POLICY) == 1000 + 600


def test_revoked_session_is_not_live() -> None:
    with pytest.raises(SessionInvalid):
        _session().revoke().check_live(now=1001, policy=POLICY)


def test_pending_sign_in_values_are_unguessable_and_pkce_sized() -> None:
    first = PendingSignIn.start(provider="one-login", confidence="P2", now=0, return_to="/v1/auth/me")
    second = PendingSignIn.start(provider="one-login", confidence="P2", now=0, return_to="/v1/auth/me")
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert 43 <= len(first.code_verifier) <= 128


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"]
)
def test_return_to_is_only_ever_a_local_path(target: str) -> None:
    pending = PendingSignIn.start(provider="one-login", confidence="P0", now=0, return_to=target)
    assert pending.return_to == "/v1/auth/me"


def test_vector_of_trust_for_each_level() -> None:
    assert vector_for("P0") == "Cl.Cm"
    assert vector_for("P2") == IDENTITY_VECTOR == "Cl.Cm.P2"


def test_identity_uses_the_current_name_first_birth_date_and_current_address() -> None:
    # The documented example of "Prove your user's identity": a name with validUntil is a former name.
    subject = {
        "name": [
            {"validUntil": "2020-03-01", "nameParts": [{"value": "Alice", "type": "GivenName"},
                                                      {"value": "O'Donnell", "type": "FamilyName"}]},
            {"validFrom": "2020-03-01", "nameParts": [{"value": "Alice", "type": "GivenName"},
                                                     {"value": "Jane", "type": "GivenName"},
                                                     {"value": "Doe", "type": "FamilyName"}]},
        ],
        "birthDate": [{"value": "1970-01-01"}, {"value": "1970-01-02"}],
    }  # fmt: skip
    addresses = [{"uprn": "1", "validUntil": "2022-01-01"}, {"uprn": "2", "validFrom": "2022-01-01"}]
    identity = identity_from_claims(subject, addresses)
    assert identity.given_names == ("Alice", "Jane")
    assert identity.family_name == "Doe"
    assert identity.birth_date == date(1970, 1, 1)
    assert identity.address == {"uprn": "2", "validFrom": "2022-01-01"}


def test_identity_without_a_birth_date_is_rejected() -> None:
    with pytest.raises(SignInRejected):
        identity_from_claims({"name": [{"nameParts": []}]}, None)


def test_rotation_signs_with_the_new_key_and_keeps_the_old_one_published() -> None:
    old = SigningKey.generate(now=0)
    before = KeyRing([old]).mint(issuer="i", subject="s", kind="service")
    new, retired = rotation([old], now=100)
    ring = KeyRing([new, *retired])
    after = ring.mint(issuer="i", subject="s", kind="service")
    keys = ring.jwks(now=100)
    assert {k["kid"] for k in keys["keys"]} == {old.kid, new.kid}  # type: ignore[index]
    key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
    assert jwt.decode(before, key_set).header["kid"] == old.kid
    assert jwt.decode(after, key_set).header["kid"] == new.kid
    # The old key signs until the new one takes over, then stays published until its tokens expired.
    later = ring.jwks(now=100 + ACTIVATION_DELAY_SECONDS + RETIREMENT_GRACE_SECONDS)
    assert {k["kid"] for k in later["keys"]} == {new.kid}  # type: ignore[index]
