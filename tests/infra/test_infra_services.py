"""Services: one Fargate service per deployed catalogue entry, each with its own role and security group,
private subnets only, Service Connect with TLS, a collector sidecar, logs, health checks and rollback."""

from __future__ import annotations

import json

import pytest

from dwp.platform import catalog
from dwp_infra.microservice import ADOT_IMAGE
from dwp_infra.services import ISSUER_PROCESS
from tests.infra.infra_support import logical_id, resources_of

pytestmark = pytest.mark.xdist_group("infra")

FARGATE = [p for p in catalog.PROCESSES if p.on_fargate]


def _service(synth, name: str) -> dict:
    return synth.raw["services"]["Resources"][logical_id(synth.stacks.services.services[name].service)]


def _task(synth, name: str) -> dict:
    return synth.raw["services"]["Resources"][
        logical_id(synth.stacks.services.services[name].task_definition)
    ]


def _app_container(synth, name: str) -> dict:
    containers = _task(synth, name)["Properties"]["ContainerDefinitions"]
    return next(c for c in containers if c["Name"] == name)


def test_one_fargate_service_per_deployed_process_and_nothing_else(synth):
    services = resources_of(synth.raw["services"], "AWS::ECS::Service")
    names = sorted(s["Properties"]["ServiceName"] for s in services.values())
    assert names == sorted(p.name for p in FARGATE)
    assert {
        "frontend",
        "citizen",
        "identity",
        "benefits",
        "claims",
        "address",
        "integrations",
        "payments",
    } == set(names)


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_service_runs_only_in_private_subnets_without_public_ip(synth, process):
    network = _service(synth, process.name)["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    subnet_exports = [s["Fn::ImportValue"] for s in network["Subnets"]]
    tier = "tier1frontend" if process.kind == "frontend" else "tier2services"
    assert len(subnet_exports) == 3
    assert all(tier in export for export in subnet_exports), subnet_exports


def test_each_service_has_its_own_task_role_and_security_group(synth):
    services = synth.stacks.services.services
    roles = {_task(synth, name)["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0] for name in services}
    assert roles == {logical_id(service.task_role) for service in services.values()}
    assert len(roles) == len(FARGATE)
    groups = [
        group["Fn::GetAtt"][0]
        for name in services
        for group in _service(synth, name)["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"][
            "SecurityGroups"
        ]
    ]
    assert len(groups) == len(set(groups)) == len(FARGATE)


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_security_group_admits_only_its_callers_and_its_load_balancer(synth, process):
    stack = synth.stacks.services
    own = logical_id(stack.services[process.name].security_group)
    rules = [
        rule["Properties"]
        for rule in resources_of(synth.raw["services"], "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [own, "GroupId"]}
    ]
    sources = {rule["SourceSecurityGroupId"]["Fn::GetAtt"][0] for rule in rules}
    callers = {logical_id(stack.services[p.name].security_group) for p in FARGATE if process.name in p.calls}
    if process.name == ISSUER_PROCESS:  # every service fetches the issuer's JWKS
        callers = {
            logical_id(s.security_group) for name, s in stack.services.items() if name != ISSUER_PROCESS
        }
    balancer = logical_id(
        stack.public_alb.connections.security_groups[0]
        if process.kind == "frontend"
        else stack.internal_alb.connections.security_groups[0]
    )
    assert sources == callers | {balancer}
    assert {(r["FromPort"], r["ToPort"]) for r in rules} == {(process.port, process.port)}
    inline = _security_group(synth, own).get("SecurityGroupIngress", [])
    assert inline == []


def _security_group(synth, logical: str) -> dict:
    return synth.raw["services"]["Resources"][logical]["Properties"]


def test_claims_is_reachable_from_nothing_but_the_api_path(synth):
    """Nobody calls claims directly in the catalogue, so only the internal ALB may open a connection."""
    stack = synth.stacks.services
    own = logical_id(stack.services["claims"].security_group)
    sources = {
        rule["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0]
        for rule in resources_of(synth.raw["services"], "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [own, "GroupId"]}
    }
    assert sources == {logical_id(stack.internal_alb.connections.security_groups[0])}


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_container_runs_the_catalogue_process_with_its_settings(synth, process):
    container = _app_container(synth, process.name)
    assert container["Command"] == ["dwp", "serve", process.name, "--host", "0.0.0.0"]
    assert container["PortMappings"] == [
        {"AppProtocol": "http", "ContainerPort": process.port, "Name": process.name, "Protocol": "tcp"}
    ]
    environment = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert environment["DWP_SERVICE"] == process.name
    assert environment["DWP_ENV"] == "production"
    assert environment["DWP_JWKS_URL"] == "http://identity:8102/.well-known/jwks.json"
    assert environment["DWP_JWT_ISSUER"] == "https://benefits.example.gov.uk"
    assert environment["DWP_OTLP_ENDPOINT"] == "http://127.0.0.1:4318/v1/traces"
    assert environment["DWP_TRACE_SAMPLE_RATIO"] == "0.1"  # docs/architecture.md, "Observability"
    assert "AWS_ENDPOINT_URL" not in environment  # real AWS endpoints on AWS
    for other in FARGATE:
        if other.kind == "service" and other.name != process.name:
            assert environment[other.url_setting] == f"http://{other.name}:{other.port}"
    secrets = {s["Name"] for s in container.get("Secrets", [])}
    # Database credentials are read from their secret at connect time, so a rotation needs no restart.
    assert ("DB_SECRET_ARN" in environment) == (process.db_schema is not None)
    # Production has a read replica (configs): stale-tolerant reads go there.
    assert ("DB_READ_HOST" in environment) == (process.db_schema is not None)
    assert "DB_PASSWORD" not in secrets
    assert ("REDIS_AUTH_TOKEN" in secrets) == process.uses_cache
    assert not {"DB_PASSWORD", "REDIS_AUTH_TOKEN", "DATABASE_URL", "REDIS_URL"} & set(environment)
    assert container["ReadonlyRootFilesystem"] is True
    assert container["User"] == "10001"


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_task_has_logs_health_check_and_collector_sidecar(synth, process):
    containers = {c["Name"]: c for c in _task(synth, process.name)["Properties"]["ContainerDefinitions"]}
    assert set(containers) == {process.name, "otel-collector"}
    app, collector = containers[process.name], containers["otel-collector"]
    assert app["LogConfiguration"]["LogDriver"] == "awslogs"
    assert collector["LogConfiguration"]["LogDriver"] == "awslogs"
    assert app["HealthCheck"]["Command"] == ["CMD", "python", "/app/docker/healthcheck.py", "live"]
    assert collector["Image"] == ADOT_IMAGE
    config = json.loads(
        next(e["Value"] for e in collector["Environment"] if e["Name"] == "AOT_CONFIG_CONTENT")
    )
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert app["DependsOn"] == [{"Condition": "START", "ContainerName": "otel-collector"}]


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_deployments_roll_back_on_failure(synth, process):
    deployment = _service(synth, process.name)["Properties"]["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MinimumHealthyPercent"] == 100


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_service_connect_names_and_tls(synth, process):
    connect = _service(synth, process.name)["Properties"]["ServiceConnectConfiguration"]
    assert connect["Enabled"] is True
    if process.kind == "frontend":
        assert "Services" not in connect  # a client only; reached through the public ALB
        return
    (service,) = connect["Services"]
    assert service["ClientAliases"] == [{"DnsName": process.name, "Port": process.port}]
    assert "AwsPcaAuthorityArn" in service["Tls"]["IssuerCertificateAuthority"]
    assert "KmsKey" in service["Tls"]


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_target_group_health_checks_the_ready_endpoint(synth, process):
    group = synth.raw["services"]["Resources"][
        logical_id(synth.stacks.services.services[process.name].target_group)
    ]
    assert group["Properties"]["HealthCheckPath"] == process.health_path == "/health/ready"
    assert group["Properties"]["Port"] == process.port


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_a_service_believes_forwarded_headers_only_from_its_load_balancer(synth, process):
    """X-Forwarded-For is trusted from the subnets of the load balancer in front (DWP_TRUSTED_PROXIES:
    the public ALB's for the frontend, the internal ALB's for the services), never from loopback, so a
    caller cannot choose its own address for the rate limits."""
    environment = {e["Name"]: e["Value"] for e in _app_container(synth, process.name)["Environment"]}
    tier = "public" if process.kind == "frontend" else "tier2-services"
    subnets = resources_of(synth.raw["network"], "AWS::EC2::Subnet").values()
    expected = {
        subnet["Properties"]["CidrBlock"]
        for subnet in subnets
        if {"Key": "aws-cdk:subnet-name", "Value": tier} in subnet["Properties"]["Tags"]
    }
    assert len(expected) == 3  # one subnet per zone
    assert set(environment["DWP_TRUSTED_PROXIES"].split(",")) == expected
    assert "127.0.0.1" not in environment["DWP_TRUSTED_PROXIES"]


def test_the_frontend_knows_the_evidence_bucket_its_csp_allows_uploads_to(synth):
    """The BFF's CSP names the evidence bucket's origin (`https://<DWP_EVIDENCE_BUCKET>.s3.amazonaws.com`,
    dwp.frontend.config): without the bucket's name in its task it would name the local default, and the
    browser would refuse every upload. It gets the name, the claims service's bucket, and no access to it."""
    frontend = next(p for p in FARGATE if p.kind == "frontend")
    claims = {e["Name"]: e["Value"] for e in _app_container(synth, "claims")["Environment"]}
    environment = {e["Name"]: e["Value"] for e in _app_container(synth, frontend.name)["Environment"]}
    assert environment["DWP_EVIDENCE_BUCKET"] == claims["DWP_EVIDENCE_BUCKET"]
    assert "DWP_EVIDENCE_KMS_KEY_ID" not in environment
    assert not frontend.bucket_prefixes  # no grant on the bucket comes with the name
