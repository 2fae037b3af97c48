"""cdk-nag (AwsSolutions, 2.x pinned): no unacknowledged errors, and every acknowledgement names one rule
on one resource with a reason."""

from __future__ import annotations

import re

import cdk_nag
import pytest
from aws_cdk.assertions import Annotations, Match

pytestmark = pytest.mark.xdist_group("infra")

# Every rule acknowledged anywhere. A new acknowledgement must be added here too, so that a reviewer sees it.
ACKNOWLEDGED_RULES = {
    "AwsSolutions-AEC5",
    "AwsSolutions-APIG3",
    # (AwsSolutions-APIG4, "no authorization", is no longer waived: every method has the token authorizer.)
    "AwsSolutions-CB3",
    "AwsSolutions-CFR1",
    "AwsSolutions-COG4",
    "AwsSolutions-ECS2",
    "AwsSolutions-IAM4",
    "AwsSolutions-IAM5",
    "AwsSolutions-RDS2",
    "AwsSolutions-RDS3",
    "AwsSolutions-RDS11",
    "AwsSolutions-S1",
    "AwsSolutions-SMG4",
}


# Only where an environment is deliberately cheaper (dev): see docs/deploy.md, "Cost drivers".
CHEAPER_ENVIRONMENT_RULES = {"AwsSolutions-RDS10"}


def test_cdk_nag_is_the_pinned_major_version():
    assert cdk_nag.AwsSolutionsChecks.__module__.startswith("cdk_nag")
    from importlib.metadata import version

    assert version("cdk-nag").startswith("2.")


@pytest.mark.parametrize(
    "role", ["network", "data", "platform", "services", "edge_global", "edge", "pipeline"]
)
def test_no_unacknowledged_aws_solutions_errors(synth, role):
    stack = getattr(synth.stacks, role)
    errors = Annotations.from_stack(stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [f"{e.id}: {str(e.entry.data)[:200]}" for e in errors] == []


def _suppressions(template: dict) -> list[tuple[str, dict]]:
    found = []
    for name, resource in template["Resources"].items():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found.append((name, rule))
    return found


def test_acknowledgements_name_one_rule_on_one_resource_with_a_reason(synth):
    seen_rules = set()
    for role, template in synth.raw.items():
        assert "cdk_nag" not in template.get("Metadata", {}), f"stack-wide suppression in {role}"
        for resource, rule in _suppressions(template):
            assert re.fullmatch(r"AwsSolutions-[A-Z]+[0-9]+", rule["id"]), (resource, rule)
            assert len(rule["reason"]) >= 40, (resource, rule)
            seen_rules.add(rule["id"])
    assert seen_rules == ACKNOWLEDGED_RULES


def test_wildcard_acknowledgements_say_which_finding_they_cover(synth):
    """IAM4/IAM5 acknowledgements name the exact managed policy or wildcard, never the whole rule."""
    for template in synth.raw.values():
        for resource, rule in _suppressions(template):
            if rule["id"] in {"AwsSolutions-IAM4", "AwsSolutions-IAM5"}:
                assert rule.get("applies_to"), (resource, rule)
