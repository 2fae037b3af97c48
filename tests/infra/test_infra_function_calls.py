"""The worker Lambda functions reach the services they call: each callee's address in their environment is
the internal load balancer (Service Connect names do not resolve in Lambda), which routes the services'
internal prefixes too, and their security groups let them out to it, to the VPC endpoints and (only the
function that sends through GOV.UK Notify) to a provider's API on the internet, and nowhere else."""

from __future__ import annotations

import pytest

from dwp.platform import catalog
from dwp_infra.services import ISSUER_PROCESS, PROVIDER_APIS
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")

CALLERS = [f for f in catalog.FUNCTIONS if f.calls]


def _function(synth, spec: catalog.Function) -> dict:
    return synth.raw["services"]["Resources"][logical_id(synth.stacks.services.functions[spec.name])]


def _security_group_id(synth, spec: catalog.Function) -> str:
    (group,) = _function(synth, spec)["Properties"]["VpcConfig"]["SecurityGroupIds"]
    (found,) = references(group)
    return found


def _egress(synth, group_id: str) -> list[dict]:
    """Every egress rule of a security group: inline ones and separate SecurityGroupEgress resources."""
    template = synth.raw["services"]
    rules = list(template["Resources"][group_id]["Properties"].get("SecurityGroupEgress", []))
    for resource in resources_of(template, "AWS::EC2::SecurityGroupEgress").values():
        if group_id in references(resource["Properties"]["GroupId"]):
            rules.append(resource["Properties"])
    return rules


def test_the_service_calling_functions_are_those_the_catalogue_names() -> None:
    assert {f.name for f in CALLERS} >= {"claims-inbox", "payment-run", "retention-run"}


@pytest.mark.parametrize("spec", CALLERS, ids=lambda f: f.name)
def test_each_service_a_function_calls_is_at_the_internal_load_balancer(
    synth, spec: catalog.Function
) -> None:
    environment = _function(synth, spec)["Properties"]["Environment"]["Variables"]
    internal = f"https://{synth.stacks.services.internal_domain}"
    for name in (*spec.calls, ISSUER_PROCESS):  # the identity service for its token
        setting = catalog.process(name).url_setting
        assert environment[setting] == PROVIDER_APIS.get(name, internal), (spec.name, setting)


@pytest.mark.parametrize("spec", catalog.FUNCTIONS, ids=lambda f: f.name)
def test_a_function_may_reach_only_what_it_calls(synth, spec: catalog.Function) -> None:
    stacks = synth.stacks
    rules = _egress(synth, _security_group_id(synth, spec))
    anywhere = [r for r in rules if r.get("CidrIp") == "0.0.0.0/0"]
    if any(name in PROVIDER_APIS for name in spec.calls):
        assert [(r["FromPort"], r["ToPort"]) for r in anywhere] == [(443, 443)]
    else:
        assert not anywhere, f"{spec.name} may reach the internet"
    by_group = {
        (next(iter(references(r["DestinationSecurityGroupId"]))), r["FromPort"])
        for r in rules
        if "DestinationSecurityGroupId" in r
    }
    endpoints = stacks.network.endpoint_security_group
    assert any(logical_id(endpoints) in group for group, port in by_group if port == 443), (
        "no way to the AWS APIs"
    )
    alb = logical_id(stacks.services.internal_alb.connections.security_groups[0])
    assert ((alb, 443) in by_group) == bool(spec.calls)
    if spec.uses_database:
        assert any(port == 5432 for _, port in by_group)
    assert all("CidrIp" in r or "DestinationSecurityGroupId" in r for r in rules)


@pytest.mark.parametrize("spec", CALLERS, ids=lambda f: f.name)
def test_the_internal_load_balancer_lets_in_the_functions_that_call_services(synth, spec) -> None:
    template = synth.raw["services"]
    alb = logical_id(synth.stacks.services.internal_alb.connections.security_groups[0])
    function_group = _security_group_id(synth, spec)
    sources = [
        r["Properties"]
        for r in resources_of(template, "AWS::EC2::SecurityGroupIngress").values()
        if alb in references(r["Properties"]["GroupId"])
        and function_group in references(r["Properties"].get("SourceSecurityGroupId", {}))
    ]
    assert [(s["FromPort"], s["ToPort"]) for s in sources] == [(443, 443)]


def test_the_internal_listener_routes_every_services_internal_prefixes(synth) -> None:
    template = synth.raw["services"]
    rules = resources_of(template, "AWS::ElasticLoadBalancingV2::ListenerRule")
    priorities = [r["Properties"]["Priority"] for r in rules.values()]
    assert len(set(priorities)) == len(priorities)
    routed: dict[str, set[str]] = {}
    for rule in rules.values():
        (action,) = rule["Properties"]["Actions"]
        (group,) = references(action["TargetGroupArn"])
        for condition in rule["Properties"]["Conditions"]:
            for pattern in condition.get("PathPatternConfig", {}).get("Values", []):
                routed.setdefault(pattern, set()).add(group)
    services = synth.stacks.services.services
    for process in catalog.PROCESSES:
        for prefix in process.internal_prefixes:
            target = logical_id(services[process.name].target_group)
            assert routed.get(prefix) == {target}, prefix
            assert routed.get(f"{prefix}/*") == {target}, prefix
