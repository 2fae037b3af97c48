"""Service tokens on AWS: every process that calls a service has its own client secret at the identity
service, and only its own; identity may read exactly the clients' secrets; no secret's value is plain
environment (issue 12: on AWS no service or function could get a service token)."""

from __future__ import annotations

import json

import pytest

from dwp.platform import catalog
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

SECRET_ACTIONS = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}


def _client_secret(synth, client: str):
    return synth.stacks.data.secrets[catalog.service_client_secret(client)]


def _export_of(synth, client: str) -> str:
    return logical_id(_client_secret(synth, client))


def _role_statements(synth, role) -> list[dict]:
    role_id = logical_id(role)
    found: list[dict] = []
    for policy in resources_of(synth.raw["services"], "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _client_secrets_read(synth, role) -> set[str]:
    """The clients whose secrets a role may read."""
    read: set[str] = set()
    for statement in _role_statements(synth, role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not set(actions) & SECRET_ACTIONS:
            continue
        refs = " ".join(references(statement["Resource"]))
        read |= {c for c in catalog.service_clients() if _export_of(synth, c) in refs}
    return read


def _container(synth, process: str) -> dict:
    """The app container's definition (not the telemetry collector's)."""
    service = synth.stacks.services.services[process]
    definition = synth.raw["services"]["Resources"][logical_id(service.task_definition)]
    name = service.container.container_name
    (container,) = [c for c in definition["Properties"]["ContainerDefinitions"] if c["Name"] == name]
    return container


def test_the_clients_are_the_processes_that_call_a_service():
    assert set(catalog.service_clients()) == {"claims", "workers"}
    for client in catalog.service_clients():
        assert catalog.service_client_secret(client) in catalog.all_secrets()


def test_each_client_secret_is_generated_and_encrypted_with_the_data_key(synth):
    data_key = logical_id(synth.stacks.data.data_key)
    secrets = resources_of(synth.raw["data"], "AWS::SecretsManager::Secret")
    for client in catalog.service_clients():
        secret = secrets[_export_of(synth, client)]["Properties"]
        assert secret["Name"] == f"dwp/service-client/{client}"
        assert "GenerateSecretString" in secret
        assert "SecretString" not in secret
        assert references(secret["KmsKeyId"]) == {data_key}


@pytest.mark.parametrize("process", [p for p in catalog.PROCESSES if p.on_fargate], ids=lambda p: p.name)
def test_a_calling_task_gets_its_own_secret_injected_and_no_other(synth, process):
    container = _container(synth, process.name)
    injected = {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}
    environment = {e["Name"] for e in container.get("Environment", [])}
    assert "DWP_SERVICE_CLIENT_SECRET" not in environment
    service = synth.stacks.services.services[process.name]
    execution_reads = _client_secrets_read(synth, service.task_definition.execution_role)
    if process.name in catalog.service_clients():
        assert _export_of(synth, process.name) in " ".join(references(injected["DWP_SERVICE_CLIENT_SECRET"]))
        assert execution_reads == {process.name}
    else:
        assert "DWP_SERVICE_CLIENT_SECRET" not in injected
        assert execution_reads == set()
    task_reads = _client_secrets_read(synth, service.task_role)
    if process.name == catalog.ISSUER:
        assert task_reads == set(catalog.service_clients())
    else:
        assert task_reads == set()


def test_identity_is_given_the_arns_of_exactly_the_client_secrets(synth):
    container = _container(synth, catalog.ISSUER)
    environment = {e["Name"]: e["Value"] for e in container["Environment"]}
    value = environment["DWP_IDENTITY_SERVICE_CLIENT_SECRETS"]
    refs = " ".join(references(value))
    assert all(_export_of(synth, c) in refs for c in catalog.service_clients())
    parts = value["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else "<arn>" for p in parts)
    assert json.loads(text) == {c: "<arn>" for c in catalog.service_clients()}
    assert "DWP_IDENTITY_SERVICE_CLIENTS" not in environment


@pytest.mark.parametrize("spec", catalog.FUNCTIONS, ids=lambda f: f.name)
def test_a_calling_function_gets_the_workers_secret_by_arn_and_may_read_only_it(synth, spec):
    function = synth.stacks.services.functions[spec.name]
    resource = synth.raw["services"]["Resources"][logical_id(function)]
    environment = resource["Properties"]["Environment"]["Variables"]
    assert "DWP_SERVICE_CLIENT_SECRET" not in environment
    calls_a_service = any(catalog.process(c).kind == "service" for c in spec.calls)
    if calls_a_service:
        arn = references(environment["DWP_SERVICE_CLIENT_SECRET_ARN"])
        assert _export_of(synth, "workers") in " ".join(arn)
        assert _client_secrets_read(synth, function.role) == {"workers"}
    else:
        assert "DWP_SERVICE_CLIENT_SECRET_ARN" not in environment
        assert _client_secrets_read(synth, function.role) == set()


def test_no_secret_value_is_plain_environment(synth):
    """No environment variable names a secret's value: a secret is an ECS `secrets` entry or an ARN."""
    suspicious = ("SECRET", "PASSWORD", "API_KEY", "AUTH_TOKEN")
    allowed = {"DB_SECRET_ARN", "DWP_SERVICE_CLIENT_SECRET_ARN", "DWP_IDENTITY_SERVICE_CLIENT_SECRETS"}
    for resource in synth.raw["services"]["Resources"].values():
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            for container in resource["Properties"]["ContainerDefinitions"]:
                names = {e["Name"] for e in container.get("Environment", [])}
                assert not {n for n in names if any(w in n for w in suspicious)} - allowed, names
        elif resource["Type"] == "AWS::Lambda::Function":
            names = set(resource["Properties"].get("Environment", {}).get("Variables", {}))
            assert not {n for n in names if any(w in n for w in suspicious)} - allowed, names
    for resource in resources_of(synth.raw["services"], "AWS::ECS::TaskDefinition").values():
        text = json.dumps(resource)
        assert "resolve:secretsmanager" not in text  # no dynamic reference unwrapped into a value


@pytest.mark.parametrize("process", [p for p in catalog.PROCESSES if p.on_fargate], ids=lambda p: p.name)
def test_only_identity_is_given_its_provider_credentials_and_from_their_secrets(synth, process):
    """Identity refuses to start outside local without its One Login key and staff client secret
    (`IdentitySettings`): ECS injects both from their secrets into identity's tasks, and no other's."""
    container = _container(synth, process.name)
    injected = {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}
    environment = {e["Name"] for e in container.get("Environment", [])}
    settings = set(catalog.ISSUER_INJECTED_SECRETS)
    assert not settings & environment
    if process.name != catalog.ISSUER:
        assert not settings & set(injected)
        return
    for setting, name in catalog.ISSUER_INJECTED_SECRETS.items():
        assert logical_id(synth.stacks.data.secrets[name]) in " ".join(references(injected[setting]))


def test_a_migration_task_is_given_no_provider_credential_and_no_client_secret(synth):
    migrations = 0
    for resource in resources_of(synth.raw["services"], "AWS::ECS::TaskDefinition").values():
        for container in resource["Properties"]["ContainerDefinitions"]:
            names = {s["Name"] for s in container.get("Secrets", [])}
            if "migrate" in json.dumps(container.get("LogConfiguration", {})):
                migrations += 1
                assert not names & {"DWP_SERVICE_CLIENT_SECRET", *catalog.ISSUER_INJECTED_SECRETS}, names
    assert migrations >= 1  # the migration tasks were found (identity's among them)
