"""Autoscaling exactly as the brief says: 70% CPU, 80% memory, steps above 1,000 requests a minute per
target, scheduled peaks (Monday mornings, the monthly run), and claims waiting per caseworker."""

from __future__ import annotations

import pytest

from dwp.platform import catalog
from dwp_infra.config import load_env
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

FARGATE = [p for p in catalog.PROCESSES if p.on_fargate]


def _target(synth, name: str) -> tuple[str, dict]:
    service = logical_id(synth.stacks.services.services[name].service)
    for logical, target in resources_of(
        synth.raw["services"], "AWS::ApplicationAutoScaling::ScalableTarget"
    ).items():
        if service in references(target["Properties"]["ResourceId"]):
            return logical, target["Properties"]
    raise AssertionError(f"no scalable target for {name}")


def _policies(synth, name: str) -> list[dict]:
    target, _ = _target(synth, name)
    return [
        p["Properties"]
        for p in resources_of(synth.raw["services"], "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"]["ScalingTargetId"] == {"Ref": target}
    ]


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_target_tracking_on_cpu_70_and_memory_80(synth, process):
    tracking = {
        p["TargetTrackingScalingPolicyConfiguration"]
        .get("PredefinedMetricSpecification", {})
        .get("PredefinedMetricType"): p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for p in _policies(synth, process.name)
        if p["PolicyType"] == "TargetTrackingScaling"
    }
    assert tracking["ECSServiceAverageCPUUtilization"] == 70
    assert tracking["ECSServiceAverageMemoryUtilization"] == 80


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_step_scaling_when_a_target_serves_more_than_1000_requests_a_minute(synth, process):
    steps = [p for p in _policies(synth, process.name) if p["PolicyType"] == "StepScaling"]
    upper = next(
        p
        for p in steps
        if any(s["ScalingAdjustment"] > 0 for s in p["StepScalingPolicyConfiguration"]["StepAdjustments"])
    )
    policy_ids = {
        logical
        for logical, p in resources_of(
            synth.raw["services"], "AWS::ApplicationAutoScaling::ScalingPolicy"
        ).items()
        if p["Properties"] is upper
    }
    alarms = [
        a["Properties"]
        for a in resources_of(synth.raw["services"], "AWS::CloudWatch::Alarm").values()
        if references(a["Properties"].get("AlarmActions", [])) & policy_ids
    ]
    (alarm,) = alarms
    assert alarm["MetricName"] == "RequestCountPerTarget"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Period"] == 60
    assert alarm["Threshold"] == 1000
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    group = logical_id(synth.stacks.services.services[process.name].target_group)
    assert group in references(alarm["Dimensions"])


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_scheduled_scaling_for_the_catalogued_peaks(synth, process):
    config = load_env(synth.stacks.services.node, "production")
    _, target = _target(synth, process.name)
    actions = {a["ScheduledActionName"]: a for a in target.get("ScheduledActions", [])}
    expected = {f"{peak}-{edge}" for peak in process.peaks for edge in ("start", "end")}
    assert set(actions) == expected
    for action in actions.values():
        assert action["Timezone"] == "Europe/London"
        assert action["ScalableTargetAction"]["MinCapacity"] >= config.min_tasks
    assert target["MinCapacity"] == config.min_tasks
    assert target["MaxCapacity"] == config.max_tasks


def test_monday_morning_and_the_monthly_run_are_scheduled(synth):
    schedules = {}
    for process in FARGATE:
        for action in _target(synth, process.name)[1].get("ScheduledActions", []):
            schedules[(process.name, action["ScheduledActionName"])] = action["Schedule"]
    assert schedules[("claims", "monday-morning-start")] == "cron(30 7 ? * MON *)"
    assert schedules[("benefits", "monthly-run-start")] == "cron(45 1 * * ? *)"  # the daily run


def test_claims_scales_on_claims_waiting_per_caseworker(synth):
    metric = catalog.process("claims").scaling_metric
    assert metric is not None
    custom = [
        p["TargetTrackingScalingPolicyConfiguration"]
        for p in _policies(synth, "claims")
        if "CustomizedMetricSpecification" in p.get("TargetTrackingScalingPolicyConfiguration", {})
    ]
    (policy,) = custom
    spec = policy["CustomizedMetricSpecification"]
    assert (spec["Namespace"], spec["MetricName"]) == (metric.namespace, metric.name)
    assert spec["Dimensions"] == [{"Name": metric.dimension, "Value": "claims"}]
    assert policy["TargetValue"] == metric.target
    others = [p.name for p in FARGATE if p.scaling_metric is None]
    for name in others:
        assert not any(
            "CustomizedMetricSpecification" in p.get("TargetTrackingScalingPolicyConfiguration", {})
            for p in _policies(synth, name)
        )
