"""Per-environment settings: dev synthesises cleanly too, and is cheaper where docs/deploy.md says so."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Annotations, Match

from tests.infra.infra_support import Synthesised, resources_of, synthesise
from tests.infra.test_infra_nag import ACKNOWLEDGED_RULES, CHEAPER_ENVIRONMENT_RULES

pytestmark = pytest.mark.xdist_group("infra")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(tmp_path_factory.mktemp("cdk.out.dev"), "dev")


def test_dev_has_no_unacknowledged_cdk_nag_errors(dev):
    for stack in dev.stacks.all():
        errors = Annotations.from_stack(stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
        assert [e.id for e in errors] == [], stack.stack_name


def test_dev_acknowledges_only_the_documented_cheaper_choices(dev):
    rules = {
        rule["id"]
        for template in dev.raw.values()
        for resource in template["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    }
    assert rules <= ACKNOWLEDGED_RULES | CHEAPER_ENVIRONMENT_RULES


def test_dev_is_cheaper_and_production_is_stricter(dev, synth):
    def database(s: Synthesised) -> dict:
        (db,) = [
            r["Properties"]
            for r in resources_of(s.raw["data"], "AWS::RDS::DBInstance").values()
            if "SourceDBInstanceIdentifier" not in r["Properties"]
        ]
        return db

    assert len(resources_of(dev.raw["network"], "AWS::EC2::NatGateway")) == 1
    assert len(resources_of(synth.raw["network"], "AWS::EC2::NatGateway")) == 3
    assert database(dev)["MultiAZ"] is False
    assert database(dev)["DeletionProtection"] is False
    assert database(synth)["DeletionProtection"] is True
    assert database(dev)["BackupRetentionPeriod"] < database(synth)["BackupRetentionPeriod"]
    assert len(resources_of(dev.raw["data"], "AWS::RDS::DBInstance")) == 1  # no read replica
    assert resources_of(dev.raw["platform"], "AWS::ACMPCA::CertificateAuthority") == {}
    assert resources_of(dev.raw["edge"], "AWS::Shield::Protection") == {}
    dev_desired = {
        s["Properties"]["DesiredCount"]
        for s in resources_of(dev.raw["services"], "AWS::ECS::Service").values()
    }
    prod_desired = {
        s["Properties"]["DesiredCount"]
        for s in resources_of(synth.raw["services"], "AWS::ECS::Service").values()
    }
    assert dev_desired == {1}
    assert prod_desired == {3}


def test_production_data_is_retained_when_a_stack_is_deleted(synth):
    table = next(iter(resources_of(synth.raw["data"], "AWS::DynamoDB::GlobalTable").values()))
    assert table["DeletionPolicy"] == "Retain"
    bucket_policies = {
        r.get("DeletionPolicy") for r in resources_of(synth.raw["data"], "AWS::S3::Bucket").values()
    }
    assert bucket_policies == {"Retain"}
    (primary,) = [
        r for r in resources_of(synth.raw["data"], "AWS::RDS::DBInstance").values()
        if "SourceDBInstanceIdentifier" not in r["Properties"]
    ]  # fmt: skip
    assert primary["DeletionPolicy"] == "Snapshot"
