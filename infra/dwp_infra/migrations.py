"""Migrations as a deployment step: each service's migration task runs, and must exit 0, before the
service's new tasks start.

One function (`migration_runner/index.py`) backs a custom resource per service with a schema. The
resource's properties name that deployment's migration task definition (`DwpMicroservice`'s
`MigrationTask`: the new image running `dwp migrate <package>`), so a new image is a new revision, an
update of the resource, and one run of the task; the Fargate service depends on the resource, so
CloudFormation updates the service (and ECS starts its new tasks) only after the migration succeeded. A
failed migration fails the resource and the stack rolls back with the old tasks still serving. Why a
custom resource and not a pipeline step: docs/decisions/0009-migrations-before-the-new-tasks.md.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import RegexAppliesTo
from constructs import Construct

from dwp_infra.microservice import DwpMicroservice
from dwp_infra.nag import acknowledge, checkov_skip
from dwp_infra.network import log_retention

RUNNER_CODE = Path(__file__).parent / "migration_runner"
RUNNER_TIMEOUT = cdk.Duration.minutes(15)
"""Lambda's longest: a migration that is expand-only (new tables, columns, indexes built concurrently)
finishes well inside it; the runner stops a task that has not, and fails the deployment."""
RESOURCE_TYPE = "Custom::DwpMigration"


class MigrationRunner(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        cluster: ecs.ICluster,
        logs_key: kms.IKey,
        environment_key: kms.IKey,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.cluster = cluster
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/dwp/{env_name}/lambda/migration-runner",
            retention=log_retention(log_retention_days),
            encryption_key=logs_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs each service's migration task before the service's new tasks start",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        # Whether CloudFormation is rolling this stack back (then no migration runs).
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[stack.stack_id])
        )
        # Its own tasks only: task ids are made by ECS at run time, so the ARN ends in a wildcard, held to
        # this cluster.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecs:DescribeTasks", "ecs:StopTask"],
                resources=[
                    f"arn:{stack.partition}:ecs:{stack.region}:{stack.account}:task/{cluster.cluster_name}/*"
                ],
                conditions={"ArnEquals": {"ecs:cluster": cluster.cluster_arn}},
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="CloudFormation custom resource: ECS RunTask of a migration task, waits for exit 0",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(RUNNER_CODE)),
            role=self.role,
            timeout=RUNNER_TIMEOUT,
            memory_size=256,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            architecture=lambda_.Architecture.ARM_64,
            environment={"DWP_MIGRATION_POLL_SECONDS": "10"},
            environment_encryption=environment_key,
        )
        for check, reason in (
            (
                "CKV_AWS_115",
                "Invoked only by CloudFormation while the services stack deploys, one call per service "
                "with a schema; a concurrency reservation would hold account capacity for nothing.",
            ),
            (
                "CKV_AWS_116",
                "Invoked synchronously by CloudFormation, which records a failure and rolls the stack "
                "back; there are no asynchronous events to dead-letter.",
            ),
            (
                "CKV_AWS_117",
                "Calls only the ECS and CloudFormation control-plane APIs and CloudFormation's pre-signed "
                "response URL; it touches no data (the migration task itself runs in the VPC).",
            ),
        ):
            checkov_skip(self.function, check, reason)
        self.resources: dict[str, cdk.CustomResource] = {}

    def run_before(self, service: DwpMicroservice, subnets: ec2.SelectedSubnets) -> cdk.CustomResource:
        """The service's migration task runs (and must succeed) before the service is updated."""
        task = service.migration_task_definition
        assert task is not None, f"{service.process.name} has no migration task"
        name = service.process.name
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[task.task_definition_arn],
                conditions={"ArnEquals": {"ecs:cluster": self.cluster.cluster_arn}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[task.task_role.role_arn, task.obtain_execution_role().role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            )
        )
        resource = cdk.CustomResource(
            self,
            f"Migrate-{name}",
            service_token=self.function.function_arn,
            resource_type=RESOURCE_TYPE,
            service_timeout=cdk.Duration.seconds(RUNNER_TIMEOUT.to_seconds() + 60),
            properties={
                "Service": name,
                "Cluster": self.cluster.cluster_arn,
                "TaskDefinition": task.task_definition_arn,
                "Container": "migrate",
                "Subnets": subnets.subnet_ids,
                "SecurityGroups": [service.security_group.security_group_id],
            },
        )
        resource.node.add_dependency(self.role)
        service.service.node.add_dependency(resource)
        self.resources[name] = resource
        return resource

    def acknowledge(self) -> None:
        """After every `run_before`: the one wildcard in the runner's grants, with its reason."""
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "ECS gives a task its id when RunTask starts it, so DescribeTasks and StopTask name this "
            "cluster's tasks with a wildcard id, held to the cluster by the ecs:cluster condition; RunTask "
            "and PassRole name each migration task definition and role by ARN.",
            applies_to=[RegexAppliesTo(regex="/^Resource::arn:[^:]+:ecs:.*:task\\/.*\\/\\*$/g")],
        )
