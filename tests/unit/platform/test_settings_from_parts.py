"""On AWS a task is given its database and cache as parts (`infra/dwp_infra/services.py`: DB_HOST, DB_NAME,
DB_USERNAME and DB_PASSWORD from Secrets Manager; REDIS_HOST, REDIS_PORT, REDIS_AUTH_TOKEN), not as URLs.
Before, the settings read only DATABASE_URL, so a production task refused to start ("DATABASE_URL must be
set"), and Redis was never used."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from dwp.platform.settings import Settings

PARTS = {
    "DWP_ENV": "production",
    "DWP_JWT_ISSUER": "https://auth.example.gov.uk",
    "DB_HOST": "dwp.cluster-abc.eu-west-2.rds.amazonaws.com",
    "DB_PORT": "5432",
    "DB_NAME": "dwp",
    "DB_USERNAME": "dwp_claims",
    "DB_PASSWORD": "p@ss:/w%rd#?",  # Secrets Manager's generated passwords hold punctuation
    "REDIS_HOST": "clustercfg.dwp.abc.euw2.cache.amazonaws.com",
    "REDIS_PORT": "6379",
    "REDIS_AUTH_TOKEN": "t/k@n:x",
    "DWP_REDIS_CLUSTER": "true",
}


@pytest.fixture
def from_parts(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PARTS.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_the_database_url_is_assembled_and_decodes_back_to_the_parts(from_parts: Settings) -> None:
    assert from_parts.database_url is not None
    url = make_url(from_parts.database_url)
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port, url.database) == (PARTS["DB_HOST"], 5432, "dwp")
    assert (url.username, url.password) == ("dwp_claims", PARTS["DB_PASSWORD"])


def test_the_redis_url_uses_tls_and_the_auth_token(from_parts: Settings) -> None:
    import redis.asyncio as redis

    assert from_parts.redis_url is not None
    assert from_parts.redis_url.startswith("rediss://")
    assert from_parts.dwp_redis_cluster is True
    kwargs = redis.Redis.from_url(from_parts.redis_url).connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["password"]) == (PARTS["REDIS_HOST"], 6379, "t/k@n:x")


def test_a_given_url_wins_over_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_HOST", "ignored.example")
    monkeypatch.setenv("DB_NAME", "x")
    monkeypatch.setenv("DB_USERNAME", "x")
    assert Settings(database_url="sqlite+aiosqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


def test_a_host_without_its_name_and_user_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB_HOST", "db.example")
    with pytest.raises(ValueError, match="DB_NAME and DB_USERNAME"):
        Settings()


def test_every_part_infra_gives_a_task_is_a_setting() -> None:
    """The names the CDK app sets on a task's environment and secrets are read by the settings."""
    names = {name.lower() for name in Settings.model_fields} | {"aws_default_region"}
    for part in (
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_USERNAME",
        "DB_PASSWORD",
        "REDIS_HOST",
        "REDIS_PORT",
        "REDIS_AUTH_TOKEN",
        "DWP_REDIS_CLUSTER",
    ):
        assert part.lower() in names
