"""The evidence bucket, for the claims service: presigned POSTs for citizens' uploads, what arrived, a
caseworker's short-lived download link, and quarantine.

Keys live under the catalogue's prefix for claims (`evidence/`), one per upload and named only by its
random id (no name, NINO or claim in a key):

    evidence/incoming/<upload id>    where the citizen's browser POSTs the file (expires by lifecycle)
    evidence/accepted/<upload id>    a copy of the very object that passed the checks and the scan
    evidence/quarantine/<upload id>  a copy of an object the scanner flagged, tagged `dwp-scan=infected`

Downloads are only ever of `accepted/` keys. The accepted copy is what was checked (the copy is made
`CopySourceIfMatch` the ETag that was read), so a second POST with the same form inside its window
changes nothing a caseworker sees. The bucket policy (`infra/`) denies reading `quarantine/` and any
object tagged infected to every principal, so no link to one can work even if issued; the service's
own state refuses to issue one first. boto3 is synchronous and its clients are thread-safe: each call
runs in a worker thread (`asyncio.to_thread`), as the platform's other AWS adapters do.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.claims.domain.evidence import DOWNLOAD_LINK_LIFETIME, HEAD_BYTES, UploadPolicy
from dwp.platform import aws, catalog
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.settings import Settings

PREFIX = catalog.process("claims").bucket_prefixes[0]
INCOMING = f"{PREFIX}{catalog.EVIDENCE_INCOMING}"
ACCEPTED = f"{PREFIX}accepted/"
QUARANTINE = f"{PREFIX}{catalog.EVIDENCE_QUARANTINE}"
SCAN_TAG = catalog.EVIDENCE_SCAN_TAG
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

Scanner = Literal["clamav", "eicar"]


class EvidenceSettings(BaseSettings):
    """Where evidence goes and what scans it (beside the platform's settings)."""

    model_config = SettingsConfigDict(env_prefix="DWP_", extra="ignore")

    evidence_bucket: str = Field(catalog.EVIDENCE_BUCKET, description="The evidence bucket's name.")
    evidence_kms_key_id: str | None = Field(
        None,
        description="ARN of the KMS key every upload must be encrypted with (infra/ passes the data key's); "
        "the catalogue's data key alias, resolved to its ARN, when unset.",
    )
    malware_scanner: Scanner | None = Field(
        None,
        description="`clamav` (clamd's INSTREAM) or `eicar` (recognises only the EICAR test file, for local "
        "runs and tests); `eicar` locally and `clamav` elsewhere when unset.",
    )
    clamd_host: str = Field("127.0.0.1", description="Where clamd listens (TCP).")
    clamd_port: int = Field(3310, ge=1, le=65535, description="clamd's TCP port.")
    clamd_timeout_seconds: float = Field(30.0, gt=0, description="Longest wait for one scan.")
    evidence_sweep_seconds: float = Field(
        60.0, gt=0, description="How often uploads whose window closed without a check are checked."
    )

    platform: Settings = Field(default_factory=Settings, exclude=True)

    @model_validator(mode="after")
    def _real_scanner_outside_local(self) -> EvidenceSettings:
        if self.malware_scanner == "eicar" and not self.platform.is_local:
            raise ValueError("the EICAR-only scanner finds no malware: it is for local runs and tests only")
        return self

    @property
    def scanner(self) -> Scanner:
        if self.malware_scanner is not None:
            return self.malware_scanner
        return "eicar" if self.platform.is_local else "clamav"


@dataclass(frozen=True)
class PresignedPost:
    """What the citizen's browser sends: a multipart form POSTed to `url` with `fields`, the file last."""

    url: str
    fields: dict[str, str]
    key: str
    expires_at: datetime

    def policy(self) -> dict[str, Any]:
        """The policy document S3 checks the form against (base64 JSON in the `policy` field)."""
        return dict(json.loads(base64.b64decode(self.fields["policy"])))


@dataclass(frozen=True)
class Arrived:
    """What is at an upload's key: its size, ETag, declared Content-Type, encryption and first bytes."""

    key: str
    size: int
    etag: str
    content_type: str | None
    encryption: str | None
    kms_key_id: str | None
    head: bytes


class StoredObjectChanged(Exception):
    """The object at a key is no longer the one that was inspected (it was replaced meanwhile)."""


def incoming_key(upload_id: str) -> str:
    return f"{INCOMING}{upload_id}"


def _missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _changed(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("412", "PreconditionFailed")


def _unavailable(error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable("the evidence store cannot be reached", dependency="s3", retry_after=5)


class EvidenceStore:
    """The claims service's view of the evidence bucket."""

    def __init__(self, settings: EvidenceSettings, s3: Any | None = None) -> None:
        self._settings = settings
        self._s3 = s3 or aws.client("s3", settings.platform)
        self.bucket = settings.evidence_bucket

    @cached_property
    def kms_key_id(self) -> str:
        """The key's ARN: a bucket policy compares the header as written, so an ARN, never an alias."""
        if self._settings.evidence_kms_key_id:
            return self._settings.evidence_kms_key_id
        kms = aws.client("kms", self._settings.platform)
        try:
            return str(kms.describe_key(KeyId=catalog.DATA_KEY_ALIAS)["KeyMetadata"]["Arn"])
        except (ClientError, BotoCoreError) as error:  # not cached: the next upload asks again
            raise DependencyUnavailable("the evidence key cannot be found", dependency="kms") from error

    # --- uploads --------------------------------------------------------------------------------
    def presigned_post(
        self, upload_id: str, *, content_type: str, policy: UploadPolicy, at: datetime
    ) -> PresignedPost:
        """A form that S3 accepts only for this key, this type, 1 byte to the policy's maximum, encrypted
        with the platform's KMS key, until the policy's window ends. Signing is local (no call to S3);
        the key's ARN is looked up once when no setting names it, so call it off the event loop."""
        key = incoming_key(upload_id)
        kms_key = self.kms_key_id
        fields = {
            "Content-Type": content_type,
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": kms_key,
        }
        conditions: list[Any] = [
            {"Content-Type": content_type},
            # An empty file is refused by S3 too; the service still checks what arrived.
            ["content-length-range", 1, policy.max_bytes],
            {"x-amz-server-side-encryption": "aws:kms"},
            {"x-amz-server-side-encryption-aws-kms-key-id": kms_key},
        ]
        form = self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=int(policy.window.total_seconds()),
        )
        return PresignedPost(
            url=str(form["url"]),
            fields={k: str(v) for k, v in form["fields"].items()},
            key=key,
            expires_at=at + policy.window,
        )

    async def inspect(self, key: str) -> Arrived | None:
        """HEAD for the size, then a ranged GET of the first bytes of that same object (by its ETag) for
        its real type; None when nothing is there."""
        return await asyncio.to_thread(self._inspect, key)

    def _inspect(self, key: str) -> Arrived | None:
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise _unavailable(error) from error
        except BotoCoreError as error:
            raise _unavailable(error) from error
        size, etag = int(head["ContentLength"]), str(head["ETag"])
        first = b""
        if size > 0:
            try:
                body = self._s3.get_object(
                    Bucket=self.bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}", IfMatch=etag
                )["Body"]
                first = body.read()
            except ClientError as error:
                if _changed(error) or _missing(error):
                    # Replaced or gone between the two calls: look again from the start.
                    return self._inspect(key)
                raise _unavailable(error) from error
            except BotoCoreError as error:
                raise _unavailable(error) from error
        return Arrived(
            key=key,
            size=size,
            etag=etag,
            content_type=head.get("ContentType"),
            encryption=head.get("ServerSideEncryption"),
            kms_key_id=head.get("SSEKMSKeyId"),
            head=first[:HEAD_BYTES],
        )

    async def read(self, arrived: Arrived) -> bytes:
        """The whole object that was inspected (the scanner reads it); refused if it has changed since.
        Bounded: only objects within the upload policy's size are read."""
        return await asyncio.to_thread(self._read, arrived)

    def _read(self, arrived: Arrived) -> bytes:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=arrived.key, IfMatch=arrived.etag)["Body"]
            return bytes(body.read())
        except ClientError as error:
            if _changed(error) or _missing(error):
                raise StoredObjectChanged(arrived.key) from error
            raise _unavailable(error) from error
        except BotoCoreError as error:
            raise _unavailable(error) from error

    async def accept(self, arrived: Arrived, upload_id: str) -> str:
        """Copy the checked object to its accepted key; returns that key."""
        return await asyncio.to_thread(self._copy, arrived, f"{ACCEPTED}{upload_id}", "clean")

    async def quarantine(self, arrived: Arrived, upload_id: str) -> str:
        """Copy a flagged object to quarantine and tag the original infected: the bucket policy denies
        reading either to everyone. Returns the quarantine key."""
        key = await asyncio.to_thread(self._copy, arrived, f"{QUARANTINE}{upload_id}", "infected")
        await asyncio.to_thread(self._tag, arrived.key, "infected")
        return key

    def _copy(self, arrived: Arrived, key: str, verdict: str) -> str:
        try:
            self._s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": arrived.key},
                # S3 refuses the copy if the object was replaced after it was read (moto ignores this).
                CopySourceIfMatch=arrived.etag,
                MetadataDirective="COPY",
                TaggingDirective="REPLACE",
                Tagging=f"{SCAN_TAG}={verdict}",
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=self.kms_key_id,
            )
        except ClientError as error:
            if _changed(error) or _missing(error):
                raise StoredObjectChanged(arrived.key) from error
            raise _unavailable(error) from error
        except BotoCoreError as error:
            raise _unavailable(error) from error
        return key

    def _tag(self, key: str, verdict: str) -> None:
        try:
            self._s3.put_object_tagging(
                Bucket=self.bucket, Key=key, Tagging={"TagSet": [{"Key": SCAN_TAG, "Value": verdict}]}
            )
        except ClientError as error:
            if not _missing(error):
                raise _unavailable(error) from error
        except BotoCoreError as error:
            raise _unavailable(error) from error

    async def tags(self, key: str) -> dict[str, str]:
        """An object's tags (what the bucket policy's tag condition reads)."""

        def read() -> dict[str, str]:
            tags = self._s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
            return {t["Key"]: t["Value"] for t in tags}

        return await asyncio.to_thread(read)

    # --- downloads ------------------------------------------------------------------------------
    def download_link(
        self, key: str, *, content_type: str, filename: str, lifetime: timedelta = DOWNLOAD_LINK_LIFETIME
    ) -> str:
        """A presigned GET of an accepted object, as an attachment of its real type, living at most
        `DOWNLOAD_LINK_LIFETIME` (signing is local: no call to S3)."""
        if not key.startswith(ACCEPTED):
            raise ValueError("only accepted evidence is ever linked")
        seconds = int(min(lifetime, DOWNLOAD_LINK_LIFETIME).total_seconds())
        return str(
            self._s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                },
                ExpiresIn=seconds,
            )
        )
