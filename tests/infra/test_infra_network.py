"""Network: three zones, a NAT gateway per zone in production, tiers of subnets, flow logs, endpoints."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from dwp_infra.config import load_env
from dwp_infra.network import INTERFACE_ENDPOINTS, NetworkProps, NetworkStack
from tests.infra.infra_support import cdk_context, resources_of

pytestmark = pytest.mark.xdist_group("infra")


def _subnets_by_tier(template: dict) -> dict[str, set[str]]:
    tiers: dict[str, set[str]] = {}
    for subnet in resources_of(template, "AWS::EC2::Subnet").values():
        tags = {t["Key"]: t["Value"] for t in subnet["Properties"]["Tags"]}
        tiers.setdefault(tags["aws-cdk:subnet-name"], set()).add(subnet["Properties"]["AvailabilityZone"])
    return tiers


def test_every_tier_spans_the_three_availability_zones(synth):
    tiers = _subnets_by_tier(synth.raw["network"])
    zones = {"eu-west-2a", "eu-west-2b", "eu-west-2c"}
    assert tiers == {"public": zones, "tier1-frontend": zones, "tier2-services": zones, "tier3-data": zones}


def test_one_nat_gateway_per_zone_in_public_subnets(synth):
    template = synth.raw["network"]
    nats = resources_of(template, "AWS::EC2::NatGateway")
    assert len(nats) == 3
    public_subnets = {
        name
        for name, subnet in resources_of(template, "AWS::EC2::Subnet").items()
        if subnet["Properties"]["MapPublicIpOnLaunch"] is True
    }
    assert {nat["Properties"]["SubnetId"]["Ref"] for nat in nats.values()} == public_subnets


def test_data_subnets_have_no_route_to_the_internet(synth):
    template = synth.raw["network"]
    data_tables = {
        name
        for name, table in resources_of(template, "AWS::EC2::RouteTable").items()
        if "tier3data" in name.replace("-", "")
    }
    assert len(data_tables) == 3
    routes_from_data = [
        route for route in resources_of(template, "AWS::EC2::Route").values()
        if route["Properties"]["RouteTableId"]["Ref"] in data_tables
    ]  # fmt: skip
    assert routes_from_data == []


def test_flow_logs_capture_all_traffic_to_an_encrypted_log_group(synth):
    template = synth.templates["network"]
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL", "ResourceType": "VPC"})
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value()})


def test_vpc_endpoints_for_the_aws_apis_the_tasks_call(synth):
    endpoints = resources_of(synth.raw["network"], "AWS::EC2::VPCEndpoint")
    interface = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType") == "Interface"]
    gateway = [
        e for e in endpoints.values() if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"
    ]
    assert len(interface) == len(INTERFACE_ENDPOINTS)
    assert all(e["Properties"]["PrivateDnsEnabled"] for e in interface)
    assert len(gateway) == 2  # S3 and DynamoDB: free, and keep image layers and table traffic off the NAT


def test_dev_is_cheaper_with_one_nat_gateway():
    app = cdk.App(context=cdk_context("dev"))
    config = load_env(app.node)
    stack = NetworkStack(app, "dev-network", props=NetworkProps(config=config), env=config.env)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    assert len(_subnets_by_tier(template.to_json())["tier2-services"]) == 3


def test_unknown_environment_is_refused():
    app = cdk.App(context=cdk_context("dev"))
    with pytest.raises(ValueError, match="unknown environment"):
        load_env(app.node, "prod")
