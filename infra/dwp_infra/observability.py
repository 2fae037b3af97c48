"""CloudWatch alarms (to the operators' SNS topic) and one dashboard for the environment."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dwp_infra.microservice import DwpMicroservice

FIVE_MINUTES = cdk.Duration.minutes(5)


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
            name: str, metric: cloudwatch.IMetric, threshold: float, description: str, periods: int = 1
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"dwp-{props.env_name}-{name}",
                alarm_description=description,
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
            alarm(f"{name}-5xx", errors, 10, f"{name}: more than 10 server errors in 5 minutes")
            alarm(f"{name}-unhealthy", unhealthy, 0, f"{name}: a task failed its health check", periods=3)
            alarm(
                f"{name}-cpu",
                cpu,
                90,
                f"{name}: CPU above 90% for 15 minutes although autoscaling",
                periods=3,
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
            )
        for name, function in props.functions.items():
            alarm(f"{name}-errors", function.metric_errors(period=FIVE_MINUTES), 0, f"Lambda {name} failed")
            alarm(
                f"{name}-throttles",
                function.metric_throttles(period=FIVE_MINUTES),
                0,
                f"Lambda {name} throttled",
            )
        alarm(
            "rds-cpu",
            props.database.metric_cpu_utilization(period=FIVE_MINUTES),
            80,
            "RDS CPU above 80%",
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
        )
        if props.read_replica is not None:
            alarm(
                "rds-replica-lag",
                props.read_replica.metric("ReplicaLag", period=FIVE_MINUTES, statistic="Maximum"),
                300,
                "Read replica more than 5 minutes behind",
            )
        alarm(
            "api-5xx",
            props.api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            10,
            "REST API: server errors",
        )
        alarm(
            "public-alb-5xx",
            props.public_alb.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MINUTES),
            10,
            "Public ALB: errors from the load balancer itself (no healthy frontend?)",
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
