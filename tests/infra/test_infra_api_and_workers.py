"""API Gateway REST API in front of Tier 2 (VPC link, validation, throttling, usage plan) and the worker
Lambda functions (SQS event sources with partial batch responses, the monthly run's schedule)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dwp.platform import catalog
from dwp.workers.monthly import UK, StartRun, parse_message, run_day
from dwp.workers.scheduled import retention_as_of
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")


def test_rest_api_is_private_to_the_vpc_endpoint(synth):
    (api,) = resources_of(synth.raw["services"], "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["EndpointConfiguration"]["Types"] == ["PRIVATE"]
    (statement,) = api["Properties"]["Policy"]["Statement"]
    assert "aws:SourceVpce" in statement["Condition"]["StringEquals"]


def test_every_route_prefix_of_the_catalogue_goes_through_the_vpc_link(synth):
    methods = resources_of(synth.raw["services"], "AWS::ApiGateway::Method").values()
    uris = {m["Properties"]["Integration"]["Uri"] for m in methods}
    link = logical_id(synth.stacks.services.node.find_child("VpcLink"))
    domain = synth.stacks.services.internal_domain
    expected = set()
    for process in catalog.PROCESSES:
        if process.on_fargate:
            for prefix in process.route_prefixes:
                expected |= {f"https://{domain}{prefix}", f"https://{domain}{prefix}/{{proxy}}"}
    assert uris == expected
    for method in methods:
        props = method["Properties"]
        assert props["Integration"]["ConnectionType"] == "VPC_LINK"
        assert props["Integration"]["ConnectionId"] == {"Ref": link}
        assert props["ApiKeyRequired"] is True
        assert "RequestValidatorId" in props


def test_the_gateway_and_simulators_have_no_routes(synth):
    uris = " ".join(
        m["Properties"]["Integration"]["Uri"]
        for m in resources_of(synth.raw["services"], "AWS::ApiGateway::Method").values()
    )
    assert all(p.route_prefixes == () for p in catalog.PROCESSES if not p.deployed)
    assert "/v1/" in uris


def test_requests_are_validated_and_throttled_with_a_usage_plan(synth):
    template = synth.templates["services"]
    template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True, "ValidateRequestParameters": True}
    )
    (plan,) = resources_of(synth.raw["services"], "AWS::ApiGateway::UsagePlan").values()
    assert plan["Properties"]["Throttle"] == {"BurstLimit": 2000, "RateLimit": 1000}
    assert plan["Properties"]["Quota"]["Period"] == "DAY"
    (stage,) = resources_of(synth.raw["services"], "AWS::ApiGateway::Stage").values()
    settings = stage["Properties"]["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == 1000
    assert settings["DataTraceEnabled"] is False  # bodies carry personal data
    assert stage["Properties"]["TracingEnabled"] is True
    assert "AccessLogSetting" in stage["Properties"]
    template.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)


def test_vpc_link_targets_the_nlb_which_forwards_to_the_internal_alb(synth):
    stack = synth.stacks.services
    (link,) = resources_of(synth.raw["services"], "AWS::ApiGateway::VpcLink").values()
    assert link["Properties"]["TargetArns"] == [{"Ref": logical_id(stack.nlb)}]
    groups = resources_of(synth.raw["services"], "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    (alb_group,) = [g for g in groups if g["Properties"].get("TargetType") == "alb"]
    assert alb_group["Properties"]["Targets"] == [
        {"Id": {"Ref": logical_id(stack.internal_alb)}, "Port": 443}
    ]


@pytest.mark.parametrize("spec", catalog.FUNCTIONS, ids=lambda f: f.name)
def test_worker_function_built_from_the_same_image_and_handler_path(synth, spec):
    function = synth.raw["services"]["Resources"][logical_id(synth.stacks.services.functions[spec.name])]
    props = function["Properties"]
    assert props["PackageType"] == "Image"
    assert props["ImageConfig"]["Command"] == [spec.handler]
    assert spec.handler.startswith("dwp.workers.lambda_handlers.")
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Timeout"] == spec.timeout_seconds
    assert "VpcConfig" in props
    assert "KmsKeyArn" in props


@pytest.mark.parametrize("spec", catalog.FUNCTIONS, ids=lambda f: f.name)
def test_worker_consumes_its_queue_with_partial_batch_responses(synth, spec):
    stack, data = synth.stacks.services, synth.stacks.data
    function = logical_id(stack.functions[spec.name])
    mappings = [
        m["Properties"]
        for m in resources_of(synth.raw["services"], "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function}
    ]
    (mapping,) = mappings
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (queue_arn,) = references(mapping["EventSourceArn"])
    assert logical_id(data.queues[spec.queue.name]) in queue_arn


SCHEDULES = {
    "assessment-run": "cron(0 2 * * ? *)",
    "payment-run": "cron(0 5 ? * MON-FRI *)",
    "retention-run": "cron(30 3 * * ? *)",
}
"""The monthly run every day at 02:00; the payment run every working day at 05:00; the retention run every
day at 03:30, between the two (UK time)."""


def test_monthly_run_is_started_by_the_day_before_in_uk_time(synth):
    """Every day at 02:00 UK time: the schedule's start message is the run of the UK day before
    (`run_day`), and assessment periods end on every day of the month."""
    schedules = resources_of(synth.raw["services"], "AWS::Scheduler::Schedule").values()
    (schedule,) = [s for s in schedules if s["Properties"]["Name"].endswith("-assessment-run")]
    message = parse_message(schedule["Properties"]["Target"]["Input"])
    assert isinstance(message, StartRun)
    at_two = datetime(2026, 3, 29, 2, 0, tzinfo=UK)  # the night the clocks go forward
    assert run_day(message, at_two) == date(2026, 3, 28)


@pytest.mark.parametrize("spec", [f for f in catalog.FUNCTIONS if f.schedule], ids=lambda f: f.name)
def test_scheduled_runs_are_started_by_eventbridge_scheduler_in_uk_time(synth, spec):
    schedules = resources_of(synth.raw["services"], "AWS::Scheduler::Schedule").values()
    assert len(schedules) == len(SCHEDULES)
    (schedule,) = [s for s in schedules if s["Properties"]["Name"].endswith(f"-{spec.name}")]
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == spec.schedule == SCHEDULES[spec.name]
    assert props["ScheduleExpressionTimezone"] == "Europe/London"
    data = synth.stacks.data
    (target,) = references(props["Target"]["Arn"])
    assert logical_id(data.queues[spec.queue.name]) in target
    (dead_letter,) = references(props["Target"]["DeadLetterConfig"]["Arn"])
    assert logical_id(data.dead_letter_queues[spec.queue.name]) in dead_letter


def test_the_retention_run_is_started_every_night_as_of_each_services_today(synth):
    """03:30 UK time, between the monthly run and the payment run; the schedule's message names no day,
    so each service deletes as of its own today (and refuses any later day); one run at a time."""
    schedules = resources_of(synth.raw["services"], "AWS::Scheduler::Schedule").values()
    (schedule,) = [s for s in schedules if s["Properties"]["Name"].endswith("-retention-run")]
    assert retention_as_of(schedule["Properties"]["Target"]["Input"]) is None
    assert schedule["Properties"]["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 5
    (spec,) = [f for f in catalog.FUNCTIONS if f.name == "retention-run"]
    assert spec.handler.endswith(".retention_run_handler")
    assert not spec.uses_database  # each service deletes its own records, behind its own route
    function = synth.raw["services"]["Resources"][logical_id(synth.stacks.services.functions[spec.name])]
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1
    assert function["Properties"]["Timeout"] == 900


def test_notifications_writes_its_idempotency_records_and_keeps_to_its_share_of_notify(synth):
    (spec,) = [f for f in catalog.FUNCTIONS if f.name == "notifications"]
    assert spec.tables == (catalog.IDEMPOTENCY_TABLE,)
    template = synth.raw["services"]
    function = template["Resources"][logical_id(synth.stacks.services.functions[spec.name])]["Properties"]
    assert function["ReservedConcurrentExecutions"] == spec.reserved_concurrency
    share = int(function["Environment"]["Variables"]["DWP_NOTIFY_PER_MINUTE"])
    assert share * spec.reserved_concurrency <= catalog.NOTIFY_PER_MINUTE < 3000
    (role,) = references(function["Role"])
    table = logical_id(synth.stacks.data.tables[catalog.IDEMPOTENCY_TABLE])
    writes = [
        statement
        for policy in resources_of(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "dynamodb:PutItem" in statement["Action"]
    ]
    (statement,) = writes
    assert set(statement["Action"]) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert any(table in ref for ref in references(statement["Resource"]))
