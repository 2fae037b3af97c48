"""CloudWatch alarms (to the operators' SNS topic) and one dashboard for the environment.

Every alarm's description names its entry in docs/runbook.md (`Runbook: "<heading>"`): what it means, what
to check and what to do. The application's own signals come from its JSON logs through metric filters:
the outbox relay's once-a-minute `outbox.backlog` line, the HTTP client's `circuit_breaker` line when a
breaker opens, and the notifications function's `notify.failed` line.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dwp.platform import catalog
from dwp_infra.microservice import DwpMicroservice

FIVE_MINUTES = cdk.Duration.minutes(5)
LOG_METRICS_NAMESPACE = "DWP/Platform"
"""Where the metric filters on the services' and functions' JSON logs put their metrics."""
OUTBOX_AGE_LIMIT_SECONDS = 300
"""An event older than this has waited through every backoff (at most a minute each): SNS or the relay is
stuck, not slow."""


class Runbook:
    """The headings of docs/runbook.md that alarms name (tests check each one exists)."""

    DLQ = "Alarm: messages in a dead-letter queue"
    OUTBOX = "Alarm: events waiting in an outbox"
    SERVER_ERRORS = "Alarm: server errors (5xx)"
    BREAKER = "Alarm: a circuit breaker opened"
    NOTIFY = "Alarm: Notify failures"
    UNHEALTHY = "Alarm: a task failed its health check"
    CPU = "Alarm: CPU high"
    LAMBDA = "Alarm: Lambda errors or throttles"
    DATABASE = "Alarm: database"


def runbook_reference(heading: str) -> str:
    return f'Runbook: "{heading}" in docs/runbook.md'


@dataclass(frozen=True)
class ObservabilityProps:
    env_name: str
    alarm_topic: sns.ITopic
    services: dict[str, DwpMicroservice]
    functions: dict[str, lambda_.IFunction]
    dead_letter_queues: dict[str, sqs.IQueue]
    database: rds.IDatabaseInstance
    read_replica: rds.IDatabaseInstance | None
    api: apigw.RestApi
    public_alb: elbv2.ApplicationLoadBalancer


class Observability(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, props: ObservabilityProps) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        action = cw_actions.SnsAction(props.alarm_topic)

        def alarm(
            name: str,
            metric: cloudwatch.IMetric,
            threshold: float,
            description: str,
            runbook: str,
            periods: int = 1,
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"dwp-{props.env_name}-{name}",
                alarm_description=f"{description}. {runbook_reference(runbook)}",
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            created.add_ok_action(action)
            self.alarms.append(created)

        service_widgets: list[cloudwatch.IWidget] = []
        for name, service in props.services.items():
            target_group = service.target_group
            errors = target_group.metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MINUTES
            )
            unhealthy = target_group.metrics.unhealthy_host_count(
                period=cdk.Duration.minutes(1), statistic="Maximum"
            )
            cpu = service.service.metric_cpu_utilization(period=FIVE_MINUTES)
            memory = service.service.metric_memory_utilization(period=FIVE_MINUTES)
            requests = target_group.metrics.request_count_per_target(
                period=cdk.Duration.minutes(1), statistic="Sum"
            )
            alarm(
                f"{name}-5xx",
                errors,
                10,
                f"{name}: more than 10 server errors in 5 minutes",
                Runbook.SERVER_ERRORS,
            )
            alarm(
                f"{name}-unhealthy",
                unhealthy,
                0,
                f"{name}: a task failed its health check",
                Runbook.UNHEALTHY,
                periods=3,
            )
            alarm(
                f"{name}-cpu",
                cpu,
                90,
                f"{name}: CPU above 90% for 15 minutes although autoscaling",
                Runbook.CPU,
                periods=3,
            )
            breaker_opened = self._log_metric(
                f"{name}-BreakerOpened",
                service.log_group,
                # platform.http's breaker logs {"event": "circuit_breaker", "state": "opened", "upstream": x}
                logs.FilterPattern.all(
                    logs.FilterPattern.string_value("$.event", "=", "circuit_breaker"),
                    logs.FilterPattern.string_value("$.state", "=", "opened"),
                ),
                metric_name="CircuitBreakerOpened",
                metric_value="1",
                service=name,
            )
            alarm(
                f"{name}-breaker-open",
                breaker_opened.with_(statistic="Sum", period=FIVE_MINUTES),
                0,
                f"{name}: a circuit breaker to an upstream opened (calls to it are refused at once)",
                Runbook.BREAKER,
            )
            if catalog.process(name).publishes:
                oldest = self._log_metric(
                    f"{name}-OutboxAge",
                    service.log_group,
                    # dwp.platform.outbox logs {"event": "outbox.backlog", "oldest_age_seconds": ...} a minute
                    logs.FilterPattern.string_value("$.event", "=", "outbox.backlog"),
                    metric_name="OutboxOldestAgeSeconds",
                    metric_value="$.oldest_age_seconds",
                    service=name,
                )
                alarm(
                    f"{name}-outbox-age",
                    oldest.with_(statistic="Maximum", period=FIVE_MINUTES),
                    OUTBOX_AGE_LIMIT_SECONDS,
                    f"{name}: an event has waited in the outbox for more than "
                    f"{OUTBOX_AGE_LIMIT_SECONDS // 60} minutes",
                    Runbook.OUTBOX,
                )
            service_widgets.append(
                cloudwatch.GraphWidget(
                    title=name,
                    left=[requests],
                    right=[cpu, memory],
                    width=8,
                )
            )
        for name, dlq in props.dead_letter_queues.items():
            alarm(
                f"{name}-dlq",
                dlq.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
                0,
                f"{name}: messages in the dead-letter queue need a person (redrive after the fix)",
                Runbook.DLQ,
            )
        for name, function in props.functions.items():
            alarm(
                f"{name}-errors",
                function.metric_errors(period=FIVE_MINUTES),
                0,
                f"Lambda {name} failed",
                Runbook.LAMBDA,
            )
            alarm(
                f"{name}-throttles",
                function.metric_throttles(period=FIVE_MINUTES),
                0,
                f"Lambda {name} throttled",
                Runbook.LAMBDA,
            )
        notifications = props.functions.get("notifications")
        if notifications is not None:
            failed = self._log_metric(
                "NotifyFailed",
                notifications.log_group,
                # dwp.workers.notify logs `notify.failed` once per message Notify did not take. A term, not a
                # JSON selector: it matches the line whichever renderer wrote it.
                logs.FilterPattern.all_terms("notify.failed"),
                metric_name="NotifyFailures",
                metric_value="1",
            )
            alarm(
                "notify-failures",
                failed.with_(statistic="Sum", period=FIVE_MINUTES),
                5,
                "notifications: more than 5 messages in 5 minutes that GOV.UK Notify refused or did not take",
                Runbook.NOTIFY,
            )
        alarm(
            "rds-cpu",
            props.database.metric_cpu_utilization(period=FIVE_MINUTES),
            80,
            "RDS CPU above 80%",
            Runbook.DATABASE,
            periods=3,
        )
        alarm(
            "rds-free-storage-low",
            cloudwatch.MathExpression(
                expression="-storage",
                using_metrics={"storage": props.database.metric_free_storage_space(period=FIVE_MINUTES)},
                label="negative free storage",
            ),
            -10 * 1024**3,
            "RDS free storage below 10 GiB (autoscaling storage has reached its maximum?)",
            Runbook.DATABASE,
        )
        if props.read_replica is not None:
            alarm(
                "rds-replica-lag",
                props.read_replica.metric("ReplicaLag", period=FIVE_MINUTES, statistic="Maximum"),
                300,
                "Read replica more than 5 minutes behind",
                Runbook.DATABASE,
            )
        alarm(
            "api-5xx",
            props.api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            10,
            "REST API: server errors",
            Runbook.SERVER_ERRORS,
        )
        alarm(
            "public-alb-5xx",
            props.public_alb.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MINUTES),
            10,
            "Public ALB: errors from the load balancer itself (no healthy frontend?)",
            Runbook.SERVER_ERRORS,
        )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"dwp-{props.env_name}", default_interval=cdk.Duration.hours(3)
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=4)
        )
        self.dashboard.add_widgets(*service_widgets)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Dead-letter queues",
                left=[
                    dlq.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES)
                    for dlq in props.dead_letter_queues.values()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda errors and duration",
                left=[f.metric_errors(period=FIVE_MINUTES) for f in props.functions.values()],
                right=[f.metric_duration(period=FIVE_MINUTES) for f in props.functions.values()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="RDS",
                left=[props.database.metric_cpu_utilization(period=FIVE_MINUTES)],
                right=[props.database.metric_database_connections(period=FIVE_MINUTES)],
                width=8,
            ),
        )

    def _log_metric(
        self,
        construct_id: str,
        log_group: logs.ILogGroup,
        pattern: logs.IFilterPattern,
        *,
        metric_name: str,
        metric_value: str,
        service: str | None = None,
    ) -> cloudwatch.Metric:
        """A metric filter on one log group and the metric an alarm watches. With `service`, the metric is
        dimensioned by the line's own `service` field (every platform log line has one; CloudWatch takes a
        dimension's value only from a field of a JSON pattern), which on that log group is `service`."""
        logs.MetricFilter(
            self,
            construct_id,
            log_group=log_group,
            filter_pattern=pattern,
            metric_namespace=LOG_METRICS_NAMESPACE,
            metric_name=metric_name,
            metric_value=metric_value,
            dimensions={"Service": "$.service"} if service else None,
        )
        return cloudwatch.Metric(
            namespace=LOG_METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={"Service": service} if service else None,
        )
