"""Data stack: everything stateful. KMS keys, RDS PostgreSQL, DynamoDB, ElastiCache Redis, the evidence
bucket, SNS topics, SQS queues with dead-letter queues, and the secrets the catalogue names.

Names come from `dwp.platform.catalog`, so the services' settings and the resources match by
construction. Stateful resources are retained and protected from deletion in strict environments.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dwp.platform import catalog
from dwp_infra.config import EnvConfig
from dwp_infra.nag import acknowledge, checkov_skip
from dwp_infra.network import DATA_SUBNETS

POSTGRES_VERSION = rds.PostgresEngineVersion.VER_17_6
DB_NAME = "dwp"
# Why the catalogue's secrets are rotated by a person, not a rotation Lambda.
SECRET_ROTATION = {
    catalog.BLIND_INDEX_SECRET: "Rotating the blind-index key means recomputing every NINO's keyed hash "
    "in one controlled job; a rotation Lambda would make every existing index unreachable.",
    catalog.NOTIFY_API_KEY_SECRET: "GOV.UK Notify issues API keys in its own admin site; a person creates "
    "the new key there, stores it here and revokes the old one. No Lambda can issue a Notify key.",
    catalog.OS_PLACES_API_KEY_SECRET: "OS Data Hub issues API keys to a project in its own portal; a person "
    "adds the new key there, stores it here and removes the old one. No Lambda can issue an OS key.",
}
SECRET_ROTATION |= {
    catalog.service_client_secret(client): f"{client}'s client secret at the identity service is injected "
    "into its ECS tasks at start, which a rotation Lambda cannot restart: a person puts a new value and "
    "forces a new deployment of the callers (docs/deploy.md); identity accepts the current and previous "
    "values meanwhile."
    for client in catalog.service_clients()
}
SECRET_ROTATION |= {
    name: f"{name} is issued by its identity provider (One Login's or Entra ID's own portal) and injected "
    "into the identity service's tasks at start, which a rotation Lambda cannot restart: a person "
    "registers the new value with the provider, puts it here and forces a new deployment of identity "
    "(docs/deploy.md)."
    for name in catalog.ISSUER_INJECTED_SECRETS.values()
}
_ROTATED_BY_A_PERSON = "{} is issued outside AWS and rotated by a person following docs/deploy.md."
DB_PORT = 5432
REDIS_PORT = 6379
# Characters that would need escaping in a DATABASE_URL or REDIS_URL; generated passwords avoid them.
URL_UNSAFE = " %+~`#$&*()|[]{}:;<>?!'/@\"\\,="


@dataclass(frozen=True)
class DataProps:
    config: EnvConfig
    vpc: ec2.IVpc


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, props: DataProps, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config = props.config
        self.vpc = props.vpc
        data_subnets = ec2.SubnetSelection(subnet_group_name=DATA_SUBNETS)

        # Keys: one for data at rest, one only for PII envelope encryption so that its use can be granted
        # to the services that seal personal data (citizen and claims: NINOs, dates of birth, bank details;
        # identity: sessions and its signing keys), and audited apart.
        self.data_key = kms.Key(
            self,
            "DataKey",
            alias=catalog.DATA_KEY_ALIAS,
            description="Encrypts the platform's data at rest: RDS, Redis, S3, SNS, SQS, secrets",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        self.pii_key = kms.Key(
            self,
            "PiiKey",
            alias=catalog.PII_KEY_ALIAS,
            description="Envelope encryption of PII fields (NINO, date of birth, bank details)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # SNS delivers to encrypted queues and CloudWatch alarms publish to encrypted topics.
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[
                    iam.ServicePrincipal("sns.amazonaws.com"),
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                ],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": config.account}},
            )
        )

        self._database(data_subnets)
        self._tables()
        self._cache(data_subnets)
        self._evidence_bucket()
        self._messaging()
        self.secrets = {
            name: secretsmanager.Secret(
                self,
                f"Secret-{name.replace('/', '-')}",
                secret_name=name,
                description=f"{name} (read by the services the catalogue names)",
                encryption_key=self.data_key,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=64, exclude_punctuation=True
                ),
                removal_policy=config.removal_policy,
            )
            for name in catalog.all_secrets()
        }
        for name, secret in self.secrets.items():
            acknowledge(
                secret, "AwsSolutions-SMG4", SECRET_ROTATION.get(name, _ROTATED_BY_A_PERSON.format(name))
            )

    # --- Tier 3: RDS PostgreSQL -------------------------------------------------------------------
    def _database(self, subnets: ec2.SubnetSelection) -> None:
        config = self.config
        self.db_security_group = ec2.SecurityGroup(
            self,
            "DatabaseSg",
            vpc=self.vpc,
            description="PostgreSQL: only from the services and functions that own a schema",
            allow_all_outbound=False,
        )
        parameters = rds.ParameterGroup(
            self,
            "DatabaseParameters",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            description="TLS only, connection and statement logging for audit",
            parameters={"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1"},
        )
        self.database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            instance_type=ec2.InstanceType(config.db_instance_class),
            vpc=self.vpc,
            vpc_subnets=subnets,
            security_groups=[self.db_security_group],
            multi_az=config.db_multi_az,
            database_name=DB_NAME,
            port=DB_PORT,
            credentials=rds.Credentials.from_generated_secret(
                "dwp_admin", encryption_key=self.data_key, exclude_characters=URL_UNSAFE
            ),
            storage_encrypted=True,
            storage_encryption_key=self.data_key,
            allocated_storage=config.db_allocated_storage_gib,
            max_allocated_storage=config.db_allocated_storage_gib * 4,
            storage_type=rds.StorageType.GP3,
            backup_retention=cdk.Duration.days(config.backup_retention_days),
            preferred_backup_window="01:00-02:00",
            preferred_maintenance_window="sun:03:00-sun:04:00",
            deletion_protection=config.strict,
            removal_policy=cdk.RemovalPolicy.SNAPSHOT if config.strict else cdk.RemovalPolicy.DESTROY,
            parameter_group=parameters,
            iam_authentication=True,
            enable_performance_insights=True,
            performance_insight_encryption_key=self.data_key,
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            monitoring_interval=cdk.Duration.seconds(60),
        )
        _acknowledge_monitoring_role(self.database)
        if not config.db_multi_az:
            acknowledge(
                self.database,
                "AwsSolutions-RDS3",
                f"{config.name} holds only synthetic test data and is rebuilt from migrations and seeds; a "
                "single-AZ instance halves its cost. Staging and production are Multi-AZ.",
            )
        if not config.strict:
            acknowledge(
                self.database,
                "AwsSolutions-RDS10",
                f"{config.name} is torn down and recreated freely and holds only synthetic test data; "
                "staging and production have deletion protection.",
            )
        assert self.database.secret is not None
        self.database_secret = self.database.secret
        rotation_sg = ec2.SecurityGroup(
            self,
            "RotationSg",
            vpc=self.vpc,
            description="Secrets Manager rotation function for the database credentials",
        )
        self.db_security_group.add_ingress_rule(rotation_sg, ec2.Port.tcp(DB_PORT), "credential rotation")
        self.database_secret.add_rotation_schedule(
            "Rotation",
            automatically_after=cdk.Duration.days(30),
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(
                vpc=self.vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[rotation_sg],
                exclude_characters=URL_UNSAFE,
            ),
        )
        acknowledge(
            self.database,
            "AwsSolutions-RDS11",
            "A non-default port adds no protection here: the database is in isolated subnets and its "
            "security group admits only the owning services' security groups.",
        )
        self.read_replica: rds.DatabaseInstanceReadReplica | None = None
        if config.db_read_replica:
            self.read_replica = rds.DatabaseInstanceReadReplica(
                self,
                "ReadReplica",
                source_database_instance=self.database,
                instance_type=ec2.InstanceType(config.db_instance_class),
                vpc=self.vpc,
                vpc_subnets=subnets,
                security_groups=[self.db_security_group],
                # Encryption and its key are inherited from the primary (CloudFormation refuses them here).
                deletion_protection=config.strict,
                removal_policy=cdk.RemovalPolicy.DESTROY,
                enable_performance_insights=True,
                performance_insight_encryption_key=self.data_key,
                auto_minor_version_upgrade=True,
                monitoring_interval=cdk.Duration.seconds(60),
                parameter_group=parameters,
            )
            _acknowledge_monitoring_role(self.read_replica)
            acknowledge(
                self.read_replica,
                "AwsSolutions-RDS2",
                "A same-region read replica of an encrypted instance is always encrypted with the primary's "
                "KMS key; CloudFormation rejects StorageEncrypted on a replica, so the flag cannot be set.",
            )
            checkov_skip(
                self.read_replica,
                "CKV_AWS_16",
                "A same-region read replica of an encrypted instance is always encrypted with the primary's "
                "KMS key; CloudFormation rejects StorageEncrypted on a replica, so the flag cannot be set.",
            )
            checkov_skip(
                self.read_replica,
                "CKV_AWS_157",
                "The read replica serves reports and the monthly run's reads; the primary is Multi-AZ and "
                "a lost replica is recreated from it, so a standby for the replica doubles cost for nothing.",
            )
            acknowledge(
                self.read_replica,
                "AwsSolutions-RDS11",
                "The replica keeps the primary's port; access is limited by the database security group.",
            )
            acknowledge(
                self.read_replica,
                "AwsSolutions-RDS3",
                "A read replica is single-AZ by design; the primary is Multi-AZ and the replica can be "
                "recreated from it.",
            )

    # --- Tier 3: DynamoDB -------------------------------------------------------------------------
    def _tables(self) -> None:
        self.tables: dict[str, dynamodb.TableV2] = {}
        for table in catalog.TABLES:
            self.tables[table.name] = dynamodb.TableV2(
                self,
                f"Table-{table.name}",
                table_name=table.name,
                partition_key=dynamodb.Attribute(
                    name=table.partition_key, type=dynamodb.AttributeType.STRING
                ),
                billing=dynamodb.Billing.on_demand(),
                time_to_live_attribute=table.ttl_attribute,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                # A customer-managed key would need a key in every replica region; the AWS-managed KMS
                # key keeps the global table encrypted with KMS in both regions.
                encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
                replicas=[dynamodb.ReplicaTableProps(region=self.config.replica_region)],
                deletion_protection=self.config.strict,
                removal_policy=self.config.removal_policy,
            )

    # --- Tier 3: ElastiCache Redis ----------------------------------------------------------------
    def _cache(self, subnets: ec2.SubnetSelection) -> None:
        config = self.config
        self.cache_security_group = ec2.SecurityGroup(
            self,
            "CacheSg",
            vpc=self.vpc,
            description="Redis: only from the services that use the cache",
            allow_all_outbound=False,
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "CacheSubnets",
            description="Isolated data subnets",
            subnet_ids=self.vpc.select_subnets(subnet_group_name=DATA_SUBNETS).subnet_ids,
        )
        self.cache_auth = secretsmanager.Secret(
            self,
            "CacheAuthToken",
            description="Redis AUTH token",
            encryption_key=self.data_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.cache_auth,
            "AwsSolutions-SMG4",
            "ElastiCache has no rotation function for AUTH tokens; rotate with ModifyReplicationGroup "
            "(AuthTokenUpdateStrategy ROTATE) as described in docs/deploy.md.",
        )
        self.cache = elasticache.CfnReplicationGroup(
            self,
            "Cache",
            replication_group_description="DWP platform cache (cluster mode)",
            engine="redis",
            engine_version="7.1",
            cache_node_type=config.redis_node_type,
            cache_parameter_group_name="default.redis7.cluster.on",
            num_node_groups=config.redis_shards,
            replicas_per_node_group=config.redis_replicas_per_shard,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=self.data_key.key_id,
            auth_token=self.cache_auth.secret_value.unsafe_unwrap(),  # a dynamic reference, not the value
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[self.cache_security_group.security_group_id],
            port=REDIS_PORT,
            snapshot_retention_limit=7 if config.strict else 1,
            auto_minor_version_upgrade=True,
        )
        acknowledge(
            self.cache,
            "AwsSolutions-AEC5",
            "A non-default port adds no protection: the cache is in isolated subnets, needs TLS and AUTH, "
            "and its security group admits only the services that use it.",
        )

    # --- Tier 3: S3 evidence bucket ---------------------------------------------------------------
    def _evidence_bucket(self) -> None:
        config = self.config
        # S3 server access logs cannot be written to a KMS-encrypted bucket; SSE-S3 it is.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,  # CloudFront standard logs use ACLs
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(max(config.log_retention_days, 30)),
                    noncurrent_version_expiration=cdk.Duration.days(7),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            removal_policy=config.removal_policy,
            auto_delete_objects=False,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket itself; logging its own access would log forever.",
        )
        checkov_skip(
            self.access_logs,
            "CKV_AWS_18",
            "This is the access-log bucket itself; logging its own access would log forever.",
        )
        self.evidence_bucket = s3.Bucket(
            self,
            "Evidence",
            bucket_name=f"{catalog.EVIDENCE_BUCKET}-{config.name}-{config.account}",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.data_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="evidence/",
            cors=[
                # Citizens upload evidence straight to S3 with the presigned POST form, from the SPA's origin.
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods(m) for m in catalog.EVIDENCE_CORS_METHODS],
                    allowed_origins=[f"https://{config.domain_name}"],
                    allowed_headers=["content-type"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                # Uploads as they arrived: checked within minutes, then copied (accepted or quarantined).
                *(
                    s3.LifecycleRule(
                        id=f"{prefix}{catalog.EVIDENCE_INCOMING}".replace("/", "-").strip("-"),
                        prefix=f"{prefix}{catalog.EVIDENCE_INCOMING}",
                        expiration=cdk.Duration.days(catalog.EVIDENCE_INCOMING_DAYS),
                        noncurrent_version_expiration=cdk.Duration.days(1),
                    )
                    for p in catalog.PROCESSES
                    for prefix in p.bucket_prefixes
                ),
                s3.LifecycleRule(
                    id="tiering",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(90),
                        ),
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=cdk.Duration.days(365),
                        ),
                    ],
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                ),
            ],
            removal_policy=config.removal_policy,
        )
        # The same statements bootstrap puts on the embedded endpoint's bucket (catalogue-driven): uploads
        # only with SSE-KMS under the data key, and nothing quarantined or tagged infected readable.
        for statement in catalog.evidence_bucket_statements(
            self.evidence_bucket.bucket_arn, self.data_key.key_arn
        ):
            self.evidence_bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    # --- Async: SNS topics, SQS queues and dead-letter queues -------------------------------------
    def _messaging(self) -> None:
        self.topics: dict[str, sns.Topic] = {
            name: sns.Topic(
                self,
                f"Topic-{name}",
                topic_name=name,
                master_key=self.data_key,
                enforce_ssl=True,
            )
            for name in catalog.TOPICS
        }
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for queue in catalog.all_queues():
            dlq = sqs.Queue(
                self,
                f"Queue-{queue.dlq_name}",
                queue_name=queue.dlq_name,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.data_key,
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            main = sqs.Queue(
                self,
                f"Queue-{queue.name}",
                queue_name=queue.name,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.data_key,
                enforce_ssl=True,
                retention_period=cdk.Duration.days(4),
                # Six times the longest consumer timeout (the assessment run's 15 minutes), as AWS advises.
                visibility_timeout=cdk.Duration.minutes(90),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=queue.max_receive_count),
            )
            for topic in queue.topics:
                self.topics[topic].add_subscription(
                    subscriptions.SqsSubscription(main, raw_message_delivery=True)
                )
            self.queues[queue.name] = main
            self.dead_letter_queues[queue.name] = dlq


def _acknowledge_monitoring_role(instance: rds.DatabaseInstanceBase) -> None:
    role = instance.node.try_find_child("MonitoringRole")
    if role is not None:
        acknowledge(
            role,
            "AwsSolutions-IAM4",
            "Enhanced Monitoring's role must carry AmazonRDSEnhancedMonitoringRole, the AWS-maintained "
            "policy that lets RDS write OS metrics to its own RDSOSMetrics log group.",
            applies_to=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ],
        )
