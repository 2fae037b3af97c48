"""Findings of the template linters that are accepted, each with its reason.

Everything the platform's own code creates carries its checkov reasons in the template itself
(`dwp_infra.nag.checkov_skip`). The handlers below are created by CDK while it synthesises (cross-region
references, restricting the VPC's default security group), after any construct or Aspect could annotate
them, so their reasons live here, matched by check and logical-id prefix.
"""

from __future__ import annotations

CDK_PROVIDER_HANDLERS = (
    "CustomCrossRegionExportReaderCustomResourceProviderHandler",
    "CustomCrossRegionExportWriterCustomResourceProviderHandler",
    "CustomVpcRestrictDefaultSGCustomResourceProviderHandler",
)

CHECKOV_CDK_PROVIDER_REASONS = {
    "CKV_AWS_115": "CDK's deployment-time handler runs only when CloudFormation updates the stack, one call "
    "at a time; a concurrency reservation would take capacity from the account for nothing.",
    "CKV_AWS_116": "CDK's deployment-time handler is invoked synchronously by CloudFormation, which reports "
    "a failure and rolls the stack back; there are no asynchronous events to dead-letter.",
    "CKV_AWS_117": "CDK's deployment-time handler calls only AWS control-plane APIs (SSM parameters, EC2 "
    "security group rules) and touches no data, so it runs outside the VPC.",
}

CFN_LINT_ACCEPTED_WARNINGS = {
    "W3010": "Availability zones come from cdk.json context on purpose, so synthesis needs no AWS account.",
    "W3005": "CDK adds an explicit DependsOn next to a GetAtt on a role so a policy exists before first use.",
}


def checkov_reason(check_id: str, resource: str) -> str | None:
    """The accepted reason for a checkov finding on a CDK provider handler, or None."""
    logical_id = resource.split(".", 1)[-1]
    if logical_id.startswith(CDK_PROVIDER_HANDLERS):
        return CHECKOV_CDK_PROVIDER_REASONS.get(check_id)
    return None
