"""Platform stack: the ECS cluster and its Service Connect namespace (with a private CA for TLS), ECR
repositories, AWS Config rules and the operators' alarm topic."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_config as config_
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk import aws_sns as sns
from cdk_nag import RegexAppliesTo
from constructs import Construct

from dwp_infra.config import EnvConfig, ToolingConfig
from dwp_infra.nag import acknowledge

NAMESPACE = "dwp.internal"
SERVICES_REPOSITORY = "dwp/services"
LAMBDAS_REPOSITORY = "dwp/lambdas"

# AWS managed Config rules: the controls a reviewer of a government service asks about first.
CONFIG_RULES = {
    "S3BucketSslRequestsOnly": "S3_BUCKET_SSL_REQUESTS_ONLY",
    "S3BucketPublicReadProhibited": "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3BucketServerSideEncryption": "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "RdsStorageEncrypted": "RDS_STORAGE_ENCRYPTED",
    "RdsMultiAz": "RDS_MULTI_AZ_SUPPORT",
    "RdsDeletionProtection": "RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
    "DynamoDbPitr": "DYNAMODB_PITR_ENABLED",
    "ElastiCacheRedisEncrypted": "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
    "SnsEncryptedKms": "SNS_ENCRYPTED_KMS",
    "CmkRotation": "CMK_BACKING_KEY_ROTATION_ENABLED",
    "EcrScanOnPush": "ECR_PRIVATE_IMAGE_SCANNING_ENABLED",
    "EcrImmutableTags": "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED",
    "EcsNonPrivileged": "ECS_CONTAINERS_NONPRIVILEGED",
    "EcsReadOnlyRoot": "ECS_CONTAINERS_READONLY_ACCESS",
    "VpcFlowLogs": "VPC_FLOW_LOGS_ENABLED",
    "VpcDefaultSgClosed": "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
    "CloudWatchLogGroupEncrypted": "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
    "IamNoAdminPolicies": "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
}


@dataclass(frozen=True)
class PlatformProps:
    config: EnvConfig
    tooling: ToolingConfig
    vpc: ec2.IVpc
    data_key: kms.IKey
    access_logs: s3.IBucket


class PlatformStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, props: PlatformProps, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = props.config

        self.namespace = servicediscovery.HttpNamespace(
            self, "Namespace", name=NAMESPACE, description="ECS Service Connect names of the services"
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=f"dwp-{config.name}",
            vpc=props.vpc,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
        )

        self.repositories = {
            name: ecr.Repository(
                self,
                construct_id_for(name),
                repository_name=name,
                image_scan_on_push=True,
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                encryption=ecr.RepositoryEncryption.KMS,
                encryption_key=props.data_key,
                lifecycle_rules=[
                    ecr.LifecycleRule(max_image_count=100, description="keep the last 100 builds")
                ],
                removal_policy=config.removal_policy,
            )
            for name in (SERVICES_REPOSITORY, LAMBDAS_REPOSITORY)
        }
        # The pipeline (tooling account) pushes the images it built and tested; nobody else writes.
        for repository in self.repositories.values():
            repository.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.AccountPrincipal(props.tooling.account)],
                    actions=[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                        "ecr:BatchGetImage",
                    ],
                )
            )

        self.tls: ecs.ServiceConnectTlsConfiguration | None = None
        if config.service_connect_tls:
            self.tls = self._service_connect_tls(props.data_key)

        self.alarm_topic = sns.Topic(
            self, "Alarms", topic_name="dwp-operations-alarms", master_key=props.data_key, enforce_ssl=True
        )
        if config.config_recorder:
            self._config_rules(props.access_logs)

    def _service_connect_tls(self, key: kms.IKey) -> ecs.ServiceConnectTlsConfiguration:
        """A private CA in short-lived-certificate mode that Service Connect uses for TLS between tasks."""
        authority = acmpca.CfnCertificateAuthority(
            self,
            "ServiceConnectCa",
            type="ROOT",
            key_algorithm="EC_prime256v1",
            signing_algorithm="SHA256WITHECDSA",
            usage_mode="SHORT_LIVED_CERTIFICATE",
            subject=acmpca.CfnCertificateAuthority.SubjectProperty(
                common_name=NAMESPACE, organization="Department for Work and Pensions", country="GB"
            ),
        )
        root = acmpca.CfnCertificate(
            self,
            "ServiceConnectCaCertificate",
            certificate_authority_arn=authority.attr_arn,
            certificate_signing_request=authority.attr_certificate_signing_request,
            signing_algorithm="SHA256WITHECDSA",
            template_arn=f"arn:{cdk.Aws.PARTITION}:acm-pca:::template/RootCACertificate/V1",
            validity=acmpca.CfnCertificate.ValidityProperty(type="YEARS", value=10),
        )
        acmpca.CfnCertificateAuthorityActivation(
            self,
            "ServiceConnectCaActivation",
            certificate_authority_arn=authority.attr_arn,
            certificate=root.attr_certificate,
            status="ACTIVE",
        )
        role = iam.Role(
            self,
            "ServiceConnectTlsRole",
            assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
            description="Lets ECS issue and renew Service Connect TLS certificates from the private CA",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity"
                )
            ],
        )
        acknowledge(
            role,
            "AwsSolutions-IAM4",
            "AWS documents this managed policy as the one ECS needs to issue Service Connect certificates; "
            "AWS keeps it in step with what ECS calls.",
            applies_to=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity"
            ],
        )
        return ecs.ServiceConnectTlsConfiguration(
            aws_pca_authority_arn=authority.attr_arn, kms_key=key, role=role
        )

    def _config_rules(self, bucket: s3.IBucket) -> None:
        role = iam.Role(
            self,
            "ConfigRole",
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWS_ConfigRole")],
        )
        acknowledge(
            role,
            "AwsSolutions-IAM4",
            "AWS_ConfigRole is the policy AWS maintains for the Config recorder to describe every resource "
            "type; a hand-written copy would go stale as services are added.",
            applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole"],
        )
        role.add_to_policy(iam.PolicyStatement(actions=["s3:GetBucketAcl"], resources=[bucket.bucket_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects("config/AWSLogs/*")]
            )
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "AWS Config writes snapshot and history files under config/AWSLogs/ with keys it chooses; the "
            "grant is PutObject under that prefix of the log bucket only.",
            applies_to=[
                # The bucket ARN prints as a token or as the data stack's export, depending on the phase.
                RegexAppliesTo(regex="/^Resource::.*AccessLogs[0-9A-F]+.*\\/config\\/AWSLogs\\/\\*$/g")
            ],
        )
        recorder = config_.CfnConfigurationRecorder(
            self,
            "Recorder",
            role_arn=role.role_arn,
            recording_group=config_.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True, include_global_resource_types=False
            ),
        )
        channel = config_.CfnDeliveryChannel(
            self, "Delivery", s3_bucket_name=bucket.bucket_name, s3_key_prefix="config"
        )
        for rule_id, identifier in CONFIG_RULES.items():
            rule = config_.ManagedRule(self, rule_id, identifier=identifier)
            rule.node.add_dependency(recorder)
            rule.node.add_dependency(channel)


def construct_id_for(name: str) -> str:
    return "Repo" + "".join(part.capitalize() for part in name.replace("/", "-").split("-"))
