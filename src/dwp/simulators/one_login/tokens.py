"""The tokens the One Login simulator signs, and the faults it can be told to put in them for tests.

Claims follow One Login's documentation: the ID token of "Authenticate your user", the core identity
JWT of "Prove your user's identity", the logout token of "Managing your users' sessions".
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal
from urllib.parse import urlsplit

from dwp.simulators.oidc import (
    ID_TOKEN_FAULTS,
    SigningKeys,
    access_token_hash,
    apply_nonce_fault,
    sign_with_fault,
)
from dwp.simulators.one_login.registry import SimUser

TokenKind = Literal["id_token", "core_identity", "logout_token"]

FAULTS: dict[TokenKind, frozenset[str]] = {
    "id_token": ID_TOKEN_FAULTS,
    "core_identity": frozenset(
        {
            "wrong_aud",
            "wrong_iss",
            "bad_signature",
            "unknown_key",
            "expired",
            "low_confidence",
            "wrong_sub",
            "alg_none",
        }
    ),
    "logout_token": frozenset({"bad_signature", "unknown_key", "wrong_aud", "expired"}),
}

ID_TOKEN_LIFETIME = 120
CORE_IDENTITY_LIFETIME = 180
LOGOUT_TOKEN_LIFETIME = 120
BACK_CHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
RETURN_CODE_CLAIM = "https://vocab.account.gov.uk/v1/returnCode"
CORE_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
ADDRESS_CLAIM = "https://vocab.account.gov.uk/v1/address"


def did_web(base_url: str, path: str) -> str:
    """did:web identifier for a URL: the port's colon is percent-encoded, path segments become colons."""
    netloc = urlsplit(base_url).netloc.replace(":", "%3A")
    return ":".join(["did:web", netloc, *[p for p in path.split("/") if p]])


class TokenFactory:
    """Signs ID tokens, core identity JWTs and logout tokens, applying any faults switched on."""

    def __init__(self, *, issuer: str, identity_issuer: str, did: str, trustmark: str) -> None:
        self.issuer = issuer
        self.identity_issuer = identity_issuer
        self.did = did
        self.trustmark = trustmark
        self.oidc_keys = SigningKeys(algorithm="ES256")
        self.identity_keys = SigningKeys(algorithm="ES256", kid_prefix=f"{did}#")
        self.faults: dict[TokenKind, str] = {}

    def set_fault(self, kind: TokenKind, fault: str | None) -> None:
        if fault is None:
            self.faults.pop(kind, None)
            return
        if fault not in FAULTS[kind]:
            raise ValueError(
                f"{kind} cannot be given the fault {fault!r}; choose from {sorted(FAULTS[kind])}"
            )
        self.faults[kind] = fault

    def id_token(
        self, *, client_id: str, sub: str, nonce: str, access_token: str, sid: str, auth_time: int
    ) -> str:
        now = int(time.time())
        claims = {
            "at_hash": access_token_hash(access_token),
            "sub": sub,
            "aud": client_id,
            "iss": self.issuer,
            "vot": "Cl.Cm",
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "nonce": nonce,
            "vtm": self.trustmark,
            "sid": sid,
            "auth_time": auth_time,
        }
        apply_nonce_fault(claims, self.faults.get("id_token"))
        return self._sign("id_token", claims, self.oidc_keys, lifetime=ID_TOKEN_LIFETIME)

    def core_identity(self, *, client_id: str, sub: str, user: SimUser) -> str:
        now = int(time.time())
        claims = {
            "sub": sub,
            "iss": self.identity_issuer,
            "aud": client_id,
            "nbf": now,
            "iat": now,
            "exp": now + CORE_IDENTITY_LIFETIME,
            "vot": "P2",
            "vtm": self.trustmark,
            "vc": {
                "type": ["VerifiableCredential", "VerifiableIdentityCredential"],
                "credentialSubject": {
                    "name": [
                        {
                            "nameParts": [{"value": n, "type": "GivenName"} for n in user.given_names]
                            + [{"value": user.family_name, "type": "FamilyName"}]
                        }
                    ],
                    "birthDate": [{"value": user.birth_date}],
                },
            },
        }
        fault = self.faults.get("core_identity")
        if fault == "low_confidence":
            claims["vot"] = "P1"
        elif fault == "wrong_sub":
            claims["sub"] = "urn:fdc:gov.uk:2022:someone-else"
        return self._sign("core_identity", claims, self.identity_keys, lifetime=CORE_IDENTITY_LIFETIME)

    def logout_token(self, *, client_id: str, sub: str, sid: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_LIFETIME,
            "jti": str(uuid.uuid4()),
            "events": {BACK_CHANNEL_LOGOUT_EVENT: {}},
        }
        if sid:
            claims["sid"] = sid
        return self._sign(
            "logout_token", claims, self.oidc_keys, lifetime=LOGOUT_TOKEN_LIFETIME, typ="logout+jwt"
        )

    def _sign(
        self, kind: TokenKind, claims: dict[str, Any], keys: SigningKeys, *, lifetime: int, typ: str = "JWT"
    ) -> str:
        return sign_with_fault(keys, claims, fault=self.faults.get(kind), lifetime=lifetime, typ=typ)
