"""The migration step's function (infra/dwp_infra/migration_runner): ECS RunTask, wait, exit code, and
CloudFormation's answer PUT to its response URL (here a real HTTP server on loopback). ECS and
CloudFormation are botocore's Stubber, which checks every request and response against the services'
published API models, so a wrong parameter name fails here as it would on AWS."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import tests.infra.infra_support  # noqa: F401 - puts infra/ on the path

runner = importlib.import_module("dwp_infra.migration_runner.index")

CLUSTER = "arn:aws:ecs:eu-west-2:333333333333:cluster/dwp-production"
TASK_DEFINITION = "arn:aws:ecs:eu-west-2:333333333333:task-definition/claims-migrate:7"
TASK = "arn:aws:ecs:eu-west-2:333333333333:task/dwp-production/0123456789abcdef0123456789abcdef"
STACK = "arn:aws:cloudformation:eu-west-2:333333333333:stack/dwp-production-services/guid"
PROPS = {
    "ServiceToken": "arn:aws:lambda:eu-west-2:333333333333:function:runner",
    "Service": "claims",
    "Cluster": CLUSTER,
    "TaskDefinition": TASK_DEFINITION,
    "Container": "migrate",
    "Subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    "SecurityGroups": ["sg-0bbbbbbbbbbbbbbb1"],
}
RUN_PARAMS = {
    "cluster": CLUSTER,
    "taskDefinition": TASK_DEFINITION,
    "launchType": "FARGATE",
    "count": 1,
    "startedBy": "cfn-migrate",
    "networkConfiguration": {
        "awsvpcConfiguration": {
            "subnets": PROPS["Subnets"],
            "securityGroups": PROPS["SecurityGroups"],
            "assignPublicIp": "DISABLED",
        }
    },
}


class Context:
    def __init__(self, remaining_millis: int = 600_000) -> None:
        self.remaining = remaining_millis

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining


class CloudFormation:
    """Receives the function's answers as CloudFormation's pre-signed S3 URL would."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                answers.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/response?X-Amz-Signature=x"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event(self, request_type: str = "Update") -> dict[str, Any]:
        return {
            "RequestType": request_type,
            "ResponseURL": self.url,
            "StackId": STACK,
            "RequestId": "req-1",
            "LogicalResourceId": "MigrationsMigrateclaims",
            "PhysicalResourceId": "migrate-claims",
            "ResourceType": "Custom::DwpMigration",
            "ResourceProperties": PROPS,
            "OldResourceProperties": {**PROPS, "TaskDefinition": TASK_DEFINITION[:-1] + "6"},
        }


@pytest.fixture
def cloudformation() -> Iterator[CloudFormation]:
    endpoint = CloudFormation()
    yield endpoint
    endpoint.server.shutdown()


def _clients(stack_status: str = "UPDATE_IN_PROGRESS") -> tuple[Any, Stubber, Any, Stubber]:
    options = {"region_name": "eu-west-2", "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    ecs, cfn = boto3.client("ecs", **options), boto3.client("cloudformation", **options)
    ecs_stub, cfn_stub = Stubber(ecs), Stubber(cfn)
    cfn_stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "dwp-production-services",
                    "StackId": STACK,
                    "StackStatus": stack_status,
                    "CreationTime": "2026-12-01T00:00:00Z",
                }
            ]
        },
        {"StackName": STACK},
    )
    return ecs, ecs_stub, cfn, cfn_stub


def _task(status: str, **container: Any) -> dict[str, Any]:
    return {"tasks": [{"taskArn": TASK, "lastStatus": status, "stoppedReason": container.pop("stopped", ""),
                       "containers": [{"name": "migrate", **container}]}], "failures": []}  # fmt: skip


def _run(cloudformation: CloudFormation, ecs: Any, cfn: Any, *stubs: Stubber, **kwargs: Any) -> dict:
    for stub in stubs:
        stub.activate()
    event = cloudformation.event(kwargs.pop("request_type", "Update"))
    runner.handler(event, kwargs.pop("context", Context()), ecs=ecs, cloudformation=cfn)
    for stub in stubs:
        stub.assert_no_pending_responses()
    (answer,) = cloudformation.answers
    assert answer["PhysicalResourceId"] == "migrate-claims"  # stable: an update never replaces the step
    assert answer["RequestId"] == "req-1"
    return answer


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "POLL_SECONDS", 0.0)


def test_a_migration_that_exits_0_lets_the_deployment_go_on(cloudformation) -> None:
    ecs, ecs_stub, cfn, cfn_stub = _clients()
    ecs_stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_PARAMS)
    for status in ("PROVISIONING", "RUNNING", "DEPROVISIONING"):
        ecs_stub.add_response("describe_tasks", _task(status), {"cluster": CLUSTER, "tasks": [TASK]})
    ecs_stub.add_response(
        "describe_tasks", _task("STOPPED", exitCode=0), {"cluster": CLUSTER, "tasks": [TASK]}
    )
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub)
    assert answer["Status"] == "SUCCESS", answer
    assert answer["Data"] == {"TaskArn": TASK}


def test_a_failed_migration_fails_the_deployment_and_says_where_its_log_is(cloudformation) -> None:
    ecs, ecs_stub, cfn, cfn_stub = _clients()
    ecs_stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_PARAMS)
    ecs_stub.add_response(
        "describe_tasks", _task("STOPPED", exitCode=1), {"cluster": CLUSTER, "tasks": [TASK]}
    )
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub)
    assert answer["Status"] == "FAILED"
    assert "claims" in answer["Reason"]
    assert "exited 1" in answer["Reason"]
    assert "migrate/migrate/0123456789abcdef0123456789abcdef" in answer["Reason"]


def test_a_task_that_cannot_start_or_never_runs_fails_the_deployment(cloudformation) -> None:
    ecs, ecs_stub, cfn, cfn_stub = _clients()
    ecs_stub.add_response(
        "run_task",
        {"tasks": [], "failures": [{"arn": TASK_DEFINITION, "reason": "RESOURCE:MEMORY"}]},
        RUN_PARAMS,
    )
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub)
    assert answer["Status"] == "FAILED"
    assert "RESOURCE:MEMORY" in answer["Reason"]

    cloudformation.answers.clear()
    ecs, ecs_stub, cfn, cfn_stub = _clients()
    ecs_stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_PARAMS)
    pulled = _task(
        "STOPPED", reason="CannotPullContainerError: not found", stopped="Essential container exited"
    )
    ecs_stub.add_response("describe_tasks", pulled, {"cluster": CLUSTER, "tasks": [TASK]})
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub)
    assert answer["Status"] == "FAILED"
    assert "CannotPullContainerError" in answer["Reason"]


def test_a_migration_still_running_near_the_time_limit_is_stopped_and_fails(cloudformation) -> None:
    ecs, ecs_stub, cfn, cfn_stub = _clients()
    ecs_stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_PARAMS)
    ecs_stub.add_response("describe_tasks", _task("RUNNING"), {"cluster": CLUSTER, "tasks": [TASK]})
    ecs_stub.add_response(
        "stop_task", {"task": {"taskArn": TASK}},
        {"cluster": CLUSTER, "task": TASK, "reason": "migration took too long"},
    )  # fmt: skip
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub, context=Context(remaining_millis=20_000))
    assert answer["Status"] == "FAILED"
    assert "had not finished" in answer["Reason"]


def test_a_rollback_runs_no_migration_and_a_delete_changes_nothing(cloudformation) -> None:
    # The old image's migrations never run against the newer schema (expand, then contract).
    ecs, ecs_stub, cfn, cfn_stub = _clients("UPDATE_ROLLBACK_IN_PROGRESS")
    answer = _run(cloudformation, ecs, cfn, ecs_stub, cfn_stub)
    assert answer["Status"] == "SUCCESS"
    assert "rollback" in answer["Reason"]

    cloudformation.answers.clear()
    ecs, ecs_stub, cfn, _ = _clients()
    answer = _run(cloudformation, ecs, cfn, ecs_stub, request_type="Delete")
    assert answer["Status"] == "SUCCESS"
