"""The evidence bucket on the embedded AWS endpoint: bootstrap makes it as infra/ does, the presigned
POST's policy carries the limits (moto does not enforce POST policies, so the policy document itself is
asserted), a real multipart POST to the form lands an SSE-KMS object, and the service's inspection,
accepted copy, quarantine and download link work against what is stored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from botocore.exceptions import ClientError

from dwp.claims.domain.evidence import UPLOAD_POLICY
from dwp.claims.evidence_store import (
    ACCEPTED,
    INCOMING,
    QUARANTINE,
    EvidenceSettings,
    EvidenceStore,
    StoredObjectChanged,
)
from dwp.platform import aws, catalog
from dwp.platform.settings import Settings

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(make_settings: Any) -> EvidenceStore:
    settings: Settings = make_settings()
    aws.bootstrap(settings)
    return EvidenceStore(EvidenceSettings(platform=settings))


async def post(form: Any, content: bytes, *, filename: str = "evidence.pdf") -> httpx.Response:
    """What the SPA's browser does: a multipart form POST with the fields, then the file."""
    async with httpx.AsyncClient() as http:
        return await http.post(
            form.url, data=form.fields, files={"file": (filename, content, "application/pdf")}
        )


def test_bootstrap_makes_the_bucket_encrypted_versioned_private_with_cors_and_policy(
    store: EvidenceStore, make_settings: Any
) -> None:
    s3 = aws.client("s3", make_settings())
    bucket = catalog.EVIDENCE_BUCKET
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == store.kms_key_id
    assert store.kms_key_id.startswith("arn:aws:kms:")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors[0]["AllowedMethods"] == ["POST"]
    assert "http://127.0.0.1:8000" in cors[0]["AllowedOrigins"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    sids = {s["Sid"] for s in policy["Statement"]}
    assert "DenyReadingQuarantine" in sids  # the conditional statements are infra/'s only (see aws.py)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["Filter"]["Prefix"] for r in rules] == [INCOMING]
    # A browser on the SPA's origin is let through CORS for the POST.
    preflight = httpx.options(
        f"{make_settings().aws_endpoint_url}/{bucket}",
        headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    # Bootstrap again changes nothing and fails on nothing.
    aws.bootstrap(make_settings())


def test_the_post_policy_limits_size_type_key_and_encryption_and_expires_with_the_window(
    store: EvidenceStore,
) -> None:
    upload_id = str(uuid.uuid4())
    form = store.presigned_post(upload_id, content_type="image/png", policy=UPLOAD_POLICY, at=NOW)
    policy = form.policy()
    conditions = policy["conditions"]
    assert ["content-length-range", 1, UPLOAD_POLICY.max_bytes] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"x-amz-server-side-encryption": "aws:kms"} in conditions
    assert {"x-amz-server-side-encryption-aws-kms-key-id": store.kms_key_id} in conditions
    assert {"key": f"{INCOMING}{upload_id}"} in conditions
    assert {"bucket": catalog.EVIDENCE_BUCKET} in conditions
    assert form.key.startswith(catalog.process("claims").bucket_prefixes[0])
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    signed_at = datetime.strptime(form.fields["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert expiration - signed_at <= UPLOAD_POLICY.window
    assert expiration - signed_at >= UPLOAD_POLICY.window - timedelta(seconds=5)
    assert form.expires_at == NOW + UPLOAD_POLICY.window
    # The form's own fields are the values the policy requires.
    assert form.fields["Content-Type"] == "image/png"
    assert form.fields["x-amz-server-side-encryption"] == "aws:kms"


async def test_a_real_post_lands_an_encrypted_object_the_store_inspects_and_accepts(
    store: EvidenceStore,
) -> None:
    upload_id = str(uuid.uuid4())
    form = store.presigned_post(upload_id, content_type="application/pdf", policy=UPLOAD_POLICY, at=NOW)
    assert await store.inspect(form.key) is None  # nothing yet
    response = await post(form, PDF)
    assert response.status_code == 204, response.text

    arrived = await store.inspect(form.key)
    assert arrived is not None
    assert arrived.size == len(PDF)
    assert arrived.head == PDF[:8]
    assert arrived.encryption == "aws:kms"
    assert arrived.kms_key_id == store.kms_key_id
    assert await store.read(arrived) == PDF

    accepted = await store.accept(arrived, upload_id)
    assert accepted == f"{ACCEPTED}{upload_id}"
    assert await store.tags(accepted) == {catalog.EVIDENCE_SCAN_TAG: "clean"}
    # A second POST with the same form (still inside its window) does not change what was accepted.
    assert (await post(form, b"%PDF-1.7 something else entirely")).status_code == 204
    link = store.download_link(accepted, content_type="application/pdf", filename=f"{upload_id}.pdf")
    query = parse_qs(urlsplit(link).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert query["response-content-disposition"] == [f'attachment; filename="{upload_id}.pdf"']
    async with httpx.AsyncClient() as http:
        downloaded = await http.get(link)
    assert downloaded.status_code == 200
    assert downloaded.content == PDF
    # The object that was read is gone from under the service: reading it again is refused.
    with pytest.raises(StoredObjectChanged):
        await store.read(arrived)


async def test_quarantine_copies_and_tags_and_a_link_is_never_made_for_it(store: EvidenceStore) -> None:
    upload_id = str(uuid.uuid4())
    form = store.presigned_post(upload_id, content_type="application/pdf", policy=UPLOAD_POLICY, at=NOW)
    await post(form, PDF)
    arrived = await store.inspect(form.key)
    assert arrived is not None
    key = await store.quarantine(arrived, upload_id)
    assert key == f"{QUARANTINE}{upload_id}"
    # moto counts GetObjectTagging as a GetObject, which the bucket denies on quarantine/: read the
    # copy's tags from moto's own backend (it runs in this process).
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    copied = backend.get_object(store.bucket, key)
    assert backend.get_object_tagging(copied)["Tags"] == [
        {"Key": catalog.EVIDENCE_SCAN_TAG, "Value": "infected"}
    ]
    assert store._s3.head_object(Bucket=store.bucket, Key=key)["ContentLength"] == len(PDF)
    assert await store.tags(form.key) == {catalog.EVIDENCE_SCAN_TAG: "infected"}
    for refused in (key, form.key):
        with pytest.raises(ValueError, match="accepted"):
            store.download_link(refused, content_type="application/pdf", filename="x.pdf")
    # And the bucket itself refuses to hand the quarantined copy to anyone, the service included.
    with pytest.raises(ClientError) as denied:
        store._s3.get_object(Bucket=store.bucket, Key=key)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_download_link_never_outlives_five_minutes(store: EvidenceStore) -> None:
    link = store.download_link(
        f"{ACCEPTED}x", content_type="image/png", filename="x.png", lifetime=timedelta(hours=1)
    )
    assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == ["300"]
