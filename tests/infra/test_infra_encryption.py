"""Encryption everywhere: a sweep over every resource of every synthesised template."""

from __future__ import annotations

import pytest

from dwp.platform import catalog
from tests.infra.infra_support import resources_of

pytestmark = pytest.mark.xdist_group("infra")

CDK_PROVIDER = "CustomResourceProvider"


def _all(synth, resource_type: str) -> list[tuple[str, dict]]:
    return [
        (f"{stack}/{name}", resource.get("Properties", {}))
        for stack, template in synth.raw.items()
        for name, resource in resources_of(template, resource_type).items()
    ]


def test_buckets_are_encrypted_private_and_tls_only(synth):
    buckets = _all(synth, "AWS::S3::Bucket")
    assert buckets
    for name, props in buckets:
        assert "BucketEncryption" in props, name
        assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True, name
    policies = {str(p["Bucket"]): p for _, p in _all(synth, "AWS::S3::BucketPolicy")}
    assert len(policies) == len(buckets)  # every bucket has a policy, each with the TLS-only deny
    for props in policies.values():
        assert any(
            s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for s in props["PolicyDocument"]["Statement"]
        )


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        ("AWS::SQS::Queue", "KmsMasterKeyId"),
        ("AWS::SNS::Topic", "KmsMasterKeyId"),
        ("AWS::Logs::LogGroup", "KmsKeyId"),
        ("AWS::SecretsManager::Secret", "KmsKeyId"),
        ("AWS::CodeBuild::Project", "EncryptionKey"),
    ],
)
def test_resources_use_a_customer_managed_key(synth, resource_type, key):
    found = _all(synth, resource_type)
    assert found
    for name, props in found:
        assert key in props, name


def test_databases_caches_tables_and_registries_are_encrypted(synth):
    for name, props in _all(synth, "AWS::RDS::DBInstance"):
        # A replica inherits the primary's encryption and key (CloudFormation refuses the flag there).
        assert props.get("StorageEncrypted") is True or "SourceDBInstanceIdentifier" in props, name
    for name, props in _all(synth, "AWS::DynamoDB::GlobalTable"):
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}, name
    for name, props in _all(synth, "AWS::ElastiCache::ReplicationGroup"):
        assert props["AtRestEncryptionEnabled"] is True, name
        assert props["TransitEncryptionEnabled"] is True, name
        assert "KmsKeyId" in props, name
    for name, props in _all(synth, "AWS::ECR::Repository"):
        assert props["EncryptionConfiguration"]["EncryptionType"] == "KMS", name


def test_platform_functions_encrypt_their_environment(synth):
    functions = [(n, p) for n, p in _all(synth, "AWS::Lambda::Function") if CDK_PROVIDER not in n]
    # Every function of the catalogue, and the migration runner and the token authorizer beside them.
    assert len(functions) == len(catalog.FUNCTIONS) + 2
    for name, props in functions:
        assert "KmsKeyArn" in props, name


def test_traffic_is_encrypted_in_transit(synth):
    for name, props in _all(synth, "AWS::ElasticLoadBalancingV2::Listener"):
        # The NLB passes TLS through to the internal ALB's HTTPS listener untouched.
        assert props["Protocol"] in {"HTTPS", "TCP"}, name
        if props["Protocol"] == "TCP":
            assert props["Port"] == 443, name
    for name, props in _all(synth, "AWS::ElasticLoadBalancingV2::TargetGroup"):
        if props.get("TargetType") == "alb":
            assert props["Port"] == 443, name
    for name, props in _all(synth, "AWS::RDS::DBParameterGroup"):
        assert props["Parameters"]["rds.force_ssl"] == "1", name
    for name, props in _all(synth, "AWS::SQS::QueuePolicy") + _all(synth, "AWS::SNS::TopicPolicy"):
        statements = props["PolicyDocument"]["Statement"]
        assert any(s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in statements), name
