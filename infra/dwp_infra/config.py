"""Per-environment settings, read from CDK context (`cdk.json`, overridable with `-c`).

Everything that differs between dev, staging and production lives here, typed, so a stack never reads
context itself and a missing or misspelt setting fails at synth with the key's name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import aws_cdk as cdk
from constructs import Node

ENVIRONMENTS = ("dev", "staging", "production")


@dataclass(frozen=True)
class EnvConfig:
    name: str
    account: str
    region: str
    replica_region: str
    """Region of the DynamoDB global table replica."""
    domain_name: str
    hosted_zone_id: str
    nat_gateways: int
    min_tasks: int
    max_tasks: int
    db_instance_class: str
    db_allocated_storage_gib: int
    db_read_replica: bool
    db_multi_az: bool
    backup_retention_days: int
    log_retention_days: int
    redis_node_type: str
    redis_shards: int
    redis_replicas_per_shard: int
    shield_advanced: bool
    service_connect_tls: bool
    config_recorder: bool
    """False where the account already has an AWS Config recorder (one per region is allowed)."""
    waf_rate_limit_per_5_min: int
    api_rate_limit_per_second: int
    api_burst_limit: int
    strict: bool
    """Deletion protection, retained data on stack deletion, longer retention."""
    cloudfront_prefix_list_id: str
    image_tag: str | None = None
    """Set by the pipeline: deploy this tag from the ECR repository instead of building the image asset."""

    @property
    def env(self) -> cdk.Environment:
        return cdk.Environment(account=self.account, region=self.region)

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        return cdk.RemovalPolicy.RETAIN if self.strict else cdk.RemovalPolicy.DESTROY


@dataclass(frozen=True)
class ToolingConfig:
    account: str
    region: str
    connection_arn: str
    repository: str
    branch: str

    @property
    def env(self) -> cdk.Environment:
        return cdk.Environment(account=self.account, region=self.region)


def _require(node: Node, key: str) -> Any:
    value = node.try_get_context(key)
    if value is None:
        raise KeyError(f"CDK context {key!r} is missing (see infra/cdk.json)")
    return value


def load_env(node: Node, name: str | None = None) -> EnvConfig:
    """The settings of one environment; `name` defaults to the `dwp:env` context value."""
    name = name or _require(node, "dwp:env")
    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {name!r}; expected one of {ENVIRONMENTS}")
    raw = dict(_require(node, "dwp:environments")[name])
    raw["cloudfront_prefix_list_id"] = _require(node, "cloudfront_origin_prefix_lists")[raw["region"]]
    raw["image_tag"] = node.try_get_context("image_tag")
    known = {f.name for f in fields(EnvConfig)} - {"name"}
    unknown = set(raw) - known
    if unknown:
        raise KeyError(f"unknown settings for {name}: {sorted(unknown)}")
    return EnvConfig(name=name, **raw)


def load_tooling(node: Node) -> ToolingConfig:
    tooling = _require(node, "dwp:tooling")
    source = _require(node, "dwp:source")
    return ToolingConfig(
        account=tooling["account"],
        region=tooling["region"],
        connection_arn=source["connection_arn"],
        repository=source["repository"],
        branch=source["branch"],
    )


def load_all_envs(node: Node) -> tuple[EnvConfig, ...]:
    return tuple(load_env(node, name) for name in ENVIRONMENTS)
