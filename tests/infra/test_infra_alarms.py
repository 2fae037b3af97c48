"""The alarms an operator needs, on the synthesised template: every queue's dead-letter queue, every
outbox's oldest event, every service's 5xx and circuit breakers, Notify failures; and every alarm names an
entry of docs/runbook.md that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dwp.platform import catalog
from dwp_infra.observability import LOG_METRICS_NAMESPACE, OUTBOX_AGE_LIMIT_SECONDS
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"
RUNBOOK_REFERENCE = re.compile(r'Runbook: "([^"]+)" in docs/runbook\.md')
FARGATE = [p for p in catalog.PROCESSES if p.on_fargate]


def _alarms(synth) -> dict[str, dict]:
    """The operators' alarms by name ("dwp-production-..."), from the services stack where they live: every
    alarm there but those that only drive step scaling (they name no person and tell no topic)."""
    template = synth.raw["services"]
    scaling = set(resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy"))
    found = {}
    for logical, alarm in resources_of(template, "AWS::CloudWatch::Alarm").items():
        properties = alarm["Properties"]
        actions = references(properties.get("AlarmActions", []))
        if actions and actions <= scaling:
            continue
        assert "AlarmName" in properties, f"{logical}: an operators' alarm without a name"
        found[properties["AlarmName"]] = properties
    return found


def _filters(synth) -> list[dict]:
    return [f["Properties"] for f in resources_of(synth.raw["services"], "AWS::Logs::MetricFilter").values()]


def _watches(alarm: dict, filter_: dict, service: str | None) -> bool:
    [transform] = filter_["MetricTransformations"]
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    wanted = {"Service": service} if service else {}
    return (
        (alarm["Namespace"], alarm["MetricName"]) == (transform["MetricNamespace"], transform["MetricName"])
        and dimensions == wanted
        and {d["Key"]: d["Value"] for d in transform.get("Dimensions", [])}
        == ({"Service": "$.service"} if service else {})
    )


def _filter_for(synth, alarm: dict, log_group, service: str | None) -> dict:
    group = logical_id(log_group)
    found = [
        f for f in _filters(synth) if group in references(f["LogGroupName"]) and _watches(alarm, f, service)
    ]
    assert len(found) == 1, f"no metric filter on {group} feeds {alarm['AlarmName']}"
    return found[0]


def _runbook_headings() -> set[str]:
    return {line.lstrip("#").strip() for line in RUNBOOK.read_text().splitlines() if line.startswith("#")}


def test_every_alarm_names_a_runbook_entry_that_exists(synth) -> None:
    headings = _runbook_headings()
    alarms = _alarms(synth)
    assert alarms
    for name, alarm in alarms.items():
        named = RUNBOOK_REFERENCE.findall(alarm.get("AlarmDescription", ""))
        assert named, f"{name} names no runbook entry"
        assert set(named) <= headings, f"{name} names {named}, not a heading of docs/runbook.md"
        assert alarm["AlarmActions"], f"{name} tells nobody"


def _names_queue(dimension: dict, name: str, logical: str) -> bool:
    """A QueueName dimension that is the queue's name, or the data stack's export of it."""
    value = dimension["Value"]
    return dimension["Name"] == "QueueName" and (
        value == name or any(logical in reference for reference in references(value))
    )


@pytest.mark.parametrize("queue", catalog.all_queues(), ids=lambda q: q.name)
def test_every_dead_letter_queue_has_an_alarm_on_any_message(synth, queue: catalog.Queue) -> None:
    dlq = logical_id(synth.stacks.data.dead_letter_queues[queue.name])
    on_dlq = [
        alarm
        for alarm in _alarms(synth).values()
        if alarm.get("Namespace") == "AWS/SQS"
        and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and any(
            d["Name"] == "QueueName"
            and (d["Value"] == queue.dlq_name or any(dlq in r for r in references(d["Value"])))
            for d in alarm["Dimensions"]
        )
    ]
    assert len(on_dlq) == 1, f"{queue.dlq_name} has {len(on_dlq)} alarms"
    [alarm] = on_dlq
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("process", [p for p in FARGATE if p.publishes], ids=lambda p: p.name)
def test_every_outbox_has_an_age_alarm_from_the_relays_log_line(synth, process: catalog.Process) -> None:
    alarm = _alarms(synth)[f"dwp-production-{process.name}-outbox-age"]
    assert alarm["Namespace"] == LOG_METRICS_NAMESPACE
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", OUTBOX_AGE_LIMIT_SECONDS)
    service = synth.stacks.services.services[process.name]
    filter_ = _filter_for(synth, alarm, service.log_group, process.name)
    assert '"outbox.backlog"' in filter_["FilterPattern"]
    assert filter_["MetricTransformations"][0]["MetricValue"] == "$.oldest_age_seconds"


@pytest.mark.parametrize("process", FARGATE, ids=lambda p: p.name)
def test_every_service_has_5xx_and_breaker_open_alarms(synth, process: catalog.Process) -> None:
    alarms = _alarms(synth)
    server_errors = alarms[f"dwp-production-{process.name}-5xx"]
    assert (server_errors["Namespace"], server_errors["MetricName"]) == (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
    )
    breaker = alarms[f"dwp-production-{process.name}-breaker-open"]
    assert (breaker["Statistic"], breaker["Threshold"]) == ("Sum", 0)
    service = synth.stacks.services.services[process.name]
    pattern = _filter_for(synth, breaker, service.log_group, process.name)["FilterPattern"]
    # The event platform.http's breaker logs when it opens.
    assert '$.event = "circuit_breaker"' in pattern
    assert '$.state = "opened"' in pattern


def test_notify_failures_alarm_counts_the_workers_log_line(synth) -> None:
    alarm = _alarms(synth)["dwp-production-notify-failures"]
    assert alarm["Statistic"] == "Sum"
    function = synth.stacks.services.functions["notifications"]
    assert "notify.failed" in _filter_for(synth, alarm, function.log_group, None)["FilterPattern"]
