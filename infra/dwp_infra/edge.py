"""Edge: CloudFront in front of the public ALB, the WAF web ACL and certificate it needs (in us-east-1,
as AWS requires for CloudFront), Route 53 records, and Shield Advanced where the environment asks for it.

`EdgeGlobalStack` lives in us-east-1; `EdgeStack` lives in the environment's region and reads the web ACL
and certificate ARNs through CDK cross-region references (SSM parameters written by a custom resource).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_shield as shield
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from dwp_infra.config import EnvConfig
from dwp_infra.keys import allow_cloudwatch_logs
from dwp_infra.nag import acknowledge
from dwp_infra.network import log_retention

EDGE_REGION = "us-east-1"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",  # common attacks (OWASP top ten)
    "AWSManagedRulesKnownBadInputsRuleSet",  # known bad inputs (Log4Shell and friends)
    "AWSManagedRulesSQLiRuleSet",  # SQL injection
    "AWSManagedRulesAmazonIpReputationList",  # sources AWS threat intelligence has seen attacking
)


@dataclass(frozen=True)
class EdgeGlobalProps:
    config: EnvConfig


class EdgeGlobalStack(cdk.Stack):
    """us-east-1: the CloudFront-scoped WAF web ACL (managed rules plus a rate limit) and the certificate."""

    def __init__(
        self, scope: Construct, construct_id: str, *, props: EdgeGlobalProps, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = props.config
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=index,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for index, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=len(MANAGED_RULE_GROUPS),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=config.waf_rate_limit_per_5_min, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility("RateLimitPerIp"),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"dwp-{config.name}-edge",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(f"dwp-{config.name}-edge"),
        )
        # WAF requires log groups named aws-waf-logs-* in the web ACL's region, so its key lives here too.
        waf_logs_key = kms.Key(
            self,
            "WafLogsKey",
            alias=f"alias/dwp-{config.name}-waf-logs",
            description="Encrypts the CloudFront web ACL's logs",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        allow_cloudwatch_logs(waf_logs_key, region=EDGE_REGION, account=config.account)
        waf_logs = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=f"aws-waf-logs-dwp-{config.name}",
            retention=log_retention(config.log_retention_days),
            encryption_key=waf_logs_key,
            removal_policy=config.removal_policy,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                cdk.Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=waf_logs.log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # Cookies and tokens never reach the logs.
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "cookie"}),
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
            ],
        )
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.domain_name
        )
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=config.domain_name,
            validation=acm.CertificateValidation.from_dns(zone),
        )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name.replace("-", ""), sampled_requests_enabled=True
    )


@dataclass(frozen=True)
class EdgeProps:
    config: EnvConfig
    web_acl_arn: str
    certificate: acm.ICertificate
    origin_domain: str
    origin_secret: secretsmanager.ISecret
    origin_header: str
    public_alb: elbv2.IApplicationLoadBalancer
    log_bucket: s3.IBucket


class EdgeStack(cdk.Stack):
    """The distribution (HTTPS only, TLS 1.2+, security headers, WAF), DNS records and Shield Advanced."""

    def __init__(self, scope: Construct, construct_id: str, *, props: EdgeProps, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = props.config
        origin = origins.HttpOrigin(
            props.origin_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            custom_headers={props.origin_header: props.origin_secret.secret_value.unsafe_unwrap()},
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"DWP benefits platform ({config.name})",
            domain_names=[config.domain_name],
            certificate=props.certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            web_acl_id=props.web_acl_arn,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=props.log_bucket,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                # Pages and the BFF's API are per user: never cached at the edge.
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            additional_behaviors={
                # The SPA's hashed, immutable build files.
                "/assets/*": cloudfront.BehaviorOptions(
                    origin=origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                )
            },
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "No geo restriction: UK benefits are claimed and managed by people who are abroad for a time "
            "(and by their appointees), so blocking by country would stop lawful use.",
        )
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.domain_name
        )
        target = route53.RecordTarget.from_alias(route53_targets.CloudFrontTarget(self.distribution))
        route53.ARecord(self, "Ipv4", zone=zone, target=target)
        route53.AaaaRecord(self, "Ipv6", zone=zone, target=target)

        if config.shield_advanced:
            # Needs the account's Shield Advanced subscription (a person signs it; it costs $3,000 a month).
            shield.CfnProtection(
                self,
                "ShieldDistribution",
                name=f"dwp-{config.name}-cloudfront",
                resource_arn=self.distribution.distribution_arn,
            )
            shield.CfnProtection(
                self,
                "ShieldAlb",
                name=f"dwp-{config.name}-public-alb",
                resource_arn=props.public_alb.load_balancer_arn,
            )
