"""`DwpMicroservice`: the one shape every Fargate service of the platform has.

A catalogue entry (`dwp.platform.catalog.Process`) goes in; out come its own log group, task role,
security group, task definition (the app container plus an OpenTelemetry collector sidecar), a Fargate
service in private subnets with Service Connect, circuit-breaker deployments, and autoscaling. Access to
data is granted from the catalogue entry, statement by statement, to named ARNs only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from cdk_nag import RegexAppliesTo
from constructs import Construct

from dwp.platform.catalog import ISSUER_INJECTED_SECRETS, Process
from dwp_infra.keys import decrypt_via_secrets_manager, via_service
from dwp_infra.nag import acknowledge
from dwp_infra.network import log_retention

# The brief's numbers: target tracking at 70% CPU and 80% memory; step scaling once a target serves more
# than 1,000 requests a minute.
CPU_TARGET_PERCENT = 70
MEMORY_TARGET_PERCENT = 80
REQUESTS_PER_TARGET_PER_MINUTE = 1000

# The ADOT collector as AWS also publishes it on Docker Hub (named without a registry host).
ADOT_IMAGE = "amazon/aws-otel-collector:v0.43.3"
# Only what the platform sends: OTLP traces in, X-Ray out. (The image's default config also writes EMF
# metrics to a log group of its own, which would need broader log permissions.)
ADOT_CONFIG = {
    "receivers": {
        "otlp": {
            "protocols": {"grpc": {"endpoint": "127.0.0.1:4317"}, "http": {"endpoint": "127.0.0.1:4318"}}
        }
    },
    "processors": {"batch/traces": {"timeout": "1s", "send_batch_size": 50}},
    "exporters": {"awsxray": {}},
    "service": {
        "pipelines": {
            "traces": {"receivers": ["otlp"], "processors": ["batch/traces"], "exporters": ["awsxray"]}
        }
    },
}


MIGRATION_LEAVES_OUT = {"DWP_SERVICE_CLIENT_SECRET", *ISSUER_INJECTED_SECRETS}
"""Task secrets a migration task is not given: it calls no service and signs nobody in."""


@dataclass(frozen=True)
class Peak:
    """A predictable peak: from `start` to `end` (cron, Europe/London) run at least `factor` x min tasks."""

    start: dict[str, str]
    end: dict[str, str]
    factor: int


PEAKS: dict[str, Peak] = {
    "monday-morning": Peak(
        start={"week_day": "MON", "hour": "7", "minute": "30"},
        end={"week_day": "MON", "hour": "13", "minute": "0"},
        factor=2,
    ),
    # The monthly run starts at 02:00 every day (that day's assessment periods); claims and benefits serve
    # its lookups. A day holds about a thirtieth of the awards, so a few hours at twice the tasks is ample.
    "monthly-run": Peak(
        start={"hour": "1", "minute": "45"},
        end={"hour": "5", "minute": "0"},
        factor=2,
    ),
}


@dataclass(frozen=True)
class DataAccess:
    """Named data resources; the service is granted the ones its catalogue entry lists, nothing else."""

    data_key: kms.IKey
    pii_key: kms.IKey
    topic_arns: dict[str, str]
    queue_arns: dict[str, str]
    table_arns: dict[str, str]
    bucket_arn: str
    secret_arns: dict[str, str]
    database_secret_arn: str
    """The database credentials' secret, which services with a schema read at connect time (rotation)."""


@dataclass(frozen=True)
class MicroserviceProps:
    process: Process
    env_name: str
    cluster: ecs.ICluster
    namespace_arn: str
    image: ecs.ContainerImage
    subnet_group_name: str
    logs_key: kms.IKey
    log_retention_days: int
    min_tasks: int
    max_tasks: int
    access: DataAccess
    environment: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, ecs.Secret] = field(default_factory=dict)
    tls: ecs.ServiceConnectTlsConfiguration | None = None
    migration_package: str | None = None
    """The package whose migrations run before each deployment of the service (`dwp migrate <it>`)."""


def migrate_command(package: str) -> list[str]:
    """What the migration task runs: the service's image bringing its schema up to date, then exiting."""
    return ["dwp", "migrate", package]


def serve_command(process: Process) -> list[str]:
    """What a container runs: the catalogue entry's app, listening on every interface of the task."""
    return ["dwp", "serve", process.name, "--host", "0.0.0.0"]  # noqa: S104 - inside the task's own network


class DwpMicroservice(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, props: MicroserviceProps) -> None:
        super().__init__(scope, construct_id)
        self.process = process = props.process
        self.props = props

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/dwp/{props.env_name}/{process.name}",
            retention=log_retention(props.log_retention_days),
            encryption_key=props.logs_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"{process.name}: only the data its catalogue entry names",
        )
        self._grant_catalogue_access(props.access)

        self.security_group = ec2.SecurityGroup(
            self,
            "Sg",
            vpc=props.cluster.vpc,
            description=f"{process.name}: ingress only from its callers",
            allow_all_outbound=False,
        )
        # HTTPS out: AWS APIs through the VPC endpoints, image layers from S3, and outside providers
        # (One Login, HMRC, NHS, Notify, OS Places) through the NAT gateways.
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and providers"
        )

        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=process.cpu,
            memory_limit_mib=process.memory_mib,
            task_role=self.task_role,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=ecs.CpuArchitecture.X86_64,
            ),
        )
        # The root filesystem is read-only; uvicorn and Python still need a writable /tmp.
        self.task_definition.add_volume(name="tmp")
        self.container = self.task_definition.add_container(
            "app",
            container_name=process.name,
            image=props.image,
            command=serve_command(process),
            essential=True,
            readonly_root_filesystem=True,
            user="10001",
            environment={
                "DWP_SERVICE": process.name,
                "DWP_ENV": props.env_name,
                "PORT": str(process.port),
                "AWS_DEFAULT_REGION": cdk.Aws.REGION,
                # Writable scratch on the read-only root filesystem (the task's /tmp volume).
                "DWP_DATA_DIR": "/tmp/dwp",  # noqa: S108 - task-private volume
                "DWP_OTLP_ENDPOINT": "http://127.0.0.1:4318/v1/traces",  # the collector sidecar
                # One request in ten records spans (parent-based: a traced caller's request is traced
                # all the way down). Every request traced cost up to 40% of a profile read's CPU
                # (docs/performance.md); every request keeps its trace id in its access line either way.
                "DWP_TRACE_SAMPLE_RATIO": "0.1",
                "OTEL_SERVICE_NAME": process.name,
                "OTEL_PROPAGATORS": "tracecontext,xray",
                "OTEL_PYTHON_ID_GENERATOR": "xray",
                **props.environment,
            },
            secrets=props.secrets,
            port_mappings=[
                ecs.PortMapping(
                    name=process.name,
                    container_port=process.port,
                    app_protocol=ecs.AppProtocol.http,
                )
            ],
            health_check=ecs.HealthCheck(
                command=["CMD", "python", "/app/docker/healthcheck.py", "live"],
                interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5),
                retries=3,
                start_period=cdk.Duration.seconds(30),
            ),
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="app", log_group=self.log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
            ),
            stop_timeout=cdk.Duration.seconds(30),
        )
        self.container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)  # noqa: S108 - task-private volume
        )
        self.migration_task_definition = (
            self._migration_task(props, props.migration_package) if props.migration_package else None
        )
        collector = self.task_definition.add_container(
            "otel",
            container_name="otel-collector",
            image=ecs.ContainerImage.from_registry(ADOT_IMAGE),
            essential=False,  # losing traces must not take the service down
            readonly_root_filesystem=True,
            memory_reservation_mib=64,
            environment={"AOT_CONFIG_CONTENT": json.dumps(ADOT_CONFIG)},
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="otel", log_group=self.log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
            ),
        )
        self.container.add_container_dependencies(
            ecs.ContainerDependency(container=collector, condition=ecs.ContainerDependencyCondition.START)
        )

        server = process.kind == "service"
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=props.cluster,
            service_name=process.name,
            task_definition=self.task_definition,
            desired_count=props.min_tasks,
            min_healthy_percent=100,
            max_healthy_percent=200,
            vpc_subnets=ec2.SubnetSelection(subnet_group_name=props.subnet_group_name),
            assign_public_ip=False,
            security_groups=[self.security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=cdk.Duration.seconds(60),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
            service_connect_configuration=ecs.ServiceConnectProps(
                namespace=props.namespace_arn,
                # Tier 2 services are servers under their own name (`http://claims:8104`); the frontend
                # is a client only, reached through the load balancer.
                services=[
                    ecs.ServiceConnectService(
                        port_mapping_name=process.name,
                        dns_name=process.name,
                        port=process.port,
                        tls=props.tls,
                    )
                ]
                if server
                else None,
                log_driver=ecs.LogDrivers.aws_logs(stream_prefix="service-connect", log_group=self.log_group),
            ),
        )
        self.scaling = self.service.auto_scale_task_count(
            min_capacity=props.min_tasks, max_capacity=props.max_tasks
        )
        self.scaling.scale_on_cpu_utilization(
            "Cpu",
            target_utilization_percent=CPU_TARGET_PERCENT,
            scale_in_cooldown=cdk.Duration.seconds(300),
            scale_out_cooldown=cdk.Duration.seconds(60),
        )
        self.scaling.scale_on_memory_utilization(
            "Memory",
            target_utilization_percent=MEMORY_TARGET_PERCENT,
            scale_in_cooldown=cdk.Duration.seconds(300),
            scale_out_cooldown=cdk.Duration.seconds(60),
        )
        for peak_name in process.peaks:
            peak = PEAKS[peak_name]
            boosted = min(props.max_tasks, props.min_tasks * peak.factor)
            self.scaling.scale_on_schedule(
                f"{peak_name}-start",
                schedule=appscaling.Schedule.cron(**peak.start),
                min_capacity=boosted,
                time_zone=cdk.TimeZone.EUROPE_LONDON,
            )
            self.scaling.scale_on_schedule(
                f"{peak_name}-end",
                schedule=appscaling.Schedule.cron(**peak.end),
                min_capacity=props.min_tasks,
                time_zone=cdk.TimeZone.EUROPE_LONDON,
            )
        if process.scaling_metric is not None:
            metric = process.scaling_metric
            self.scaling.scale_to_track_custom_metric(
                metric.name,
                metric=cloudwatch.Metric(
                    namespace=metric.namespace,
                    metric_name=metric.name,
                    dimensions_map={metric.dimension: process.name},
                    statistic="Average",
                    period=cdk.Duration.minutes(1),
                ),
                target_value=metric.target,
                scale_in_cooldown=cdk.Duration.seconds(300),
                scale_out_cooldown=cdk.Duration.seconds(60),
            )

        _secure_execution(self.task_definition, props)

    def _migration_task(self, props: MicroserviceProps, package: str) -> ecs.FargateTaskDefinition:
        """The one-off task a deployment runs before the service's new tasks start: the same image, settings,
        role and secrets as the app container, running `dwp migrate <package>` and exiting (its exit code
        is the migration's outcome; `dwp_infra.migrations`)."""
        task = ecs.FargateTaskDefinition(
            self,
            "MigrationTask",
            cpu=256,
            memory_limit_mib=1024,
            task_role=self.task_role,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=ecs.CpuArchitecture.X86_64,
            ),
        )
        task.add_volume(name="tmp")
        container = task.add_container(
            "migrate",
            container_name="migrate",
            image=props.image,
            command=migrate_command(package),
            essential=True,
            readonly_root_filesystem=True,
            user="10001",
            environment={
                "DWP_SERVICE": self.process.name,
                "DWP_ENV": props.env_name,
                "AWS_DEFAULT_REGION": cdk.Aws.REGION,
                "DWP_DATA_DIR": "/tmp/dwp",  # noqa: S108 - task-private volume
                **props.environment,
            },
            # Not the service client secret nor identity's provider credentials: a migration calls no
            # service and signs nobody in.
            secrets={k: v for k, v in props.secrets.items() if k not in MIGRATION_LEAVES_OUT},
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="migrate", log_group=self.log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
            ),
            stop_timeout=cdk.Duration.seconds(30),
        )
        container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)  # noqa: S108 - task-private volume
        )
        _secure_execution(task, props)
        return task

    def register_with(
        self,
        listener: elbv2.ApplicationListener,
        *,
        priority: int,
        rules: list[list[elbv2.ListenerCondition]],
    ) -> None:
        """Forward requests matching any of `rules` (each a list of conditions) from `listener`, health-check
        on the catalogue's health path, and add step scaling on requests per target."""
        first, *others = rules
        self.target_group = listener.add_targets(
            self.process.name,
            port=self.process.port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[
                self.service.load_balancer_target(
                    container_name=self.process.name, container_port=self.process.port
                )
            ],
            priority=priority,
            conditions=first,
            health_check=elbv2.HealthCheck(
                path=self.process.health_path,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(15),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
            deregistration_delay=cdk.Duration.seconds(30),
        )
        for offset, conditions in enumerate(others, start=1):
            listener.add_action(
                f"{self.process.name}-{offset}",
                priority=priority + offset,
                conditions=conditions,
                action=elbv2.ListenerAction.forward([self.target_group]),
            )
        self.scaling.scale_on_metric(
            "Requests",
            metric=self.target_group.metrics.request_count_per_target(
                period=cdk.Duration.minutes(1), statistic="Sum"
            ),
            scaling_steps=[
                appscaling.ScalingInterval(upper=REQUESTS_PER_TARGET_PER_MINUTE // 2, change=-1),
                appscaling.ScalingInterval(lower=REQUESTS_PER_TARGET_PER_MINUTE, change=2),
                appscaling.ScalingInterval(lower=REQUESTS_PER_TARGET_PER_MINUTE * 3, change=5),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=cdk.Duration.seconds(60),
        )

    # --- least privilege, straight from the catalogue entry -------------------------------------
    def _allow(self, sid: str, actions: list[str], resources: list[str], **conditions: dict) -> None:
        self.task_role.add_to_policy(
            iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions or None)
        )

    def _grant_catalogue_access(self, access: DataAccess) -> None:
        process = self.process
        data_key = access.data_key.key_arn
        if process.publishes:
            self._allow(
                "PublishOwnTopics", ["sns:Publish"], [access.topic_arns[t] for t in process.publishes]
            )
            # The data key encrypts the topics: SNS uses it on the publisher's behalf, and only SNS may.
            self._allow(
                "EncryptForTopics", ["kms:GenerateDataKey", "kms:Decrypt"], [data_key], **via_service("sns")
            )
        if process.consumes:
            arns = [access.queue_arns[q.name] for q in process.consumes]
            self._allow(
                "ConsumeOwnQueues",
                [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                ],
                arns,
            )
            self._allow("DecryptQueueMessages", ["kms:Decrypt"], [data_key], **via_service("sqs"))
        if process.tables:
            self._allow(
                "OwnTables",
                [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:ConditionCheckItem",
                ],
                [access.table_arns[t] for t in process.tables],
            )
        if process.bucket_prefixes:
            objects = [f"{access.bucket_arn}/{prefix}*" for prefix in process.bucket_prefixes]
            self._allow(
                "OwnEvidenceObjects",
                # Tagging: the malware scan's verdict is a tag (the bucket policy denies reading `infected`).
                ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"],
                objects,
            )
            self._allow(
                "ListOwnEvidencePrefix",
                ["s3:ListBucket"],
                [access.bucket_arn],
                StringLike={"s3:prefix": [f"{prefix}*" for prefix in process.bucket_prefixes]},
            )
            self._allow(
                "EvidenceEncryption", ["kms:GenerateDataKey", "kms:Decrypt"], [data_key], **via_service("s3")
            )
            acknowledge(
                self.task_role,
                "AwsSolutions-IAM5",
                f"{process.name} reads and writes objects under its own prefix of the evidence bucket; "
                "object keys are generated per upload, so the grant names the prefix.",
                applies_to=[_any_resource_ending(f"/{prefix}*") for prefix in process.bucket_prefixes],
            )
        if process.secrets:
            self._allow(
                "ReadOwnSecrets",
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                [access.secret_arns[s] for s in process.secrets],
            )
            self.task_role.add_to_policy(decrypt_via_secrets_manager(data_key, sid="DecryptOwnSecrets"))
        if process.db_schema:
            # Read at connect time, and again when the database refuses a rotated password
            # (dwp.platform.database.SecretCredentials): ECS secrets are injected once, at task start.
            self._allow(
                "ReadDatabaseCredentials",
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                [access.database_secret_arn],
            )
            self.task_role.add_to_policy(decrypt_via_secrets_manager(data_key, sid="DecryptDatabaseSecret"))
        if process.uses_pii_key:
            self._allow(
                "PiiEnvelopeEncryption",
                ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                [access.pii_key.key_arn],
            )
        # Traces: the X-Ray API has no resource-level permissions.
        self._allow(
            "Traces",
            [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            ["*"],
        )
        acknowledge(
            self.task_role,
            "AwsSolutions-IAM5",
            "X-Ray PutTraceSegments, PutTelemetryRecords and the sampling calls support no resource-level "
            "permissions; AWS documents Resource '*' for them. No data resource is granted with '*'.",
            applies_to=["Resource::*"],
        )


def _secure_execution(task: ecs.FargateTaskDefinition, props: MicroserviceProps) -> None:
    """The execution role may decrypt the secrets ECS injects; the acknowledgements every task needs."""
    if props.secrets:
        task.obtain_execution_role().add_to_principal_policy(
            decrypt_via_secrets_manager(props.access.data_key.key_arn, sid="DecryptInjectedSecrets")
        )
    acknowledge(
        task,
        "AwsSolutions-ECS2",
        "The environment holds names, ports and URLs only; credentials reach the container as ECS "
        "secrets from Secrets Manager or are read from the database secret at connect time.",
    )
    execution_policy = task.obtain_execution_role().node.try_find_child("DefaultPolicy")
    if execution_policy is not None:
        acknowledge(
            execution_policy,
            "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken has no resource-level permissions (AWS documents Resource '*'); "
            "image pulls themselves are limited to the named repository.",
            applies_to=["Resource::*"],
        )


def _any_resource_ending(suffix: str) -> RegexAppliesTo:
    """Matches cdk-nag's rendering of `<bucket ARN><suffix>` whatever token the ARN is printed as."""
    escaped = re.escape(suffix).replace("/", "\\/")
    return RegexAppliesTo(regex=f"/^Resource::.*{escaped}$/g")
