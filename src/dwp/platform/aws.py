"""boto3 clients that honour `AWS_ENDPOINT_URL`, and the idempotent bootstrap of every AWS resource the
platform needs on the embedded endpoint (the same names `infra/` gives them on AWS)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import uuid
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

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
    """The ARN of one of the platform's topics, without asking SNS and never creating it.

    The CDK app (`infra/`) creates the topics under the catalogue's names, and bootstrap does the same on
    the embedded endpoint, so the ARN follows from partition, account and region; `DWP_TOPIC_ARNS` can
    name them outright. (Looking an ARN up with `CreateTopic`, as this once did, made a topic with no
    subscriptions after the endpoint restarted, so events were accepted and lost; and no task role grants
    it on AWS.)
    """
    if arn := settings.dwp_topic_arns.get(topic):
        return arn
    partition, account = _caller(settings)
    return f"arn:{partition}:sns:{settings.aws_region}:{account}:{topic}"


def _caller(settings: Settings) -> tuple[str, str]:
    if settings.dwp_aws_account_id:
        return _partition_of_region(settings.aws_region), settings.dwp_aws_account_id
    return _caller_identity(settings.aws_endpoint_url, settings.aws_region)


def _partition_of_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


@lru_cache(maxsize=8)
def _caller_identity(endpoint_url: str | None, region: str) -> tuple[str, str]:
    # GetCallerIdentity needs no IAM permission; a failure is not cached, so the next try asks again.
    identity = _client("sts", endpoint_url, region).get_caller_identity()
    return str(identity["Arn"]).split(":")[1], str(identity["Account"])


def publish(settings: Settings, topic: str, message: str, event_type: str) -> None:
    """Publish to an existing topic; SNS refuses a topic that does not exist (`NotFound`)."""
    client("sns", settings).publish(
        TopicArn=topic_arn(settings, topic),
        Message=message,
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": event_type}},
    )


def queue_url(settings: Settings, queue: str) -> str:
    return str(client("sqs", settings).get_queue_url(QueueName=queue)["QueueUrl"])


# Where bootstrap says it has finished: an SSM parameter on the AWS endpoint itself. It lives and dies with
# the endpoint's other state (moto forgets all of it on a restart, so the marker vanishes exactly when the
# topics and subscriptions do); it is one small value read in one call, and it needs no bucket or topic of
# its own (a tag on a topic would exist as soon as the topic did, before its subscriptions). Only the
# embedded endpoint has it: on AWS the CDK app makes the resources and the relay does not wait for it.
BOOTSTRAP_MARKER = f"/{catalog.PREFIX}/bootstrap/complete"


def bootstrap_marker(settings: Settings) -> str | None:
    """The completion marker's value (unique to one bootstrapped endpoint), or None before bootstrap."""
    ssm = client("ssm", settings)
    try:
        return str(ssm.get_parameter(Name=BOOTSTRAP_MARKER)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def _write_bootstrap_marker(settings: Settings) -> str:
    ssm = client("ssm", settings)
    # Written once per endpoint: a relay compares the value before and after publishing, so a second
    # bootstrap on the same endpoint must not change it (that would look like a restart).
    with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name=BOOTSTRAP_MARKER, Value=str(uuid.uuid4()), Type="String", Overwrite=False)
    return str(ssm.get_parameter(Name=BOOTSTRAP_MARKER)["Parameter"]["Value"])


def bootstrap(settings: Settings) -> dict[str, list[str]]:
    """Create the queues with dead-letter queues, then the topics, then their subscriptions; then the tables,
    bucket, KMS key and secrets; and last the completion marker that the outbox relay waits for.

    In that order so that a topic never exists without the subscriptions it will have: an event
    published to a topic nobody is subscribed to is accepted by SNS and lost. Idempotent: every call is
    a create-if-missing, so `dwp up` runs it on every start.
    """
    sns = client("sns", settings)
    made: dict[str, list[str]] = {
        "queues": [],
        "topics": [],
        "subscriptions": [],
        "tables": [],
        "buckets": [],
        "keys": [],
        "secrets": [],
        "marker": [],
    }
    queue_arns: dict[str, str] = {}
    for queue in catalog.all_queues():
        queue_arns[queue.name] = create_queue_with_dlq(settings, queue)
        made["queues"] += [queue.name, queue.dlq_name]
    topic_arns = {topic: str(sns.create_topic(Name=topic)["TopicArn"]) for topic in catalog.TOPICS}
    made["topics"] = list(topic_arns)
    for queue in catalog.all_queues():
        for topic in queue.topics:
            # RawMessageDelivery keeps the event JSON as the SQS body, as the Lambda consumers expect.
            sns.subscribe(
                TopicArn=topic_arns[topic],
                Protocol="sqs",
                Endpoint=queue_arns[queue.name],
                Attributes={"RawMessageDelivery": "true"},
            )
            made["subscriptions"].append(f"{topic} -> {queue.name}")
    _bootstrap_dynamodb(settings, made)
    _bootstrap_kms(settings, made)
    _bootstrap_s3(settings, made)
    _bootstrap_secrets(settings, made)
    made["marker"].append(f"{BOOTSTRAP_MARKER}={_write_bootstrap_marker(settings)}")
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
        QueueName=queue.name,
        Attributes={"VisibilityTimeout": str(queue.visibility_seconds), "RedrivePolicy": json.dumps(redrive)},
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
    """The evidence bucket as `infra/` makes it: versioned, private, SSE-KMS with the data key by
    default, the same bucket policy, a CORS rule for the SPA's origin (the browser POSTs uploads straight
    to the bucket) and uploads as they arrived expiring after `EVIDENCE_INCOMING_DAYS`."""
    s3 = client("s3", settings)
    bucket = catalog.EVIDENCE_BUCKET
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.aws_region}
            )
    key_arn = _data_key_arn(settings)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": list(catalog.EVIDENCE_CORS_METHODS),
                    "AllowedOrigins": spa_origins(settings),
                    "AllowedHeaders": ["content-type"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": f"{prefix}{catalog.EVIDENCE_INCOMING}".replace("/", "-").strip("-"),
                    "Status": "Enabled",
                    "Filter": {"Prefix": f"{prefix}{catalog.EVIDENCE_INCOMING}"},
                    "Expiration": {"Days": catalog.EVIDENCE_INCOMING_DAYS},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                }
                for p in catalog.PROCESSES
                for prefix in p.bucket_prefixes
            ]
        },
    )
    statements = catalog.evidence_bucket_statements(
        f"arn:{_partition_of_region(settings.aws_region)}:s3:::{bucket}", key_arn
    )
    # moto 5.2 evaluates a bucket policy on object requests but treats a statement whose condition does
    # not hold as a deny, whatever its effect (moto.iam.access_control.IAMPolicyStatement), so the
    # conditional denies would refuse every upload and read here. Only the unconditional ones are put
    # on the embedded endpoint; the service sends the encryption fields itself and never reads an
    # object tagged infected, and infra/ puts every statement (tests/infra checks it).
    statements = [s for s in statements if "Condition" not in s]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    made["buckets"].append(bucket)


def spa_origins(settings: Settings) -> list[str]:
    """The origins the SPA is served from locally: the frontend's address (and the same port on
    `localhost`, which a browser treats as another origin), and its public address when one is set."""
    origins: list[str] = []
    # `dwp up` bootstraps in its own process, where only its children have DWP_FRONTEND_URL: the local
    # address must carry the port offset too, or a browser on an offset `dwp up` is refused by CORS.
    frontend = catalog.process("frontend")
    local = (
        os.environ.get(frontend.url_setting) or f"http://127.0.0.1:{frontend.port + settings.dwp_port_offset}"
    )
    for url in (local, os.environ.get("DWP_FRONTEND_PUBLIC_URL")):
        if not url:
            continue
        parts = urlsplit(url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
        if parts.hostname == "127.0.0.1":
            origins.append(
                f"{parts.scheme}://localhost:{parts.port}" if parts.port else f"{parts.scheme}://localhost"
            )
    return list(dict.fromkeys(origins))


def _data_key_arn(settings: Settings) -> str:
    """The data key's ARN, made with its alias if missing (on AWS the CDK app makes it)."""
    kms = client("kms", settings)
    try:
        return str(kms.describe_key(KeyId=catalog.DATA_KEY_ALIAS)["KeyMetadata"]["Arn"])
    except kms.exceptions.NotFoundException:
        key = kms.create_key(Description="DWP data at rest (evidence bucket)", KeyUsage="ENCRYPT_DECRYPT")
        with contextlib.suppress(kms.exceptions.AlreadyExistsException):
            kms.create_alias(AliasName=catalog.DATA_KEY_ALIAS, TargetKeyId=key["KeyMetadata"]["KeyId"])
        return str(kms.describe_key(KeyId=catalog.DATA_KEY_ALIAS)["KeyMetadata"]["Arn"])


def _bootstrap_kms(settings: Settings, made: dict[str, list[str]]) -> None:
    kms = client("kms", settings)
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    if catalog.PII_KEY_ALIAS not in aliases:
        key_id = kms.create_key(Description="DWP PII envelope encryption", KeyUsage="ENCRYPT_DECRYPT")[
            "KeyMetadata"
        ]["KeyId"]
        kms.create_alias(AliasName=catalog.PII_KEY_ALIAS, TargetKeyId=key_id)
    made["keys"].append(catalog.PII_KEY_ALIAS)
    _data_key_arn(settings)
    made["keys"].append(catalog.DATA_KEY_ALIAS)


def _bootstrap_secrets(settings: Settings, made: dict[str, list[str]]) -> None:
    manager = client("secretsmanager", settings)
    try:
        manager.describe_secret(SecretId=catalog.BLIND_INDEX_SECRET)
    except ClientError:
        manager.create_secret(Name=catalog.BLIND_INDEX_SECRET, SecretString=secrets.token_hex(32))
    made["secrets"].append(catalog.BLIND_INDEX_SECRET)
    for name, value in catalog.LOCAL_SECRET_VALUES.items():  # the simulators' local credentials
        try:
            manager.describe_secret(SecretId=name)
        except ClientError:
            manager.create_secret(Name=name, SecretString=value)
        made["secrets"].append(name)


def read_secret(settings: Settings, name: str) -> str:
    return str(client("secretsmanager", settings).get_secret_value(SecretId=name)["SecretString"])
