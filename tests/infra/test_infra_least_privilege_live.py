"""Least privilege, tested for real: each service runs its own AWS work on a moto server that enforces IAM,
with credentials whose only policy is the task role the CDK app synthesises for it, and is refused what
its role does not grant (another service's topic, another secret, another table, creating a topic).

The policies are read from the synthesised template (the session's one synthesis), their references
turned into the ARNs of the same resources on this private endpoint. moto evaluates actions and, with
`tests/infra/moto_iam_server.py`, resources; it cannot evaluate conditions such as `kms:ViaService` (it
treats an unmet condition on an Allow as a Deny), so conditional statements are left out of the policy
given to moto, which only narrows it, and are checked statically in `test_infra_access.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from dwp.contracts.events import BenefitAssessed, CitizenRegistered, Event
from dwp.identity.domain import Session
from dwp.identity.repository import SessionStore
from dwp.platform import aws, catalog
from dwp.platform.database import Database, new_metadata
from dwp.platform.embedded_aws import wait_for_port
from dwp.platform.outbox import OutboxRelay, outbox_table, record_event
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.settings import Settings
from tests.conftest import free_port
from tests.infra.infra_support import REPO_ROOT, Synthesised, logical_id, resources_of

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("infra")]

REGION = "eu-west-2"
ACCOUNT = "123456789012"  # moto's account
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
PATIENT = Config(connect_timeout=10, read_timeout=120, retries={"max_attempts": 3})
# Stand-ins on the endpoint for resources that only exist on AWS, so that a refusal is about a real thing.
DATA_KEY_ALIAS = "alias/dwp-data"
DATABASE_SECRET = "dwp/database"
REFUSED = {"AccessDenied", "AccessDeniedException"}


# --- the policies, from the template -------------------------------------------------------------------
def _resolve(value: Any, local: dict[str, str], exports: dict[str, Any]) -> Any:
    """A CloudFormation value with its intrinsic functions worked out against the local ARNs."""
    if isinstance(value, list):
        return [_resolve(v, local, exports) for v in value]
    if not isinstance(value, dict):
        return value
    ((function, argument),) = value.items()
    if function == "Fn::ImportValue":
        return _resolve(exports[argument], local, exports)
    if function == "Ref":
        return PSEUDO.get(argument) or local[argument]
    if function == "Fn::GetAtt":
        logical, attribute = argument
        assert attribute == "Arn", f"{logical}.{attribute} in a policy"
        return local[logical]
    if function == "Fn::Join":
        separator, parts = argument
        return separator.join(_resolve(parts, local, exports))
    if function == "Fn::Sub":
        template, variables = (argument, {}) if isinstance(argument, str) else argument
        names = {**PSEUDO, **{k: _resolve(v, local, exports) for k, v in variables.items()}}
        return re.sub(
            r"\$\{([^}]+)\}", lambda m: names.get(m[1]) or local[m[1].removesuffix(".Arn")], template
        )
    raise AssertionError(f"no local meaning for {function} in a task role")


def task_role_policy(synth: Synthesised, service: str, local: dict[str, str]) -> dict[str, Any]:
    """The service's task role policy, as IAM on this endpoint would see it (conditional statements out)."""
    role = logical_id(synth.stacks.services.services[service].task_role)
    exports = {
        output["Export"]["Name"]: output["Value"]
        for output in synth.raw["data"]["Outputs"].values()
        if "Export" in output
    }
    statements = [
        statement
        for policy in resources_of(synth.raw["services"], "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {**s, "Resource": _resolve(s["Resource"], local, exports)}
            for s in statements
            if "Condition" not in s
        ],
    }


# --- the private endpoint ------------------------------------------------------------------------------
@dataclass
class Endpoint:
    url: str
    admin: dict[str, str]
    roles: dict[str, dict[str, str]]
    """Credentials by service: an assumed role whose only policy is the synthesised task role."""
    arns: dict[str, str]

    def client(self, service: str, credentials: dict[str, str]) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, config=PATIENT, **credentials)


def _admin_client(url: str, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=url, region_name=REGION, config=PATIENT, **aws.LOCAL_CREDENTIALS
    )


def _local_arns(synth: Synthesised, url: str) -> dict[str, str]:
    """Logical id in the data stack -> ARN of the same resource on the endpoint."""
    data = synth.stacks.data
    kms = _admin_client(url, "kms")
    secrets = _admin_client(url, "secretsmanager")

    def key_arn(alias: str) -> str:
        return str(kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"])

    arns = {
        logical_id(data.pii_key): key_arn(catalog.PII_KEY_ALIAS),
        logical_id(data.data_key): key_arn(DATA_KEY_ALIAS),
        logical_id(data.evidence_bucket): f"arn:aws:s3:::{catalog.EVIDENCE_BUCKET}",
        logical_id(data.database_secret): secrets.describe_secret(SecretId=DATABASE_SECRET)["ARN"],
    }
    for name, topic in data.topics.items():
        arns[logical_id(topic)] = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
    for name, table in data.tables.items():
        arns[logical_id(table)] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    for name, queue in data.queues.items():
        arns[logical_id(queue)] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    for name, secret in data.secrets.items():
        arns[logical_id(secret)] = secrets.describe_secret(SecretId=name)["ARN"]
    return arns


def _prepare(synth: Synthesised, url: str) -> Endpoint:
    """Everything the platform's bootstrap makes, the stand-ins, one role per service and an administrator;
    all of it before moto starts checking, which the last step turns on."""
    settings = Settings(aws_endpoint_url=url)  # type: ignore[call-arg]
    for service, call in (
        ("sqs", "list_queues"),
        ("sns", "list_topics"),
        ("ssm", "describe_parameters"),
        ("dynamodb", "list_tables"),
        ("s3", "list_buckets"),
        ("kms", "list_aliases"),
        ("secretsmanager", "list_secrets"),
        ("iam", "list_roles"),
        ("sts", "get_caller_identity"),
    ):
        getattr(_admin_client(url, service), call)()  # moto loads a service's code on its first call
    made = aws.bootstrap(settings)
    secrets = _admin_client(url, "secretsmanager")  # bootstrap makes the data key (the evidence bucket's)
    # and the secrets that have a local value (the blind-index key, the providers' local credentials)
    for name in [DATABASE_SECRET, *(n for n in synth.stacks.data.secrets if n not in made["secrets"])]:
        secrets.create_secret(Name=name, SecretString=uuid.uuid4().hex)
    arns = _local_arns(synth, url)

    iam, sts = _admin_client(url, "iam"), _admin_client(url, "sts")
    roles: dict[str, dict[str, str]] = {}
    services = synth.stacks.services.services
    for name, service in services.items():
        trust = synth.raw["services"]["Resources"][logical_id(service.task_role)]["Properties"]
        role = iam.create_role(
            RoleName=f"dwp-{name}-task",
            AssumeRolePolicyDocument=json.dumps(trust["AssumeRolePolicyDocument"]),
        )["Role"]
        iam.put_role_policy(
            RoleName=role["RoleName"],
            PolicyName="task",
            PolicyDocument=json.dumps(task_role_policy(synth, name, arns)),
        )
        credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=name)["Credentials"]
        roles[name] = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    admin = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    # From here on every request is authenticated and authorised (moto's documented switch).
    httpx.post(f"{url}/moto-api/reset-auth", content=b"0", timeout=30).raise_for_status()
    return Endpoint(url=url, admin=admin, roles=roles, arns=arns)


@pytest.fixture(scope="module")
def endpoint(synth: Synthesised) -> Iterator[Endpoint]:
    port = free_port()
    # Not the shared endpoint: a moto of this module's own, enforcing IAM once set up (a huge count, set to
    # zero through moto's API when the roles exist, so the setup needs no exact request count).
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(10**9)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.infra.moto_iam_server", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield _prepare(synth, f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def acting_as(endpoint: Endpoint, service: str, tmp_path: Path) -> Iterator[Settings]:
    """The platform's own AWS code, signing with the service's task role instead of the local keys.

    As on AWS (no endpoint URL), the relay does not wait for bootstrap's marker: there it is off, and
    the CDK app makes the topics.
    """
    saved = aws.LOCAL_CREDENTIALS
    aws.LOCAL_CREDENTIALS = endpoint.roles[service]  # type: ignore[misc]
    aws._client.cache_clear()
    try:
        yield Settings(  # type: ignore[call-arg]
            dwp_env="test",
            dwp_data_dir=tmp_path / ".dwp",
            aws_endpoint_url=endpoint.url,
            database_url=None,
            redis_url=None,
            dwp_outbox_await_bootstrap=False,
        )
    finally:
        aws.LOCAL_CREDENTIALS = saved  # type: ignore[misc]
        aws._client.cache_clear()


def refused(call: Callable[..., Any], **kwargs: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    # For JSON-protocol services moto answers in the query protocol's XML, which botocore reads as code 403.
    assert error["Code"] in REFUSED or (
        error["Code"] == "403" and "<Code>AccessDenied</Code>" in error["Message"]
    ), error


async def publish_through_relay(settings: Settings, topic: str, event: Event, source: str) -> str:
    """One event through a real outbox table and relay; returns its id once the relay marked it published."""
    metadata = new_metadata()
    table = outbox_table(metadata)
    database = Database(settings, f"outbox_{source}")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        async with database.transaction() as connection:
            event_id = await record_event(connection, table, topic=topic, event=event, source=source)
        relay = OutboxRelay(database, table, settings)
        assert await relay.publish_pending() == 1
        assert await relay.pending_count() == 0
        return event_id
    finally:
        await database.dispose()


def received(endpoint: Endpoint, queue: str, event_id: str) -> bool:
    sqs = endpoint.client("sqs", endpoint.admin)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    for _ in range(50):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            if json.loads(message["Body"])["event_id"] == event_id:
                return True
    return False


# --- the services --------------------------------------------------------------------------------------
async def test_citizen_publishes_reads_its_secret_and_uses_the_pii_key_and_nothing_else(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    with acting_as(endpoint, "citizen", tmp_path) as settings:
        event = CitizenRegistered(citizen_id=str(uuid.uuid4()), preferred_language="en", contact_by=["email"])
        event_id = await publish_through_relay(settings, catalog.CITIZEN_EVENTS_TOPIC, event, "citizen")
        assert received(endpoint, catalog.NOTIFICATIONS_QUEUE.name, event_id)

        index = await asyncio.to_thread(BlindIndex.from_settings, settings)
        assert index.digest("AB123456C", purpose="nino") == index.digest("AB123456C", purpose="nino")
        sealed = PiiCipher(settings).encrypt("AB123456C", context="citizen.nino")  # GenerateDataKey
        assert PiiCipher(settings).decrypt(sealed, context="citizen.nino") == "AB123456C"  # Decrypt
        kms = aws.client("kms", settings)
        blob = kms.encrypt(KeyId=catalog.PII_KEY_ALIAS, Plaintext=b"x")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"

        sns, secrets = aws.client("sns", settings), aws.client("secretsmanager", settings)
        refused(sns.publish, TopicArn=aws.topic_arn(settings, catalog.BENEFITS_EVENTS_TOPIC), Message="{}")
        refused(sns.create_topic, Name=catalog.CITIZEN_EVENTS_TOPIC)
        # It reads the database credentials itself, at connect time, so that a rotation needs no restart
        # (dwp.platform.database.SecretCredentials); no other service's secret.
        assert secrets.get_secret_value(SecretId=DATABASE_SECRET)["SecretString"]
        refused(secrets.get_secret_value, SecretId=catalog.NOTIFY_API_KEY_SECRET)
        refused(kms.encrypt, KeyId=DATA_KEY_ALIAS, Plaintext=b"x")
        refused(
            aws.client("dynamodb", settings).get_item,
            TableName=catalog.SESSIONS_TABLE,
            Key={"pk": {"S": "session#x"}},
        )
        refused(aws.client("ssm", settings).get_parameter, Name=aws.BOOTSTRAP_MARKER)


async def test_identity_keeps_sessions_in_its_table_and_nothing_else(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    with acting_as(endpoint, "identity", tmp_path) as settings:
        store = SessionStore(settings, PiiCipher(settings))
        session = Session.open(
            subject_kind="citizen",
            subject_id=str(uuid.uuid4()),
            provider_sub=f"urn:fdc:gov.uk:{uuid.uuid4()}",
            provider_sid=None,
            confidence="P2",
            roles=(),
            display_name="Test Person",
            id_token="id-token",
            now=1_000,
        )
        await store.put_session(session, expires_at=2_000)  # PutItem, UpdateItem, and the PII key to seal
        fresh = SessionStore(settings, PiiCipher(settings))  # a new cipher: the key is unwrapped by KMS
        found = await fresh.get_session(session.session_id, now=1_500)
        assert found is not None
        assert found.display_name == "Test Person"
        assert await fresh.close_sessions_of(session.provider_sub, now=1_500) == 1
        assert await fresh.get_session(session.session_id, now=1_500) is None

        dynamodb = aws.client("dynamodb", settings)
        refused(dynamodb.get_item, TableName=catalog.IDEMPOTENCY_TABLE, Key={"pk": {"S": "x"}})
        refused(dynamodb.scan, TableName=catalog.SESSIONS_TABLE)
        refused(aws.client("secretsmanager", settings).get_secret_value, SecretId=catalog.BLIND_INDEX_SECRET)
        refused(
            aws.client("sns", settings).publish,
            TopicArn=aws.topic_arn(settings, catalog.CITIZEN_EVENTS_TOPIC),
            Message="{}",
        )


async def test_benefits_publishes_its_events_and_nothing_else(endpoint: Endpoint, tmp_path: Path) -> None:
    with acting_as(endpoint, "benefits", tmp_path) as settings:
        event = BenefitAssessed(
            assessment_id=str(uuid.uuid4()),
            claim_id=str(uuid.uuid4()),
            benefit="universal_credit",
            period_start="2026-11-01",
            period_end="2026-11-30",
            award_pence=40_000,
        )
        await publish_through_relay(settings, catalog.BENEFITS_EVENTS_TOPIC, event, "benefits")

        sns = aws.client("sns", settings)
        refused(sns.publish, TopicArn=aws.topic_arn(settings, catalog.CITIZEN_EVENTS_TOPIC), Message="{}")
        refused(sns.create_topic, Name=catalog.BENEFITS_EVENTS_TOPIC)
        refused(aws.client("secretsmanager", settings).get_secret_value, SecretId=catalog.BLIND_INDEX_SECRET)
        refused(aws.client("kms", settings).generate_data_key, KeyId=catalog.PII_KEY_ALIAS, KeySpec="AES_256")
        refused(
            aws.client("dynamodb", settings).put_item,
            TableName=catalog.SESSIONS_TABLE,
            Item={"pk": {"S": "session#forged"}},
        )


def test_claims_keeps_evidence_under_its_prefix_and_nothing_else(endpoint: Endpoint) -> None:
    """Claims has no service code yet; its role's evidence grant is exercised with the calls it will make."""
    s3 = endpoint.client("s3", endpoint.roles["claims"])
    key = f"{catalog.process('claims').bucket_prefixes[0]}{uuid.uuid4()}.pdf"
    s3.put_object(Bucket=catalog.EVIDENCE_BUCKET, Key=key, Body=b"%PDF-1.7 evidence")
    assert s3.get_object(Bucket=catalog.EVIDENCE_BUCKET, Key=key)["Body"].read() == b"%PDF-1.7 evidence"

    refused(s3.put_object, Bucket=catalog.EVIDENCE_BUCKET, Key=f"other/{uuid.uuid4()}", Body=b"x")
    refused(s3.delete_object, Bucket=catalog.EVIDENCE_BUCKET, Key=key)
    refused(
        endpoint.client("s3", endpoint.roles["citizen"]).get_object, Bucket=catalog.EVIDENCE_BUCKET, Key=key
    )
    refused(
        endpoint.client("sns", endpoint.roles["claims"]).publish,
        TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:{catalog.CITIZEN_EVENTS_TOPIC}",
        Message="{}",
    )


def test_services_without_data_grants_are_refused_data(endpoint: Endpoint) -> None:
    for service in ("address", "integrations"):
        credentials = endpoint.roles[service]
        refused(
            endpoint.client("secretsmanager", credentials).get_secret_value,
            SecretId=catalog.BLIND_INDEX_SECRET,
        )
        refused(
            endpoint.client("kms", credentials).generate_data_key,
            KeyId=catalog.PII_KEY_ALIAS,
            KeySpec="AES_256",
        )


async def test_claims_role_can_do_what_the_evidence_store_does_and_no_more(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    """The evidence store's own calls under the synthesised claims task role: inspect (HEAD, ranged GET),
    read, the accepted copy, quarantine (copy and tag); the bucket policy still keeps the quarantined
    copy from everyone, claims included, and no other service reads evidence."""
    from dwp.claims.domain.evidence import UPLOAD_POLICY
    from dwp.claims.evidence_store import EvidenceSettings, EvidenceStore

    admin_s3 = endpoint.client("s3", endpoint.admin)
    key_arn = endpoint.client("kms", endpoint.admin).describe_key(KeyId=DATA_KEY_ALIAS)["KeyMetadata"]["Arn"]
    with acting_as(endpoint, "claims", tmp_path) as settings:
        store = EvidenceStore(EvidenceSettings(evidence_kms_key_id=key_arn, platform=settings))
        accepted_id, flagged_id = str(uuid.uuid4()), str(uuid.uuid4())
        for upload_id in (accepted_id, flagged_id):
            form = store.presigned_post(
                upload_id, content_type="application/pdf", policy=UPLOAD_POLICY, at=datetime.now(UTC)
            )
            # The citizen's POST, as S3 would store it (moto does not take POST policies as credentials).
            admin_s3.put_object(
                Bucket=store.bucket,
                Key=form.key,
                Body=b"%PDF-1.7 evidence",
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=key_arn,
            )
        arrived = await store.inspect(f"evidence/incoming/{accepted_id}")
        assert arrived is not None
        assert await store.read(arrived) == b"%PDF-1.7 evidence"
        accepted = await store.accept(arrived, accepted_id)
        flagged = await store.inspect(f"evidence/incoming/{flagged_id}")
        assert flagged is not None
        quarantined = await store.quarantine(flagged, flagged_id)
        claims_s3 = endpoint.client("s3", endpoint.roles["claims"])
        assert claims_s3.get_object(Bucket=store.bucket, Key=accepted)["Body"].read() == b"%PDF-1.7 evidence"
        # Refused by the bucket policy, which moto answers with a bare 403 (no error document).
        with pytest.raises(ClientError) as denied:
            claims_s3.get_object(Bucket=store.bucket, Key=quarantined)
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        refused(claims_s3.delete_object, Bucket=store.bucket, Key=accepted)
        refused(
            endpoint.client("s3", endpoint.roles["citizen"]).get_object, Bucket=store.bucket, Key=accepted
        )
