"""No token lives past 15 minutes, wherever it is minted: key rotation retires a key on that promise."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from typer.testing import CliRunner

from dwp.cli import app as cli
from dwp.identity.config import IdentitySettings
from dwp.identity.tokens import RETIREMENT_GRACE_SECONDS, KeyRing, SigningKey
from dwp.platform.auth import MAX_TOKEN_SECONDS, load_or_create_dev_key, mint_token
from dwp.platform.settings import Settings, get_settings

KEY = ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)


def _lifetime(token: str) -> int:
    claims = jwt.decode(token, KEY).claims
    return int(claims["exp"]) - int(claims["iat"])


def test_the_longest_token_is_15_minutes_and_rotation_waits_past_it() -> None:
    assert MAX_TOKEN_SECONDS == 15 * 60
    assert RETIREMENT_GRACE_SECONDS > MAX_TOKEN_SECONDS


@pytest.mark.parametrize("seconds", [MAX_TOKEN_SECONDS + 1, 12 * 3600, 0, -60])
def test_mint_token_refuses_a_lifetime_outside_1_second_to_15_minutes(seconds: int) -> None:
    with pytest.raises(ValueError, match="at most 900 seconds"):
        mint_token(KEY, issuer="i", subject="s", kind="service", lifetime_seconds=seconds)


def test_mint_token_mints_up_to_the_maximum() -> None:
    token = mint_token(KEY, issuer="i", subject="s", kind="service", lifetime_seconds=MAX_TOKEN_SECONDS)
    assert _lifetime(token) == MAX_TOKEN_SECONDS
    assert _lifetime(mint_token(KEY, issuer="i", subject="s", kind="service")) == MAX_TOKEN_SECONDS


def test_the_identity_key_ring_cannot_mint_a_longer_token() -> None:
    ring = KeyRing([SigningKey.generate(int(time.time()))])
    with pytest.raises(ValueError, match="at most 900 seconds"):
        ring.mint(issuer="i", subject="s", kind="citizen", citizen_id="c", lifetime_seconds=3600)


@pytest.mark.parametrize(
    "setting", ["DWP_IDENTITY_ACCESS_TOKEN_SECONDS", "DWP_IDENTITY_SERVICE_TOKEN_SECONDS"]
)
def test_identity_refuses_a_token_lifetime_setting_over_15_minutes(
    setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(setting, str(MAX_TOKEN_SECONDS + 1))
    with pytest.raises(ValueError, match="900"):
        IdentitySettings()


def test_dwp_token_refuses_16_minutes_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DWP_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["token", "citizen", "--minutes", "16"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "--minutes must be 1 to 15" in result.stderr
    assert not (tmp_path / "keys").exists(), "nothing was minted, no key was made"


@pytest.fixture
def own_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The CLI reads the process's settings once (`get_settings` is cached): these, for this test only."""
    for name in ("DWP_JWKS_URL", "DATABASE_URL", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DWP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_dwp_token_defaults_to_15_minutes(own_settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["token", "caseworker"])
    assert result.exit_code == 0, result.output
    key = load_or_create_dev_key(own_settings)
    claims = jwt.decode(result.stdout.strip(), key).claims
    assert claims["exp"] - claims["iat"] == MAX_TOKEN_SECONDS
    assert claims["kind"] == "caseworker"
