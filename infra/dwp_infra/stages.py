"""Builds every stack of one environment, plus the pipeline, into a CDK app."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

# The catalogue is plain Python in the same repository; the app needs no install of the platform.
_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from dwp_infra.config import EnvConfig, load_all_envs, load_env, load_tooling  # noqa: E402
from dwp_infra.data import DataProps, DataStack  # noqa: E402
from dwp_infra.edge import EDGE_REGION, EdgeGlobalProps, EdgeGlobalStack, EdgeProps, EdgeStack  # noqa: E402
from dwp_infra.network import NetworkProps, NetworkStack  # noqa: E402
from dwp_infra.pipeline import PipelineProps, PipelineStack  # noqa: E402
from dwp_infra.platform import PlatformProps, PlatformStack  # noqa: E402
from dwp_infra.services import ORIGIN_VERIFY_HEADER, ServicesProps, ServicesStack  # noqa: E402


@dataclass(frozen=True)
class Stacks:
    config: EnvConfig
    network: NetworkStack
    data: DataStack
    platform: PlatformStack
    services: ServicesStack
    edge_global: EdgeGlobalStack
    edge: EdgeStack
    pipeline: PipelineStack

    def all(self) -> tuple[cdk.Stack, ...]:
        return (
            self.network,
            self.data,
            self.platform,
            self.services,
            self.edge_global,
            self.edge,
            self.pipeline,
        )


def build(app: cdk.App, env_name: str | None = None, *, nag: bool = True) -> Stacks:
    config = load_env(app.node, env_name)
    tooling = load_tooling(app.node)
    prefix = f"dwp-{config.name}"
    tags = {"Project": "dwp-benefits-platform", "Environment": config.name}

    network = NetworkStack(app, f"{prefix}-network", props=NetworkProps(config=config), env=config.env)
    data = DataStack(app, f"{prefix}-data", props=DataProps(config=config, vpc=network.vpc), env=config.env)
    platform = PlatformStack(
        app,
        f"{prefix}-platform",
        props=PlatformProps(
            config=config,
            tooling=tooling,
            vpc=network.vpc,
            data_key=data.data_key,
            access_logs=data.access_logs,
        ),
        env=config.env,
    )
    services = ServicesStack(
        app,
        f"{prefix}-services",
        props=ServicesProps(config=config, network=network, data=data, platform=platform),
        env=config.env,
    )
    edge_global = EdgeGlobalStack(
        app,
        f"{prefix}-edge-global",
        props=EdgeGlobalProps(config=config),
        env=cdk.Environment(account=config.account, region=EDGE_REGION),
        cross_region_references=True,
    )
    edge = EdgeStack(
        app,
        f"{prefix}-edge",
        props=EdgeProps(
            config=config,
            web_acl_arn=edge_global.web_acl.attr_arn,
            certificate=edge_global.certificate,
            origin_domain=services.origin_domain,
            origin_secret=services.origin_secret,
            origin_header=ORIGIN_VERIFY_HEADER,
            public_alb=services.public_alb,
            log_bucket=data.access_logs,
        ),
        env=config.env,
        cross_region_references=True,
    )
    pipeline = PipelineStack(
        app,
        "dwp-pipeline",
        props=PipelineProps(tooling=tooling, environments=load_all_envs(app.node)),
        env=tooling.env,
    )
    stacks = Stacks(config, network, data, platform, services, edge_global, edge, pipeline)
    for stack in stacks.all():
        for key, value in tags.items():
            cdk.Tags.of(stack).add(key, value)
    if nag:
        cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return stacks
