"""Migrations run on AWS as a deployment step: per service with a schema, a one-off task of the service's
own image running `dwp migrate <package>`, started by a custom resource that waits for its exit code, and
the Fargate service updated only after it (issue 12: "Nothing runs the migrations on AWS")."""

from __future__ import annotations

import pytest

from dwp.cli import migration_package, services_with_migrations
from dwp.platform import catalog
from dwp_infra.migrations import RESOURCE_TYPE
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

MIGRATED = [p for p in catalog.PROCESSES if p.on_fargate and migration_package(p)]


def _resources(synth) -> dict:
    return synth.raw["services"]["Resources"]


def test_every_service_with_migrations_has_a_migration_step_and_no_other_does(synth):
    steps = resources_of(synth.raw["services"], RESOURCE_TYPE)
    names = sorted(step["Properties"]["Service"] for step in steps.values())
    assert names == sorted(p.name for p in MIGRATED)
    # Every package `dwp migrate` knows is deployed with a step (none is left to a person to run).
    assert {migration_package(p) for p in MIGRATED} == set(services_with_migrations())
    assert {"citizen", "identity", "benefits", "claims", "payments"} <= set(names)


@pytest.mark.parametrize("process", MIGRATED, ids=lambda p: p.name)
def test_the_migration_task_is_the_service_image_running_dwp_migrate(synth, process):
    service = synth.stacks.services.services[process.name]
    task = _resources(synth)[logical_id(service.migration_task_definition)]["Properties"]
    app_task = _resources(synth)[logical_id(service.task_definition)]["Properties"]
    (container,) = task["ContainerDefinitions"]
    app = next(c for c in app_task["ContainerDefinitions"] if c["Name"] == process.name)
    assert container["Command"] == ["dwp", "migrate", migration_package(process)]
    assert container["Image"] == app["Image"]  # this deployment's image, so its own migrations
    assert container["ReadonlyRootFilesystem"] is True
    assert container["User"] == "10001"
    environment = {e["Name"]: e["Value"] for e in container["Environment"]}
    app_environment = {e["Name"]: e["Value"] for e in app["Environment"]}
    for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_SCHEMA", "DB_SECRET_ARN", "DWP_ENV"):
        assert environment[name] == app_environment[name], name
    assert environment["DB_SCHEMA"] == process.db_schema
    assert task["TaskRoleArn"] == app_task["TaskRoleArn"]  # the role that may read the database secret
    assert container["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "migrate"


@pytest.mark.parametrize("process", MIGRATED, ids=lambda p: p.name)
def test_the_service_is_updated_only_after_its_migration_step(synth, process):
    service = synth.stacks.services.services[process.name]
    step = synth.stacks.services.migrations.resources[process.name]
    step_id = logical_id(step.node.default_child)
    assert step_id in _resources(synth)[logical_id(service.service)]["DependsOn"]
    props = _resources(synth)[step_id]["Properties"]
    assert references(props["TaskDefinition"]) == {logical_id(service.migration_task_definition)}
    assert props["Container"] == "migrate"
    assert props["SecurityGroups"] == [{"Fn::GetAtt": [logical_id(service.security_group), "GroupId"]}]
    app_network = _resources(synth)[logical_id(service.service)]["Properties"]["NetworkConfiguration"]
    assert props["Subnets"] == app_network["AwsvpcConfiguration"]["Subnets"]
    runner = logical_id(synth.stacks.services.migrations.function)
    assert references(props["ServiceToken"]) == {runner}


def test_the_runner_waits_long_enough_and_may_run_only_the_migration_tasks(synth):
    migrations = synth.stacks.services.migrations
    function = _resources(synth)[logical_id(migrations.function)]["Properties"]
    assert function["Timeout"] == 900
    steps = resources_of(synth.raw["services"], RESOURCE_TYPE).values()
    assert all(int(step["Properties"]["ServiceTimeout"]) > 900 for step in steps)
    (role,) = references(function["Role"])
    statements = [
        statement
        for policy in resources_of(synth.raw["services"], "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    run = [s for s in statements if s["Action"] == "ecs:RunTask"]
    migration_tasks = {
        logical_id(synth.stacks.services.services[p.name].migration_task_definition) for p in MIGRATED
    }
    assert {ref for s in run for ref in references(s["Resource"])} == migration_tasks
    assert all("ecs:cluster" in s["Condition"]["ArnEquals"] for s in run)
    passes = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert all(
        s["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}} for s in passes
    )
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not any(a.endswith("*") for a in actions)
    assert "ecs:UpdateService" not in actions
    assert "ecs:RegisterTaskDefinition" not in actions
