"""Platform (ECS, ECR, Service Connect CA, Config), edge (CloudFront, WAF in us-east-1, the ALB that only
CloudFront may reach) and the delivery pipeline."""

from __future__ import annotations

import pytest

from dwp_infra.edge import MANAGED_RULE_GROUPS
from dwp_infra.platform import CONFIG_RULES
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")


def test_cluster_has_container_insights(synth):
    (cluster,) = resources_of(synth.raw["platform"], "AWS::ECS::Cluster").values()
    assert {"Name": "containerInsights", "Value": "enhanced"} in cluster["Properties"]["ClusterSettings"]


def test_ecr_repositories_scan_on_push_with_immutable_tags(synth):
    repositories = resources_of(synth.raw["platform"], "AWS::ECR::Repository").values()
    assert len(list(repositories)) == 2
    for repository in repositories:
        props = repository["Properties"]
        assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
        assert props["ImageTagMutability"] == "IMMUTABLE"
        assert props["EncryptionConfiguration"]["EncryptionType"] == "KMS"


def test_service_connect_tls_comes_from_a_short_lived_private_ca(synth):
    (ca,) = resources_of(synth.raw["platform"], "AWS::ACMPCA::CertificateAuthority").values()
    assert ca["Properties"]["UsageMode"] == "SHORT_LIVED_CERTIFICATE"
    synth.templates["platform"].resource_count_is("AWS::ACMPCA::CertificateAuthorityActivation", 1)


def test_aws_config_records_and_evaluates_the_conformance_rules(synth):
    template = synth.raw["platform"]
    assert len(resources_of(template, "AWS::Config::ConfigurationRecorder")) == 1
    rules = {
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in resources_of(template, "AWS::Config::ConfigRule").values()
    }
    assert rules == set(CONFIG_RULES.values())


def test_kms_keys_rotate_everywhere(synth):
    keys = [k for raw in synth.raw.values() for k in resources_of(raw, "AWS::KMS::Key").values()]
    assert len(keys) >= 5
    assert all(k["Properties"]["EnableKeyRotation"] is True for k in keys)


def test_web_acl_for_cloudfront_with_managed_rules_and_a_rate_limit(synth):
    (acl,) = resources_of(synth.raw["edge_global"], "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "CLOUDFRONT"
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in props["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == set(MANAGED_RULE_GROUPS)
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    } <= managed
    (rate,) = [r for r in props["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": 1000}
    assert rate["Action"] == {"Block": {}}
    assert synth.stacks.edge_global.region == "us-east-1"


def test_waf_and_certificate_are_attached_to_the_distribution_across_regions(synth):
    (distribution,) = resources_of(synth.raw["edge"], "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    readers = set(resources_of(synth.raw["edge"], "Custom::CrossRegionExportReader"))
    assert references(config["WebACLId"])
    assert references(config["WebACLId"]) <= readers
    assert references(config["ViewerCertificate"]["AcmCertificateArn"]) <= readers
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["Logging"]["Prefix"] == "cloudfront/"
    (origin,) = config["Origins"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["OriginCustomHeaders"][0]["HeaderName"] == "X-Origin-Verify"
    (writer,) = resources_of(synth.raw["edge_global"], "Custom::CrossRegionExportWriter").values()
    exported = writer["Properties"]["WriterProps"]["exports"].values()
    web_acl, certificate = (
        logical_id(synth.stacks.edge_global.web_acl),
        logical_id(synth.stacks.edge_global.certificate),
    )
    assert {web_acl, certificate} == {ref for value in exported for ref in references(value)}


def test_public_alb_accepts_only_cloudfront_and_refuses_requests_without_the_origin_header(synth):
    stack = synth.stacks.services
    group = logical_id(stack.public_alb.connections.security_groups[0])
    assert "SecurityGroupIngress" not in synth.raw["services"]["Resources"][group]["Properties"]
    ingress_rules = resources_of(synth.raw["services"], "AWS::EC2::SecurityGroupIngress").values()
    (ingress,) = [
        r["Properties"]
        for r in ingress_rules
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
    ]
    assert ingress["SourcePrefixListId"] == stack.config.cloudfront_prefix_list_id
    assert (ingress["FromPort"], ingress["ToPort"]) == (443, 443)
    listener = synth.raw["services"]["Resources"][logical_id(stack.public_listener)]["Properties"]
    assert listener["Protocol"] == "HTTPS"
    assert listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "403"
    listener_rules = resources_of(synth.raw["services"], "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    rules = [
        r["Properties"]
        for r in listener_rules
        if r["Properties"]["ListenerArn"] == {"Ref": logical_id(stack.public_listener)}
    ]
    (rule,) = rules
    assert rule["Conditions"][0]["Field"] == "http-header"
    assert rule["Conditions"][0]["HttpHeaderConfig"]["HttpHeaderName"] == "X-Origin-Verify"


def test_dns_records_and_shield_advanced_in_production(synth):
    template = synth.templates["edge"]
    template.resource_count_is("AWS::Route53::RecordSet", 2)  # A and AAAA
    shielded = resources_of(synth.raw["edge"], "AWS::Shield::Protection")
    assert len(shielded) == 2  # the distribution and the public ALB


def test_pipeline_tests_builds_images_and_deploys_with_approvals_between_environments(synth):
    (pipeline,) = resources_of(synth.raw["pipeline"], "AWS::CodePipeline::Pipeline").values()
    stages = [(s["Name"], [a["Name"] for a in s["Actions"]]) for s in pipeline["Properties"]["Stages"]]
    assert stages == [
        ("Source", ["Source"]),
        ("Test", ["MakeTest"]),
        ("Images", ["DockerBuild"]),
        ("Deploy-dev", ["Deploy-dev"]),
        ("Deploy-staging", ["Approve-staging", "Deploy-staging"]),
        ("Deploy-production", ["Approve-production", "Deploy-production"]),
    ]
    projects = {
        p["Properties"]["Name"]: p["Properties"]
        for p in resources_of(synth.raw["pipeline"], "AWS::CodeBuild::Project").values()
    }
    assert "make test" in projects["dwp-test"]["Source"]["BuildSpec"]
    assert "docker build --target runtime" in projects["dwp-images"]["Source"]["BuildSpec"]
    deploy = projects["dwp-deploy-production"]["Source"]["BuildSpec"]
    assert "docker push 333333333333.dkr.ecr.eu-west-2.amazonaws.com/dwp/services:$IMAGE_TAG" in deploy
    assert "-c dwp:env=production -c image_tag=$IMAGE_TAG" in deploy


def test_alarms_reach_the_operators_and_the_dashboard_exists(synth):
    stacks = synth.stacks
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources_of(synth.raw["services"], "AWS::CloudWatch::Alarm").values()
        if "AlarmName" in a["Properties"]
    }
    expected = {f"dwp-production-{name}-5xx" for name in stacks.services.services}
    expected |= {f"dwp-production-{name}-dlq" for name in stacks.data.dead_letter_queues}
    expected |= {f"dwp-production-{name}-errors" for name in stacks.services.functions}
    expected |= {"dwp-production-rds-cpu", "dwp-production-rds-replica-lag", "dwp-production-api-5xx"}
    assert expected <= set(alarms)
    topic = logical_id(stacks.platform.alarm_topic)
    for name in expected:
        assert any(topic in ref for ref in references(alarms[name]["AlarmActions"])), name
    (dashboard,) = resources_of(synth.raw["services"], "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "dwp-production"
