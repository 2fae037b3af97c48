"""boto3 clients that honour `AWS_ENDPOINT_URL`, and the idempotent bootstrap of every AWS resource the
platform needs on the embedded endpoint (the same names `infra/` gives them on AWS)."""

from __future__ import annotations

import contextlib
import json
import secrets
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from dwp.platform import catalog
from dwp.platform.settings import Settings

# Short timeouts and few retries: a request must not hang on AWS, and the outbox retries anyway.
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})

LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


@lru_cache(maxsize=64)
def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    extra: dict[str, Any] = {}
    if endpoint_url:
        # The embedded endpoint accepts any credentials; real AWS takes them from the task role.
        extra.update(LOCAL_CREDENTIALS)
    session: Any = boto3.session.Session()
    return session.client(
        service, endpoint_url=endpoint_url, region_name=region, config=_CLIENT_CONFIG, **extra
    )


def client(service: str, settings: Settings) -> Any:
    """A cached boto3 client for `service` (boto3 clients are thread-safe; sessions are not)."""
    return _client(service, settings.aws_endpoint_url, settings.aws_region)


def topic_arn(settings: Settings, topic: str) -> str:
    return str(client("sns", settings).create_topic(Name=topic)["TopicArn"])


def queue_url(settings: Settings, queue: str) -> str:
    return str(client("sqs", settings).get_queue_url(QueueName=queue)["QueueUrl"])


def bootstrap(settings: Settings) -> dict[str, list[str]]:
    """Create the topics, queues with dead-letter queues, tables, bucket, KMS key and secrets.

    Idempotent: every call is a create-if-missing, so `dwp up` runs it on every start.
    """
    sns = client("sns", settings)
    made: dict[str, list[str]] = {
        "topics": [],
        "queues": [],
        "tables": [],
        "buckets": [],
        "keys": [],
        "secrets": [],
    }
    arns = {topic: sns.create_topic(Name=topic)["TopicArn"] for topic in catalog.TOPICS}
    made["topics"] = list(arns)
    for queue in catalog.queues():
        arn = create_queue_with_dlq(settings, queue)
        for topic in queue.topics:
            # RawMessageDelivery keeps the event JSON as the SQS body, as the Lambda consumers expect.
            sns.subscribe(
                TopicArn=arns[topic], Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
            )
        made["queues"] += [queue.name, queue.dlq_name]
    _bootstrap_dynamodb(settings, made)
    _bootstrap_s3(settings, made)
    _bootstrap_kms(settings, made)
    _bootstrap_secrets(settings, made)
    return made


def create_queue_with_dlq(settings: Settings, queue: catalog.Queue) -> str:
    """Create a consumer's queue and its dead-letter queue (idempotent); returns the queue's ARN."""
    sqs = client("sqs", settings)

    def arn_of(url: str) -> str:
        return str(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )

    dlq_arn = arn_of(sqs.create_queue(QueueName=queue.dlq_name)["QueueUrl"])
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
    url = sqs.create_queue(
        QueueName=queue.name, Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(redrive)}
    )["QueueUrl"]
    return arn_of(url)


def _bootstrap_dynamodb(settings: Settings, made: dict[str, list[str]]) -> None:
    dynamodb = client("dynamodb", settings)
    existing = set(dynamodb.list_tables()["TableNames"])
    for table in (catalog.SESSIONS_TABLE, catalog.IDEMPOTENCY_TABLE):
        if table not in existing:
            # Another process bootstrapping at the same moment may make it first.
            with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
                dynamodb.create_table(
                    TableName=table,
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
            dynamodb.update_time_to_live(
                TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
            )
        made["tables"].append(table)


def _bootstrap_s3(settings: Settings, made: dict[str, list[str]]) -> None:
    s3 = client("s3", settings)
    try:
        s3.head_bucket(Bucket=catalog.EVIDENCE_BUCKET)
    except ClientError:
        s3.create_bucket(
            Bucket=catalog.EVIDENCE_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": settings.aws_region},
        )
    made["buckets"].append(catalog.EVIDENCE_BUCKET)


def _bootstrap_kms(settings: Settings, made: dict[str, list[str]]) -> None:
    kms = client("kms", settings)
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    if catalog.PII_KEY_ALIAS not in aliases:
        key_id = kms.create_key(Description="DWP PII envelope encryption", KeyUsage="ENCRYPT_DECRYPT")[
            "KeyMetadata"
        ]["KeyId"]
        kms.create_alias(AliasName=catalog.PII_KEY_ALIAS, TargetKeyId=key_id)
    made["keys"].append(catalog.PII_KEY_ALIAS)


def _bootstrap_secrets(settings: Settings, made: dict[str, list[str]]) -> None:
    manager = client("secretsmanager", settings)
    try:
        manager.describe_secret(SecretId=catalog.BLIND_INDEX_SECRET)
    except ClientError:
        manager.create_secret(Name=catalog.BLIND_INDEX_SECRET, SecretString=secrets.token_hex(32))
    made["secrets"].append(catalog.BLIND_INDEX_SECRET)


def read_secret(settings: Settings, name: str) -> str:
    return str(client("secretsmanager", settings).get_secret_value(SecretId=name)["SecretString"])
