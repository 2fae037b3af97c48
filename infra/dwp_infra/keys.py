"""Key-policy and grant statements that several stacks need in the same shape."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms


def allow_cloudwatch_logs(key: kms.Key, *, region: str, account: str) -> None:
    """Let CloudWatch Logs in `region` encrypt this account's log groups with `key`, and nothing else."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:*"}
            },
        )
    )


def via_service(service: str) -> dict:
    """The condition that a KMS request was made by `service` in this region on the caller's behalf."""
    return {"StringEquals": {"kms:ViaService": f"{service}.{cdk.Aws.REGION}.amazonaws.com"}}


def decrypt_via_secrets_manager(key_arn: str, sid: str | None = None) -> iam.PolicyStatement:
    """kms:Decrypt on a key, only when Secrets Manager asks on the caller's behalf."""
    return iam.PolicyStatement(
        sid=sid, actions=["kms:Decrypt"], resources=[key_arn], conditions=via_service("secretsmanager")
    )
