"""A CloudFormation custom resource that runs one service's migrations as an ECS task and waits for it.

The services stack makes each Fargate service depend on its migration resource, whose properties name
the migration task definition of this deployment (the new image running `dwp migrate <package>`). So
on every deployment that changes the image, CloudFormation first calls this function, which starts the
task (ECS RunTask), waits until it stops and reads its exit code; only when that is 0 does CloudFormation
go on to update the service, whose new tasks then start on a migrated schema. Any other outcome (a
non-zero exit, a task that could not start, no end within the function's time) is a FAILED answer: the
stack rolls back and no traffic moves to the new version.

Migrations are expand-then-contract, so the running version works on the migrated schema, and a
rollback does not run the old image's migrations against a newer schema (it answers SUCCESS at once:
nothing is undone). Deleting the resource changes nothing either.

Runs on Lambda's Python runtime: the standard library and boto3 only.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any

import boto3

POLL_SECONDS = float(os.environ.get("DWP_MIGRATION_POLL_SECONDS", "10"))
MARGIN_MILLIS = 45_000
"""Time kept back to stop the task and answer CloudFormation before Lambda's own timeout."""
ROLLING_BACK = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})


class MigrationFailed(Exception):
    pass


def handler(event: dict[str, Any], context: Any, *, ecs: Any = None, cloudformation: Any = None) -> None:
    """CloudFormation's request in, its answer PUT to the pre-signed `ResponseURL` (always, even on error)."""
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or f"migrate-{props.get('Service', 'unknown')}"
    try:
        if event["RequestType"] == "Delete":
            return _answer(event, "SUCCESS", physical_id, "nothing to undo: migrations are never reversed")
        cloudformation = cloudformation or boto3.client("cloudformation")
        if _rolling_back(cloudformation, event["StackId"]):
            return _answer(
                event, "SUCCESS", physical_id, "rollback: the schema stays (expand, then contract)"
            )
        task_arn, exit_code = run_migration(ecs or boto3.client("ecs"), props, context)
        return _answer(event, "SUCCESS", physical_id, f"exit {exit_code}", {"TaskArn": task_arn})
    except Exception as exc:  # every failure is CloudFormation's FAILED, which rolls the stack back
        return _answer(event, "FAILED", physical_id, f"migration of {props.get('Service')}: {exc}"[:1000])


def _rolling_back(cloudformation: Any, stack_id: str) -> bool:
    (stack,) = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    return stack["StackStatus"] in ROLLING_BACK


def run_migration(
    ecs: Any, props: dict[str, Any], context: Any, *, poll: float | None = None
) -> tuple[str, int]:
    """Start the migration task and wait for it; its ARN and exit code 0, else `MigrationFailed`."""
    # Read at call time, not bound as a default when the module loads, so the poll interval can be
    # changed after import (the tests set it to 0; a default bound at import slept 10 s a poll there).
    interval = POLL_SECONDS if poll is None else poll
    started = ecs.run_task(
        cluster=props["Cluster"],
        taskDefinition=props["TaskDefinition"],
        launchType="FARGATE",
        count=1,
        startedBy="cfn-migrate",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(props["Subnets"]),
                "securityGroups": list(props["SecurityGroups"]),
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or not started.get("tasks"):
        reasons = "; ".join(
            f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in started.get("failures", [])
        )
        raise MigrationFailed(f"the task did not start: {reasons or 'no task returned'}")
    task_arn = started["tasks"][0]["taskArn"]
    while True:
        (task,) = ecs.describe_tasks(cluster=props["Cluster"], tasks=[task_arn])["tasks"]
        if task.get("lastStatus") == "STOPPED":
            return task_arn, _exit_code(task, props["Container"])
        if context.get_remaining_time_in_millis() < MARGIN_MILLIS:
            ecs.stop_task(cluster=props["Cluster"], task=task_arn, reason="migration took too long")
            raise MigrationFailed(f"{task_arn} had not finished in the function's time; stopped it")
        time.sleep(interval)


def _exit_code(task: dict[str, Any], container_name: str) -> int:
    container = next((c for c in task.get("containers", []) if c.get("name") == container_name), {})
    code = container.get("exitCode")
    if code is None:
        why = container.get("reason") or task.get("stoppedReason") or "no exit code"
        raise MigrationFailed(f"{task['taskArn']} stopped without running: {why}")
    if code != 0:
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        raise MigrationFailed(f"task {task_id} exited {code} (log stream migrate/{container_name}/{task_id})")
    return 0


def _answer(
    event: dict[str, Any], status: str, physical_id: str, reason: str, data: dict[str, str] | None = None
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    # The pre-signed S3 URL CloudFormation waits on; an empty Content-Type is what its signature expects.
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's own https URL
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()
