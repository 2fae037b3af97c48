"""Data: RDS PostgreSQL Multi-AZ with a replica, rotation and backups; the DynamoDB sessions table;
Redis in cluster mode with TLS and AUTH; the evidence bucket; topics and queues from the catalogue."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from dwp.platform import catalog
from tests.infra.infra_support import logical_id, references, resources_of

pytestmark = pytest.mark.xdist_group("infra")


def _database(synth) -> dict:
    return synth.raw["data"]["Resources"][logical_id(synth.stacks.data.database)]["Properties"]


def test_rds_postgres_is_multi_az_encrypted_backed_up_and_protected(synth):
    db = _database(synth)
    assert db["Engine"] == "postgres"
    assert db["MultiAZ"] is True
    assert db["StorageEncrypted"] is True
    assert logical_id(synth.stacks.data.data_key) in references(db["KmsKeyId"])
    assert db["BackupRetentionPeriod"] == 35
    assert db["DeletionProtection"] is True
    assert db.get("PubliclyAccessible", False) is False
    assert "DBSubnetGroupName" in db


def test_rds_has_a_read_replica_of_the_primary(synth):
    data = synth.stacks.data
    replica = synth.raw["data"]["Resources"][logical_id(data.read_replica)]["Properties"]
    assert references(replica["SourceDBInstanceIdentifier"]) == {logical_id(data.database)}
    assert replica["DBInstanceClass"] == "db.r6g.xlarge"


def test_rds_forces_tls(synth):
    synth.templates["data"].has_resource_properties(
        "AWS::RDS::DBParameterGroup", {"Parameters": Match.object_like({"rds.force_ssl": "1"})}
    )


def test_database_credentials_rotate_in_secrets_manager(synth):
    (rotation,) = resources_of(synth.raw["data"], "AWS::SecretsManager::RotationSchedule").values()
    assert rotation["Properties"]["RotationRules"]["ScheduleExpression"] == "rate(30 days)"
    assert rotation["Properties"]["HostedRotationLambda"]["RotationType"] == "PostgreSQLSingleUser"


@pytest.mark.parametrize("table", catalog.TABLES, ids=lambda t: t.name)
def test_dynamodb_table_on_demand_with_ttl_pitr_and_a_global_replica(synth, table):
    resource = synth.raw["data"]["Resources"][logical_id(synth.stacks.data.tables[table.name])]
    assert resource["Type"] == "AWS::DynamoDB::GlobalTable"
    props = resource["Properties"]
    assert props["TableName"] == table.name
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": table.ttl_attribute, "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    regions = {r["Region"] for r in props["Replicas"]}
    assert regions == {"eu-west-2", "eu-west-1"}
    assert all(r["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] for r in props["Replicas"])


def test_sessions_table_is_the_catalogue_name(synth):
    assert catalog.SESSIONS_TABLE in synth.stacks.data.tables


def test_redis_cluster_mode_with_tls_at_rest_encryption_and_auth(synth):
    (cache,) = resources_of(synth.raw["data"], "AWS::ElastiCache::ReplicationGroup").values()
    props = cache["Properties"]
    assert props["NumNodeGroups"] == 3
    assert props["CacheParameterGroupName"].endswith(".cluster.on")
    assert props["TransitEncryptionEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True
    assert props["AutomaticFailoverEnabled"] is True
    assert props["MultiAZEnabled"] is True
    assert "resolve:secretsmanager" in str(props["AuthToken"])


def test_evidence_bucket_is_private_encrypted_versioned_logged_and_tls_only(synth):
    data = synth.stacks.data
    bucket = synth.raw["data"]["Resources"][logical_id(data.evidence_bucket)]["Properties"]
    assert bucket["BucketName"].startswith(catalog.EVIDENCE_BUCKET + "-production-")
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logical_id(data.access_logs)}
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(r.get("Transitions") for r in rules)
    policies = resources_of(synth.raw["data"], "AWS::S3::BucketPolicy").values()
    (policy,) = [
        p for p in policies if p["Properties"]["Bucket"] == {"Ref": logical_id(data.evidence_bucket)}
    ]
    deny_plain_http = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]  # fmt: skip
    assert deny_plain_http


def test_evidence_bucket_takes_only_kms_uploads_hides_quarantine_and_lets_the_spa_post(synth):
    """The catalogue's statements, as bootstrap puts them locally; the POST form from the SPA's origin."""
    data = synth.stacks.data
    bucket = synth.raw["data"]["Resources"][logical_id(data.evidence_bucket)]["Properties"]
    (cors,) = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["POST"]
    assert cors["AllowedOrigins"] == [f"https://{synth.stacks.data.config.domain_name}"]
    policies = resources_of(synth.raw["data"], "AWS::S3::BucketPolicy").values()
    (policy,) = [
        p for p in policies if p["Properties"]["Bucket"] == {"Ref": logical_id(data.evidence_bucket)}
    ]
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    kms_only = statements["DenyUploadsNotEncryptedWithKms"]
    assert kms_only["Effect"] == "Deny"
    assert kms_only["Action"] == "s3:PutObject"
    assert kms_only["Condition"] == {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    key_condition = statements["DenyUploadsWithAnotherKey"]["Condition"]["StringNotEquals"]
    assert key_condition["s3:x-amz-server-side-encryption-aws-kms-key-id"] == {
        "Fn::GetAtt": [logical_id(data.data_key), "Arn"]
    }
    quarantine = statements["DenyReadingQuarantine"]
    assert set(quarantine["Action"]) == {"s3:GetObject", "s3:GetObjectVersion"}
    assert "Condition" not in quarantine
    parts = [p for p in quarantine["Resource"]["Fn::Join"][1] if isinstance(p, str)]
    assert parts == [f"/{catalog.process('claims').bucket_prefixes[0]}{catalog.EVIDENCE_QUARANTINE}*"]
    infected = statements["DenyReadingInfected"]["Condition"]["StringEquals"]
    assert infected == {f"s3:ExistingObjectTag/{catalog.EVIDENCE_SCAN_TAG}": "infected"}
    rules = bucket["LifecycleConfiguration"]["Rules"]
    incoming = [r for r in rules if r.get("Prefix", "").endswith(catalog.EVIDENCE_INCOMING)]
    assert [r["ExpirationInDays"] for r in incoming] == [catalog.EVIDENCE_INCOMING_DAYS]


def test_topics_queues_and_dead_letter_queues_follow_the_catalogue(synth):
    topics = {
        t["Properties"]["TopicName"] for t in resources_of(synth.raw["data"], "AWS::SNS::Topic").values()
    }
    assert topics == set(catalog.TOPICS)
    queues = {
        q["Properties"]["QueueName"]: q["Properties"]
        for q in resources_of(synth.raw["data"], "AWS::SQS::Queue").values()
    }
    expected = {name for q in catalog.all_queues() for name in (q.name, q.dlq_name)}
    assert set(queues) == expected
    for queue in catalog.all_queues():
        redrive = queues[queue.name]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == queue.max_receive_count
        assert logical_id(synth.stacks.data.dead_letter_queues[queue.name]) in references(
            redrive["deadLetterTargetArn"]
        )
    subscriptions = resources_of(synth.raw["data"], "AWS::SNS::Subscription").values()
    assert len(list(subscriptions)) == sum(len(q.topics) for q in catalog.all_queues())


def test_pii_key_and_catalogue_secrets_exist_by_name(synth):
    aliases = {
        a["Properties"]["AliasName"] for a in resources_of(synth.raw["data"], "AWS::KMS::Alias").values()
    }
    assert catalog.PII_KEY_ALIAS in aliases
    secrets = {
        s["Properties"].get("Name")
        for s in resources_of(synth.raw["data"], "AWS::SecretsManager::Secret").values()
    }
    assert set(catalog.all_secrets()) <= secrets
    assert catalog.BLIND_INDEX_SECRET in secrets
