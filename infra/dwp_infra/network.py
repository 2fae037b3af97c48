"""Network stack: the VPC over three zones, its subnets, flow logs and the endpoints tasks call."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from dwp_infra.config import EnvConfig
from dwp_infra.keys import allow_cloudwatch_logs

FRONTEND_SUBNETS = "tier1-frontend"
SERVICES_SUBNETS = "tier2-services"
DATA_SUBNETS = "tier3-data"

# Interface endpoints for every AWS API a task or function calls, so that traffic stays in the VPC and
# the NAT gateways carry only calls to outside providers (One Login, HMRC, NHS, Notify, OS Places).
INTERFACE_ENDPOINTS = {
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sns": ec2.InterfaceVpcEndpointAwsService.SNS,
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
    "ExecuteApi": ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
}


@dataclass(frozen=True)
class NetworkProps:
    config: EnvConfig


class NetworkStack(cdk.Stack):
    """VPC (3 AZs; public, two private tiers and isolated data subnets), flow logs, VPC endpoints."""

    def __init__(self, scope: Construct, construct_id: str, *, props: NetworkProps, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = props.config

        # One key for every log group of the environment; CloudWatch Logs must be allowed to use it.
        self.logs_key = kms.Key(
            self,
            "LogsKey",
            alias="alias/dwp-logs",
            description="Encrypts the platform's CloudWatch log groups",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        allow_cloudwatch_logs(self.logs_key, region=config.region, account=config.account)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=3,
            nat_gateways=config.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name=FRONTEND_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
                ec2.SubnetConfiguration(
                    name=SERVICES_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
                ec2.SubnetConfiguration(
                    name=DATA_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
        )
        flow_log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=log_retention(config.log_retention_days),
            encryption_key=self.logs_key,
            removal_policy=config.removal_policy,
        )
        self.vpc.add_flow_log(
            "AllTraffic",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

        self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        self.vpc.add_gateway_endpoint("DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)
        self.endpoint_security_group = endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointsSg",
            vpc=self.vpc,
            description="VPC interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        endpoint_sg.add_ingress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS from VPC"
        )
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in INTERFACE_ENDPOINTS.items():
            self.endpoints[name] = self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=ec2.SubnetSelection(subnet_group_name=SERVICES_SUBNETS),
                security_groups=[endpoint_sg],
                private_dns_enabled=True,
            )


_RETENTION = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS",
}  # fmt: skip


def log_retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention at least `days` long (the API accepts only fixed values)."""
    return logs.RetentionDays[next(_RETENTION[d] for d in sorted(_RETENTION) if d >= days)]
