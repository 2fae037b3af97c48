"""Test users and registered clients of the One Login simulator, loaded from the data files beside it."""

from __future__ import annotations

import base64
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from joserfc import jwk, jwt
from joserfc.errors import InvalidKeyIdError

from dwp.simulators.oidc import expand_placeholders

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class SimUser:
    id: str
    email: str
    phone_number: str
    identity: Literal["P2", "failed"]
    given_names: tuple[str, ...]
    family_name: str
    birth_date: str
    addresses: tuple[dict[str, str], ...] = ()
    return_codes: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return " ".join((*self.given_names, self.family_name))

    def pairwise_sub(self, sector_identifier: str) -> str:
        """A stable subject per (user, sector), so two services cannot correlate a user by `sub`.

        Same shape as One Login's: `urn:fdc:gov.uk:2022:` then base64url of a SHA-256.
        """
        digest = hashlib.sha256(f"{sector_identifier}|{self.id}".encode()).digest()
        return "urn:fdc:gov.uk:2022:" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass
class Client:
    client_id: str
    sector_identifier: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    back_channel_logout_uri: str | None = None
    jwks_uri: str | None = None
    jwks: dict[str, Any] | None = None
    scopes: tuple[str, ...] = ("openid", "email", "phone")
    pkce_enforced: bool = True
    identity_verification_supported: bool = True
    return_codes_enabled: bool = False
    _fetched: dict[str, Any] | None = field(default=None, repr=False)

    async def keys(self, http: httpx.AsyncClient, *, refresh: bool = False) -> jwk.KeySet:
        """The client's public keys: inline, or fetched from its `jwks_uri` (refetched on an unknown kid)."""
        if self.jwks is not None:
            return jwk.KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]
        if self.jwks_uri is None:
            return jwk.KeySet([])
        if self._fetched is None or refresh:
            response = await http.get(self.jwks_uri, timeout=5.0)
            response.raise_for_status()
            self._fetched = response.json()
        return jwk.KeySet.import_key_set(self._fetched)  # type: ignore[arg-type]


def load_users(path: Path = _HERE / "users.toml") -> dict[str, SimUser]:
    data = tomllib.loads(path.read_text())
    users = {}
    for raw in data["users"]:
        users[raw["id"]] = SimUser(
            id=raw["id"],
            email=raw["email"],
            phone_number=raw["phone_number"],
            identity=raw["identity"],
            given_names=tuple(raw["given_names"]),
            family_name=raw["family_name"],
            birth_date=raw["birth_date"],
            addresses=tuple(raw.get("addresses", ())),
            return_codes=tuple(raw.get("return_codes", ())),
        )
    return users


def load_clients(path: Path = _HERE / "clients.toml") -> dict[str, Client]:
    data = tomllib.loads(path.read_text())
    clients = {}
    for raw in data["clients"]:
        clients[raw["client_id"]] = client_from_dict(raw)
    return clients


def client_from_dict(raw: dict[str, Any]) -> Client:
    def opt(name: str) -> str | None:
        value = raw.get(name)
        return expand_placeholders(value) if value else None

    return Client(
        client_id=raw["client_id"],
        sector_identifier=raw.get("sector_identifier", raw["client_id"]),
        redirect_uris=tuple(map(expand_placeholders, raw["redirect_uris"])),
        post_logout_redirect_uris=tuple(map(expand_placeholders, raw.get("post_logout_redirect_uris", ()))),
        back_channel_logout_uri=opt("back_channel_logout_uri"),
        jwks_uri=opt("jwks_uri"),
        jwks=raw.get("jwks"),
        scopes=tuple(raw.get("scopes", ("openid", "email", "phone"))),
        pkce_enforced=bool(raw.get("pkce_enforced", True)),
        identity_verification_supported=bool(raw.get("identity_verification_supported", True)),
        return_codes_enabled=bool(raw.get("return_codes_enabled", False)),
    )


CLIENT_ALGORITHMS = ("ES256", "RS256", "PS256")


async def verify_client_jwt(value: str, client: Client, http: httpx.AsyncClient) -> jwt.Token:
    """Check a JWT the client signed (request object, client assertion) against its registered keys."""
    try:
        return jwt.decode(value, await client.keys(http), algorithms=CLIENT_ALGORITHMS)
    except InvalidKeyIdError:
        # The client may have rotated its key since its keys were cached.
        return jwt.decode(value, await client.keys(http, refresh=True), algorithms=CLIENT_ALGORITHMS)
