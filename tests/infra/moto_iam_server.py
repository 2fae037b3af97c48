"""moto's server with its IAM enforcement on, and told which resource each request is about.

moto checks a request's action against the caller's policies (`INITIAL_NO_AUTH_ACTION_COUNT`), but for most
services it checks the action against Resource "*": a policy that names ARNs, as every task role does, would
then refuse everything, and a policy on "*" would allow everything. moto asks a response class for its
request's resource when the class has `_determine_resource` (SQS and STS do); this gives one to each other
service the platform uses, so that a grant on one topic, secret, key, table or parameter is checked against
the ARN of the one the request names, as IAM does. (S3 already passes bucket and object ARNs.)

Run as `python -m tests.infra.moto_iam_server PORT`, with `INITIAL_NO_AUTH_ACTION_COUNT` set; moto is pinned
in the lock file, so the attributes used here do not move under the test.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse
from moto.kms.utils import _deserialize_ciphertext_blob
from moto.secretsmanager.models import secretsmanager_backends
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.server import main
from moto.sns.responses import SNSResponse
from moto.ssm.responses import SimpleSystemManagerResponse


def _sns(self: Any) -> str:
    if arn := self._get_param("TopicArn"):
        return str(arn)
    if name := self._get_param("Name"):  # CreateTopic names the topic it would make
        return f"arn:aws:sns:{self.region}:{self.current_account}:{name}"
    return "*"


def _secretsmanager(self: Any) -> str:
    secret_id = self._get_param("SecretId") or self._get_param("Name")
    if not secret_id:
        return "*"
    backend = secretsmanager_backends[self.current_account][self.region]
    try:
        return str(backend.describe_secret(secret_id).arn)
    except Exception:  # no such secret: a name-only ARN, which no grant names
        return f"arn:aws:secretsmanager:{self.region}:{self.current_account}:secret:{secret_id}"


def _kms(self: Any) -> str:
    backend = kms_backends[self.current_account][self.region]
    key_id = self._get_param("KeyId")
    if not key_id and (blob := self._get_param("CiphertextBlob")):
        key_id = _deserialize_ciphertext_blob(blob).key_id  # Decrypt names its key inside the ciphertext
    if not key_id:
        return "*"
    try:
        return str(backend.describe_key(key_id).arn)
    except Exception:
        return f"arn:aws:kms:{self.region}:{self.current_account}:key/{key_id}"


def _dynamodb(self: Any) -> str:
    table = self.body.get("TableName") if isinstance(self.body, dict) else None
    return f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}" if table else "*"


def _ssm(self: Any) -> str:
    name = self._get_param("Name")
    if not name:
        return "*"
    return f"arn:aws:ssm:{self.region}:{self.current_account}:parameter/{name.lstrip('/')}"


for response_class, resolve in (
    (SNSResponse, _sns),
    (SecretsManagerResponse, _secretsmanager),
    (KmsResponse, _kms),
    (DynamoHandler, _dynamodb),
    (SimpleSystemManagerResponse, _ssm),
):
    response_class._determine_resource = resolve  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
