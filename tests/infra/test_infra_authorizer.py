"""The REST API checks the token as the local gateway does (issue 12): a Lambda REQUEST authorizer running
`dwp.gateway.authorizer` on every method, the JWKS read from the internal load balancer (a Lambda cannot
resolve Service Connect names), problem documents for API Gateway's own refusals, and the same upstream
timeout as the local gateway."""

from __future__ import annotations

import json

import pytest

from dwp.gateway.proxy import TIMEOUT
from dwp_infra.services import AUTHORIZER_HANDLER, JWKS_PATH
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")


def _resources(synth) -> dict:
    return synth.raw["services"]["Resources"]


def test_one_request_authorizer_called_for_every_request_without_an_api_gateway_cache(synth):
    (authorizer,) = resources_of(synth.raw["services"], "AWS::ApiGateway::Authorizer").values()
    props = authorizer["Properties"]
    assert props["Type"] == "REQUEST"
    # No cache in API Gateway (it would outlive a short token); no identity source, so a request
    # without a token (a public route) still reaches the function, which decides.
    assert props["AuthorizerResultTtlInSeconds"] == 0
    assert props.get("IdentitySource", "") == ""
    function = logical_id(synth.stacks.services.authorizer_function)
    assert function in json.dumps(props["AuthorizerUri"])


def test_every_method_is_checked_by_the_authorizer_and_still_needs_the_api_key(synth):
    authorizer = logical_id(synth.stacks.services.authorizer.node.default_child)
    methods = resources_of(synth.raw["services"], "AWS::ApiGateway::Method").values()
    assert methods
    for method in methods:
        props = method["Properties"]
        assert props["AuthorizationType"] == "CUSTOM"
        assert props["AuthorizerId"] == {"Ref": authorizer}
        assert props["ApiKeyRequired"] is True


def test_the_authorizer_runs_the_gateways_check_and_reads_the_jwks_from_the_internal_alb(synth):
    stack = synth.stacks.services
    props = _resources(synth)[logical_id(stack.authorizer_function)]["Properties"]
    assert props["ImageConfig"]["Command"] == [AUTHORIZER_HANDLER] == ["dwp.gateway.authorizer.handler"]
    variables = props["Environment"]["Variables"]
    assert variables["DWP_JWKS_URL"] == f"https://{stack.internal_domain}{JWKS_PATH}"
    services_env = {
        e["Name"]: e["Value"]
        for e in next(
            c
            for c in _resources(synth)[logical_id(stack.services["claims"].task_definition)]["Properties"][
                "ContainerDefinitions"
            ]
            if c["Name"] == "claims"
        )["Environment"]
    }
    assert variables["DWP_JWT_ISSUER"] == services_env["DWP_JWT_ISSUER"]
    assert "VpcConfig" in props
    assert "KmsKeyArn" in props
    # The name resolves to the internal ALB, whose certificate is for it, and the ALB admits the function.
    records = [
        r["Properties"]
        for r in resources_of(synth.raw["services"], "AWS::Route53::RecordSet").values()
        if r["Properties"]["Name"].rstrip(".") == stack.internal_domain
    ]
    (record,) = records
    assert logical_id(stack.internal_alb) in references(record["AliasTarget"])
    (function_sg,) = references(props["VpcConfig"]["SecurityGroupIds"])
    alb_sg = {
        ref
        for ref in references(
            _resources(synth)[logical_id(stack.internal_alb)]["Properties"]["SecurityGroups"]
        )
    }
    ingress = [
        r["Properties"]
        for r in resources_of(synth.raw["services"], "AWS::EC2::SecurityGroupIngress").values()
        if references(r["Properties"].get("SourceSecurityGroupId")) == {function_sg}
    ]
    assert any(references(i["GroupId"]) <= alb_sg and i["FromPort"] == 443 for i in ingress)


def test_api_gateways_own_refusals_are_problem_documents(synth):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources_of(synth.raw["services"], "AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {"UNAUTHORIZED": "401", "ACCESS_DENIED": "403", "AUTHORIZER_FAILURE": "503",
                "AUTHORIZER_CONFIGURATION_ERROR": "503", "THROTTLED": "429"}  # fmt: skip
    assert {kind: responses[kind]["StatusCode"] for kind in expected} == expected
    for kind, props in responses.items():
        assert (
            props["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        )
        problem = json.loads(props["ResponseTemplates"]["application/json"])
        assert problem["status"] == int(props["StatusCode"]), kind
        assert problem["title"]
        assert problem["detail"]
    assert (
        responses["UNAUTHORIZED"]["ResponseParameters"]["gatewayresponse.header.WWW-Authenticate"]
        == "'Bearer'"
    )


def test_both_gateways_give_an_upstream_the_same_time(synth):
    methods = resources_of(synth.raw["services"], "AWS::ApiGateway::Method").values()
    timeouts = {m["Properties"]["Integration"]["TimeoutInMillis"] for m in methods}
    assert timeouts == {int(TIMEOUT.read * 1000)}
