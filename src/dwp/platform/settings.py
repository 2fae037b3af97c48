"""Settings for every process, from environment variables, with defaults that make the embedded mode work."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform import catalog

Environment = Literal["local", "test", "dev", "staging", "production"]


class Settings(BaseSettings):
    """One validated settings object; a process refuses to start with a bad or unsafe value."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    dwp_env: Environment = Field("local", description="Which environment this is.")
    dwp_data_dir: Path = Field(Path(".dwp"), description="Folder for SQLite files, keys and logs locally.")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL (postgresql+asyncpg://...); SQLite files when unset."
    )
    database_read_url: str | None = Field(
        None,
        description="A read replica of DATABASE_URL: reads that may be a little stale (caseworker queues, "
        "lists, searches, reports) go there; everything else, and any read after a write, to the primary.",
    )
    db_read_host: str | None = Field(
        None, description="The read replica's host, when DATABASE_READ_URL is not given (the rest as DB_*)."
    )
    redis_url: str | None = Field(None, description="Redis URL for the cache; in-process cache when unset.")
    dwp_redis_cluster: bool = Field(
        False,
        description="Whether Redis is a cluster (ElastiCache in cluster mode, as `infra/` builds it): the "
        "cluster client is used, which follows the slots' owners; REDIS_URL names any one node.",
    )
    # On AWS the task gets the database and cache as parts (`infra/`: the endpoint from the stack, the
    # credentials from Secrets Manager), not as one URL; the URLs are assembled from them when unset.
    db_host: str | None = Field(None, description="PostgreSQL host (with DB_NAME, DB_USERNAME, DB_PASSWORD).")
    db_port: int = Field(5432, description="PostgreSQL port.")
    db_name: str | None = Field(None, description="PostgreSQL database name.")
    db_username: str | None = Field(None, description="PostgreSQL user (from Secrets Manager on AWS).")
    db_password: SecretStr | None = Field(None, description="PostgreSQL password (from Secrets Manager).")
    db_secret_arn: str | None = Field(
        None,
        description="Secrets Manager secret holding the database's username and password (JSON, as RDS "
        "makes it). When set, each new connection takes its credentials from it, re-read when the database "
        "refuses them: a rotated password is picked up without restarting the task.",
    )
    redis_host: str | None = Field(None, description="Redis host, when REDIS_URL is not given.")
    redis_port: int = Field(6379, description="Redis port.")
    redis_auth_token: SecretStr | None = Field(None, description="Redis AUTH token (from Secrets Manager).")
    dwp_redis_tls: bool = Field(
        True, description="TLS to a Redis given as parts (ElastiCache's transit encryption is required)."
    )
    aws_endpoint_url: str | None = Field(
        None, description="AWS endpoint override (the embedded moto server locally; unset on AWS)."
    )
    aws_region: str = Field("eu-west-2", alias="AWS_DEFAULT_REGION", description="AWS region.")
    dwp_log_level: str = Field("INFO", description="Log level for every process.")
    dwp_max_body_bytes: int = Field(1_048_576, description="Largest request body a service accepts.")
    dwp_jwt_issuer: str = Field("dwp-local-dev", description="Issuer every service trusts for tokens.")
    dwp_jwks_url: str | None = Field(
        None, description="JWKS of the token issuer; the local development key's JWKS when unset."
    )
    dwp_blind_index_key: str | None = Field(
        None,
        description="Key for NINO blind indexes; read from Secrets Manager when unset.",
    )
    dwp_outbox_interval_seconds: float = Field(0.5, description="How often the outbox relay polls.")
    dwp_outbox_await_bootstrap: bool | None = Field(
        None,
        description=(
            "Whether the outbox relay publishes only once `dwp bootstrap` has written its completion marker;"
            " when unset, only with AWS_ENDPOINT_URL (the embedded endpoint, where bootstrap makes the topics"
            " and subscriptions; on AWS the CDK app makes them)."
        ),
    )
    dwp_topic_arns: dict[str, str] = Field(
        default_factory=dict,
        description="SNS topic ARNs by topic name (JSON); built from account and region when not given.",
    )
    dwp_aws_account_id: str | None = Field(
        None, description="AWS account of the topics; asked of STS (GetCallerIdentity) when unset."
    )
    dwp_port_offset: int = Field(
        0, description="Added to every local port by `dwp up`, to run a second copy beside the first."
    )
    dwp_otlp_endpoint: str | None = Field(None, description="OTLP/HTTP endpoint for traces; none when unset.")
    dwp_trace_sample_ratio: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of requests whose spans are recorded; all when exported, none otherwise.",
    )
    dwp_trusted_proxies: str = Field(
        "",
        description="Comma-separated CIDRs of the proxies and load balancers whose X-Forwarded-For this "
        "process believes (on AWS: the subnets of the load balancer in front of it); none when empty.",
    )

    @field_validator("dwp_trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxies(self) -> list[str]:
        """The trusted proxy networks, normalised (`10.0.1.7/24` is `10.0.1.0/24`)."""
        parts = (p.strip() for p in self.dwp_trusted_proxies.split(","))
        return [str(ipaddress.ip_network(p, strict=False)) for p in parts if p]

    @model_validator(mode="after")
    def _assemble_urls_from_parts(self) -> Settings:
        if self.database_url is None and self.db_host:
            if not (self.db_name and (self.db_username or self.db_secret_arn)):
                raise ValueError(
                    "DB_HOST needs DB_NAME and DB_USERNAME (and DB_PASSWORD), or DB_SECRET_ARN, beside it"
                )
            # Percent-encoded by hand rather than with SQLAlchemy's URL, which would make every command
            # that reads settings (`dwp token`) import SQLAlchemy; `make_url` decodes it back. With a
            # secret the URL holds no credentials: each connection takes them from the secret.
            credentials = ""
            if self.db_username and not self.db_secret_arn:
                password = self.db_password.get_secret_value() if self.db_password else ""
                secret = f":{quote(password, safe='')}" if password else ""
                credentials = f"{quote(self.db_username, safe='')}{secret}@"
            name = quote(self.db_name, safe="")
            self.database_url = f"postgresql+asyncpg://{credentials}{self.db_host}:{self.db_port}/{name}"
            if self.database_read_url is None and self.db_read_host:
                self.database_read_url = (
                    f"postgresql+asyncpg://{credentials}{self.db_read_host}:{self.db_port}/{name}"
                )
        if self.redis_url is None and self.redis_host:
            scheme = "rediss" if self.dwp_redis_tls else "redis"
            token = self.redis_auth_token.get_secret_value() if self.redis_auth_token else ""
            auth = f":{quote(token, safe='')}@" if token else ""
            self.redis_url = f"{scheme}://{auth}{self.redis_host}:{self.redis_port}/0"
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_outside_local(self) -> Settings:
        if self.dwp_env in ("staging", "production"):
            if self.database_url is None:
                raise ValueError("DATABASE_URL must be set outside local and test environments")
            if self.dwp_jwt_issuer == "dwp-local-dev":
                raise ValueError("the local development token issuer cannot be trusted outside local")
        return self

    def service_url(self, name: str) -> str:
        """Base URL of another process: `DWP_<NAME>_URL` when set, its local port otherwise."""
        entry = catalog.process(name)
        return os.environ.get(entry.url_setting, entry.local_url)

    @property
    def keys_dir(self) -> Path:
        return self.dwp_data_dir / "keys"

    @property
    def outbox_awaits_bootstrap(self) -> bool:
        if self.dwp_outbox_await_bootstrap is not None:
            return self.dwp_outbox_await_bootstrap
        return self.aws_endpoint_url is not None

    @property
    def is_local(self) -> bool:
        return self.dwp_env in ("local", "test")


@lru_cache
def get_settings() -> Settings:
    return Settings()
