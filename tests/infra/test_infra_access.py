"""Least privilege: each task role holds exactly the data access its catalogue entry lists, by ARN."""

from __future__ import annotations

import pytest

from dwp.platform import catalog
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

FARGATE = [p for p in catalog.PROCESSES if p.on_fargate]
# The only actions allowed on Resource "*", each with the reason AWS leaves no narrower choice.
NO_RESOURCE_LEVEL = {
    "xray:PutTraceSegments": "X-Ray documents no resource-level permissions for sending traces",
    "xray:PutTelemetryRecords": "X-Ray documents no resource-level permissions for telemetry",
    "xray:GetSamplingRules": "the X-Ray SDK's sampling calls have no resource type",
    "xray:GetSamplingTargets": "the X-Ray SDK's sampling calls have no resource type",
    "ecr:GetAuthorizationToken": "an ECR token is for the registry, not a repository; AWS requires '*'",
    "ec2:DescribeNetworkInterfaces": "EC2 Describe* calls support no resource-level permissions",
    "ec2:DescribeSubnets": "EC2 Describe* calls support no resource-level permissions",
}
# What no task role may do: make or change the resources the CDK app owns (the outbox relay once looked
# topic ARNs up with CreateTopic, which no role grants, so on AWS every event would have waited forever).
NEVER_FOR_A_TASK = {
    "sns:CreateTopic",
    "sns:Subscribe",
    "sns:SetTopicAttributes",
    "sqs:CreateQueue",
    "sqs:SetQueueAttributes",
    "dynamodb:CreateTable",
    "dynamodb:Scan",
    "s3:CreateBucket",
    "s3:DeleteObject",
    "kms:CreateKey",
    "kms:CreateGrant",
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "ssm:PutParameter",
    "iam:PassRole",
}
# The KMS service through which each task-role statement on the data key is used: the platform's code
# never calls KMS with the data key itself, so each such grant holds only when that service asks.
DATA_KEY_VIA = {
    "EncryptForTopics": "sns",
    "DecryptQueueMessages": "sqs",
    "EvidenceEncryption": "s3",
    "DecryptOwnSecrets": "secretsmanager",
    "DecryptDatabaseSecret": "secretsmanager",
    "DecryptServiceClientSecrets": "secretsmanager",
}


def _statements(synth, role_construct) -> list[dict]:
    role = logical_id(role_construct)
    statements = []
    for policy in resources_of(synth.raw["services"], "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _export(synth, construct) -> str:
    """The substring of the data stack's export name for a construct's ARN or name."""
    return logical_id(construct)


def _by_sid(statements: list[dict]) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements if "Sid" in s}


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_task_role_grants_exactly_the_catalogue_entry(synth, process):
    data = synth.stacks.data
    statements = _by_sid(_statements(synth, synth.stacks.services.services[process.name].task_role))

    def exports(sid: str) -> set[str]:
        return references(statements[sid]["Resource"])

    if process.publishes:
        assert all(
            any(_export(synth, data.topics[t]) in e for t in process.publishes)
            for e in exports("PublishOwnTopics")
        )
        assert len(exports("PublishOwnTopics")) == len(process.publishes)
    else:
        assert "PublishOwnTopics" not in statements
    if process.tables:
        assert len(exports("OwnTables")) == len(process.tables)
        assert all(
            any(_export(synth, data.tables[t]) in e for t in process.tables) for e in exports("OwnTables")
        )
        assert "dynamodb:Scan" not in _actions(statements["OwnTables"])
    else:
        assert "OwnTables" not in statements
    if process.bucket_prefixes:
        resource = statements["OwnEvidenceObjects"]["Resource"]["Fn::Join"][1]
        assert [part for part in resource if isinstance(part, str)] == [
            f"/{p}*" for p in process.bucket_prefixes
        ]
    else:
        assert "OwnEvidenceObjects" not in statements
    if process.secrets:
        assert len(exports("ReadOwnSecrets")) == len(process.secrets)
    else:
        assert "ReadOwnSecrets" not in statements
    if process.uses_pii_key:
        assert all(_export(synth, data.pii_key) in e for e in exports("PiiEnvelopeEncryption"))
    else:
        assert "PiiEnvelopeEncryption" not in statements


def test_only_the_services_that_seal_personal_data_may_use_the_pii_key(synth):
    users = {
        name
        for name, service in synth.stacks.services.services.items()
        if "PiiEnvelopeEncryption" in _by_sid(_statements(synth, service.task_role))
    }
    assert (
        users
        == {p.name for p in catalog.PROCESSES if p.uses_pii_key}
        == {"citizen", "claims", "identity", "payments"}
    )


def test_no_role_in_the_services_stack_has_a_wildcard_on_data(synth):
    for name, policy in resources_of(synth.raw["services"], "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if "*" in resources:
                assert _actions(statement) <= NO_RESOURCE_LEVEL.keys(), (name, statement)
            assert not any(a.endswith(":*") or a == "*" for a in _actions(statement)), (name, statement)


def test_lambda_roles_reach_only_their_queue_secrets_and_topics(synth):
    stack, data = synth.stacks.services, synth.stacks.data
    for spec in catalog.FUNCTIONS:
        function = stack.functions[spec.name]
        statements = _statements(synth, function.role)
        queue_grants = [s for s in statements if "sqs:ReceiveMessage" in _actions(s)]
        assert len(queue_grants) == 1
        (queue_arn,) = references(queue_grants[0]["Resource"])
        assert _export(synth, data.queues[spec.queue.name]) in queue_arn
        publishes = [s for s in statements if "sns:Publish" in _actions(s)]
        assert bool(publishes) == bool(spec.publishes)
        sends = [s for s in statements if "sqs:SendMessage" in _actions(s)]
        assert len(sends) == bool(spec.sends_to)
        if sends:
            arns = references(sends[0]["Resource"])
            assert len(arns) == len(spec.sends_to)
            for name in spec.sends_to:
                assert any(_export(synth, data.queues[name]) in arn for arn in arns), name


def _task_role_statements(synth) -> dict[str, list[dict]]:
    return {
        name: _statements(synth, service.task_role)
        for name, service in synth.stacks.services.services.items()
    }


def test_no_task_role_makes_or_changes_platform_resources_or_uses_wildcard_actions(synth):
    for name, statements in _task_role_statements(synth).items():
        for statement in statements:
            actions = _actions(statement)
            assert not actions & NEVER_FOR_A_TASK, (name, statement)
            assert not any("*" in action for action in actions), (name, statement)
            assert statement["Effect"] == "Allow", (name, statement)
            assert not {"NotAction", "NotResource"} & statement.keys(), (name, statement)


def test_task_roles_use_the_data_key_only_through_the_service_that_needs_it(synth):
    """moto ignores `kms:ViaService`, so the live test cannot show it: checked here on the template."""
    data_key = _export(synth, synth.stacks.data.data_key)
    pii_key = _export(synth, synth.stacks.data.pii_key)
    for name, statements in _task_role_statements(synth).items():
        for statement in statements:
            if not any(action.startswith("kms:") for action in _actions(statement)):
                continue
            assert _actions(statement) <= {"kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"}, (
                name,
                statement,
            )
            (key,) = references(statement["Resource"])
            if data_key in key:
                service = DATA_KEY_VIA[statement["Sid"]]
                via = statement["Condition"]["StringEquals"]["kms:ViaService"]
                assert via == {"Fn::Join": ["", [f"{service}.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
                assert "kms:Encrypt" not in _actions(statement), (name, statement)
            else:
                # The PII key is used by the service's own code (envelope encryption), so no ViaService; it
                # binds each value to its purpose with AES-GCM associated data, not a KMS encryption context.
                assert pii_key in key, (name, statement)
                assert statement["Sid"] == "PiiEnvelopeEncryption", (name, statement)
                assert "Condition" not in statement
                assert catalog.process(name).uses_pii_key


def test_no_service_on_aws_waits_for_the_bootstrap_marker_so_none_needs_ssm(synth):
    """The relay reads `/dwp/bootstrap/complete` (ssm:GetParameter, granted to no task role) only on the
    embedded endpoint: on AWS there is no `AWS_ENDPOINT_URL` and nothing turns the wait on."""
    from dwp.platform.settings import Settings

    assert not Settings(aws_endpoint_url=None, dwp_outbox_await_bootstrap=None).outbox_awaits_bootstrap
    containers = [
        container
        for task in resources_of(synth.raw["services"], "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    ]
    assert {c["Name"] for c in containers} >= {p.name for p in FARGATE}
    for container in containers:
        environment = {e["Name"]: e["Value"] for e in container.get("Environment", [])}
        assert "AWS_ENDPOINT_URL" not in environment, container["Name"]
        assert environment.get("DWP_OUTBOX_AWAIT_BOOTSTRAP", "false").lower() == "false", container["Name"]
    for statements in _task_role_statements(synth).values():
        assert not any(a.startswith("ssm:") for s in statements for a in _actions(s))
