"""cdk-nag acknowledgements: one rule, one resource, one reason.

Pinned to cdk-nag 2.x, which runs as an Aspect and reports findings as annotations (the tests read them
with `Annotations.from_stack`). Every acknowledgement goes through `acknowledge` so that no rule is ever
switched off for a whole stack or app.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource
from aws_cdk import aws_iam as iam
from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct


def acknowledge(
    resource: IConstruct, rule: str, reason: str, applies_to: Sequence[str | RegexAppliesTo] | None = None
) -> None:
    """Acknowledge one cdk-nag rule on exactly one CloudFormation resource.

    `resource` may be a CloudFormation resource or an L2 construct, which stands for its own resource
    (`default_child`). For a role and AwsSolutions-IAM5, the finding is on the role's default policy, so
    the acknowledgement goes there.
    """
    if len(reason) < 40:
        raise ValueError(f"the reason for acknowledging {rule} must explain itself to a reviewer")
    target = _target(resource, rule)
    NagSuppressions.add_resource_suppressions(
        target,
        [NagPackSuppression(id=rule, reason=reason, applies_to=list(applies_to) if applies_to else None)],
        apply_to_children=False,
    )


def _target(resource: IConstruct, rule: str) -> CfnResource:
    if isinstance(resource, iam.Role) and rule == "AwsSolutions-IAM5":
        policy = resource.node.try_find_child("DefaultPolicy")
        if policy is None:
            raise ValueError(f"{resource.node.path} has no policy yet: acknowledge IAM5 after the grants")
        resource = policy
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} is not one CloudFormation resource")
    return cfn


def checkov_skip(resource: IConstruct, check: str, reason: str) -> None:
    """Skip one checkov check on one resource, with the reason written into the template's metadata
    (checkov reads `Metadata.checkov.skip` and reports the check as skipped, with this comment)."""
    if len(reason) < 40:
        raise ValueError(f"the reason for skipping {check} must explain itself to a reviewer")
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to annotate")
    existing = cfn.get_metadata("checkov") or {"skip": []}
    existing["skip"] = [*existing["skip"], {"id": check, "comment": reason}]
    cfn.add_metadata("checkov", existing)
