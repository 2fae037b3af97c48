"""Services stack: the load balancers, one `DwpMicroservice` per deployed catalogue entry, the private
API Gateway REST API in front of Tier 2, and the worker Lambda functions with their SQS event sources and
the monthly run's schedule.

Traffic: CloudFront -> public ALB (HTTPS, CloudFront prefix list plus a secret origin header) -> frontend
-> private REST API (execute-api VPC endpoint) -> VPC link -> internal NLB -> internal ALB (HTTPS, path
rules from the catalogue's route prefixes) -> Tier 2 service. Service to service: Service Connect names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as elb_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from dwp.cli import migration_package
from dwp.gateway.proxy import TIMEOUT as GATEWAY_TIMEOUT
from dwp.platform import catalog
from dwp_infra.config import EnvConfig
from dwp_infra.data import DB_NAME, DB_PORT, REDIS_PORT, DataStack
from dwp_infra.keys import decrypt_via_secrets_manager
from dwp_infra.microservice import DataAccess, DwpMicroservice, MicroserviceProps
from dwp_infra.migrations import MigrationRunner
from dwp_infra.nag import acknowledge, checkov_skip
from dwp_infra.network import FRONTEND_SUBNETS, SERVICES_SUBNETS, NetworkStack, log_retention
from dwp_infra.observability import Observability, ObservabilityProps
from dwp_infra.platform import LAMBDAS_REPOSITORY, SERVICES_REPOSITORY, PlatformStack

REPO_ROOT = Path(__file__).resolve().parents[2]
ISSUER_PROCESS = "identity"
JWKS_PATH = "/.well-known/jwks.json"
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
PROVIDER_APIS = {"notify": "https://api.notifications.service.gov.uk"}
"""Where a function calls an outside provider's API on AWS (the simulators stand in for them locally):
GOV.UK Notify's API, the address its client library uses by default."""
INTERNAL_HTTPS_PORT = 443
AUTHORIZER_HANDLER = "dwp.gateway.authorizer.handler"
AUTHORIZER_EXTRAS = ("workers",)  # Powertools, for its JSON logs; the Lambda image of the notifications
UPSTREAM_TIMEOUT = cdk.Duration.seconds(int(GATEWAY_TIMEOUT.read or 10))
"""The local gateway's read timeout, so both gateways give an upstream the same time to answer."""


@dataclass(frozen=True)
class ServicesProps:
    config: EnvConfig
    network: NetworkStack
    data: DataStack
    platform: PlatformStack


class ServicesStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, props: ServicesProps, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config = props.config
        self.network, self.data, self.platform = props.network, props.data, props.platform
        vpc = props.network.vpc
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.domain_name
        )
        self.origin_domain = f"origin.{config.domain_name}"
        self.internal_domain = f"internal-api.{config.domain_name}"

        self.origin_secret = secretsmanager.Secret(
            self,
            "OriginVerify",
            description="Header value CloudFront adds so the public ALB can refuse direct requests",
            encryption_key=props.data.data_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.origin_secret,
            "AwsSolutions-SMG4",
            "The origin header is set in CloudFront and matched by the ALB in the same deployment; it is "
            "rotated by redeploying with a new value, which a rotation Lambda cannot do.",
        )
        self.gateway_key_secret = secretsmanager.Secret(
            self,
            "GatewayApiKey",
            description="API key of the frontend's usage plan on the REST API",
            encryption_key=props.data.data_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=40, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.gateway_key_secret,
            "AwsSolutions-SMG4",
            "The API key value is set on the API Gateway key at deployment; rotating it means a redeploy "
            "of both the key and the frontend, done by the pipeline, not by a rotation Lambda.",
        )

        self._load_balancers(vpc, zone)
        self.api = self._rest_api(vpc)
        self.services = self._microservices(vpc)
        self.functions = self._functions(vpc)
        self.observability = Observability(
            self,
            "Observability",
            props=ObservabilityProps(
                env_name=config.name,
                alarm_topic=props.platform.alarm_topic,
                services=self.services,
                functions=self.functions,
                dead_letter_queues=props.data.dead_letter_queues,
                database=props.data.database,
                read_replica=props.data.read_replica,
                api=self.api,
                public_alb=self.public_alb,
            ),
        )

    # --- load balancers -------------------------------------------------------------------------------
    def _load_balancers(self, vpc: ec2.IVpc, zone: route53.IHostedZone) -> None:
        config = self.config
        public_sg = ec2.SecurityGroup(
            self,
            "PublicAlbSg",
            vpc=vpc,
            description="Public ALB: HTTPS from CloudFront only",
            allow_all_outbound=False,
        )
        public_sg.add_ingress_rule(
            ec2.Peer.prefix_list(config.cloudfront_prefix_list_id),
            ec2.Port.tcp(443),
            "CloudFront origin-facing",
        )
        self.public_alb = elbv2.ApplicationLoadBalancer(
            self,
            "PublicAlb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=public_sg,
            drop_invalid_header_fields=True,
            deletion_protection=config.strict,
        )
        self.public_alb.log_access_logs(self.data.access_logs, prefix="public-alb")
        origin_certificate = acm.Certificate(
            self,
            "OriginCertificate",
            domain_name=self.origin_domain,
            validation=acm.CertificateValidation.from_dns(zone),
        )
        self.public_listener = self.public_alb.add_listener(
            "Https",
            port=443,
            certificates=[origin_certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            # Anything without CloudFront's secret header is refused.
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="text/plain", message_body="Forbidden"
            ),
        )
        route53.ARecord(
            self,
            "OriginRecord",
            zone=zone,
            record_name=self.origin_domain,
            target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.public_alb)),
        )

        internal_sg = ec2.SecurityGroup(
            self,
            "InternalAlbSg",
            vpc=vpc,
            description="Internal ALB: HTTPS from the NLB only",
            allow_all_outbound=False,
        )
        self.internal_alb = elbv2.ApplicationLoadBalancer(
            self,
            "InternalAlb",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=ec2.SubnetSelection(subnet_group_name=SERVICES_SUBNETS),
            security_group=internal_sg,
            drop_invalid_header_fields=True,
            deletion_protection=config.strict,
        )
        self.internal_alb.log_access_logs(self.data.access_logs, prefix="internal-alb")
        internal_certificate = acm.Certificate(
            self,
            "InternalCertificate",
            domain_name=self.internal_domain,
            validation=acm.CertificateValidation.from_dns(zone),
        )
        self.internal_listener = self.internal_alb.add_listener(
            "Https",
            port=INTERNAL_HTTPS_PORT,
            certificates=[internal_certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                404,
                content_type="application/problem+json",
                message_body='{"title":"Not Found","status":404}',
            ),
        )

        # REST API VPC links reach Network Load Balancers; this one passes TLS through to the internal ALB.
        nlb_sg = ec2.SecurityGroup(
            self,
            "NlbSg",
            vpc=vpc,
            description="Internal NLB behind the API Gateway VPC link",
            allow_all_outbound=False,
        )
        nlb_sg.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(INTERNAL_HTTPS_PORT), "VPC link and health checks"
        )
        self.nlb = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=ec2.SubnetSelection(subnet_group_name=SERVICES_SUBNETS),
            security_groups=[nlb_sg],
            # PrivateLink (VPC link) traffic has no source security group to match.
            enforce_security_group_inbound_rules_on_private_link_traffic=False,
            cross_zone_enabled=True,
            deletion_protection=config.strict,
        )
        self.nlb.log_access_logs(self.data.access_logs, prefix="nlb")
        nlb_listener = self.nlb.add_listener("Tcp", port=INTERNAL_HTTPS_PORT, protocol=elbv2.Protocol.TCP)
        nlb_listener.add_targets(
            "InternalAlb",
            port=INTERNAL_HTTPS_PORT,
            targets=[elb_targets.AlbListenerTarget(self.internal_listener)],
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.HTTPS, path="/", healthy_http_codes="200-499"
            ),
        )
        internal_sg.add_ingress_rule(nlb_sg, ec2.Port.tcp(INTERNAL_HTTPS_PORT), "from the NLB")
        # The internal ALB by name, for what runs outside Service Connect: the API's Lambda authorizer reads
        # the identity service's JWKS here (Service Connect names do not resolve in Lambda).
        route53.ARecord(
            self,
            "InternalApiRecord",
            zone=zone,
            record_name=self.internal_domain,
            target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.internal_alb)),
        )
        nlb_sg.add_egress_rule(internal_sg, ec2.Port.tcp(INTERNAL_HTTPS_PORT), "to the internal ALB")

    # --- API Gateway REST API -------------------------------------------------------------------------
    def _rest_api(self, vpc: ec2.IVpc) -> apigw.RestApi:
        config = self.config
        endpoint = self.network.endpoints["ExecuteApi"]
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=log_retention(config.log_retention_days),
            encryption_key=self.network.logs_key,
        )
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"dwp-{config.name}",
            description="Tier 2 services; private, reached from the VPC through the execute-api endpoint",
            endpoint_configuration=apigw.EndpointConfiguration(
                types=[apigw.EndpointType.PRIVATE], vpc_endpoints=[endpoint]
            ),
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        principals=[iam.AnyPrincipal()],
                        actions=["execute-api:Invoke"],
                        resources=["execute-api:/*"],
                        conditions={"StringEquals": {"aws:SourceVpce": endpoint.vpc_endpoint_id}},
                    )
                ]
            ),
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=cdk.RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name="live",
                throttling_rate_limit=config.api_rate_limit_per_second,
                throttling_burst_limit=config.api_burst_limit,
                logging_level=apigw.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies carry PII
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        cloud_watch_role = api.node.try_find_child("CloudWatchRole")
        if cloud_watch_role is not None:
            acknowledge(
                cloud_watch_role,
                "AwsSolutions-IAM4",
                "API Gateway's account-level logging role needs AmazonAPIGatewayPushToCloudWatchLogs, the "
                "policy AWS maintains for exactly that; it creates its own log groups per stage.",
                applies_to=[
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                ],
            )
        link = apigw.VpcLink(self, "VpcLink", targets=[self.nlb], description="REST API to the internal NLB")
        validator = api.add_request_validator(
            "Validate",
            request_validator_name="parameters-and-body",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        json_object = api.add_model(
            "JsonObject",
            content_type="application/json",
            model_name="JsonObject",
            schema=apigw.JsonSchema(schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT),
        )
        self.authorizer_function = self._authorizer_function(vpc)
        # Called for every request (no identity source: public routes have no token; no cache in API
        # Gateway, which would key on the token alone and outlive a short token); the function's verifier
        # remembers a checked token until it expires (dwp.gateway.authorizer).
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "TokenAuthorizer",
            handler=self.authorizer_function,
            identity_sources=[],
            results_cache_ttl=cdk.Duration.seconds(0),
            authorizer_name=f"dwp-{config.name}-token",
        )
        self._problem_responses(api)
        for process in catalog.PROCESSES:
            if not process.on_fargate:
                continue
            for prefix in process.route_prefixes:
                resource = api.root.resource_for_path(prefix.strip("/"))
                self._proxy_method(api, resource, prefix, link, validator, json_object, proxy=False)
                self._proxy_method(
                    api, resource.add_resource("{proxy+}"), prefix, link, validator, json_object, proxy=True
                )

        plan = api.add_usage_plan(
            "FrontendPlan",
            name=f"dwp-{config.name}-frontend",
            description="The frontend BFF: the only caller of the REST API",
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api_rate_limit_per_second, burst_limit=config.api_burst_limit
            ),
            quota=apigw.QuotaSettings(
                limit=config.api_rate_limit_per_second * 86_400 // 4, period=apigw.Period.DAY
            ),
            api_stages=[apigw.UsagePlanPerApiStage(api=api, stage=api.deployment_stage)],
        )
        key = apigw.ApiKey(
            self,
            "FrontendKey",
            description="Key of the frontend's usage plan",
            value=self.gateway_key_secret.secret_value.unsafe_unwrap(),  # a dynamic reference, not the value
        )
        plan.add_api_key(key)
        checkov_skip(
            api.deployment_stage,
            "CKV_AWS_120",
            "Responses are per citizen or caseworker and carry personal data; caching them in API Gateway "
            "would risk serving one person's data to another, so the stage cache stays off.",
        )
        acknowledge(
            api.deployment_stage,
            "AwsSolutions-APIG3",
            "The API is PRIVATE, reachable only through the VPC's execute-api endpoint; public traffic "
            "passes the CloudFront WAF web ACL before it reaches the frontend that calls this API.",
        )
        return api

    def _lambda_code(self, handler: str, extras: tuple[str, ...]) -> lambda_.DockerImageCode:
        """The Lambda image with these extras running `handler`: the pipeline's tag, else built here."""
        if self.config.image_tag:
            return lambda_.DockerImageCode.from_ecr(
                self.platform.repositories[LAMBDAS_REPOSITORY],
                tag_or_digest=self.config.image_tag + catalog.image_suffix(extras),
                cmd=[handler],
            )
        return lambda_.DockerImageCode.from_image_asset(
            str(REPO_ROOT),
            target="lambda",
            cmd=[handler],
            build_args={"DWP_EXTRAS": ",".join(sorted(extras))},
        )

    def _problem_responses(self, api: apigw.RestApi) -> None:
        """API Gateway's own refusals as RFC 9457 problem documents, as the local gateway answers them."""
        responses = (
            (apigw.ResponseType.UNAUTHORIZED, 401, "Unauthorized", "Send a valid bearer token in the "
             "Authorization header.", {"WWW-Authenticate": "'Bearer'"}),
            (apigw.ResponseType.ACCESS_DENIED, 403, "Forbidden", "This path cannot be used.", {}),
            (apigw.ResponseType.AUTHORIZER_FAILURE, 503, "Service unavailable", "The token issuer's keys "
             "cannot be fetched; try again shortly.", {"Retry-After": "'5'"}),
            (apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, 503, "Service unavailable", "The token "
             "check is unavailable; try again shortly.", {"Retry-After": "'5'"}),
            (apigw.ResponseType.THROTTLED, 429, "Too many requests", "Slow down and try again.",
             {"Retry-After": "'1'"}),
        )  # fmt: skip
        for response_type, status, title, detail, headers in responses:
            body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
            api.add_gateway_response(
                f"Problem{status}{response_type.response_type}",
                type=response_type,
                status_code=str(status),
                response_headers={"Content-Type": "'application/problem+json'", **headers},
                templates={"application/json": body},
            )

    def _authorizer_function(self, vpc: ec2.IVpc) -> lambda_.Function:
        """The REST API's token check: `dwp.gateway.authorizer`, in the VPC, reading the JWKS from the
        internal load balancer (`https://internal-api.<domain>/.well-known/jwks.json`)."""
        config = self.config
        security_group = ec2.SecurityGroup(
            self, "AuthorizerSg", vpc=vpc, description="Lambda authorizer", allow_all_outbound=False
        )
        self.internal_alb.connections.allow_from(
            security_group, ec2.Port.tcp(INTERNAL_HTTPS_PORT), "the authorizer reads the JWKS"
        )
        log_group = logs.LogGroup(
            self,
            "AuthorizerLogs",
            log_group_name=f"/dwp/{config.name}/lambda/authorizer",
            retention=log_retention(config.log_retention_days),
            encryption_key=self.network.logs_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            "AuthorizerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Lambda authorizer: its log group and its network interfaces only",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            )
        )
        _allow_vpc_function(role, config)
        function = lambda_.DockerImageFunction(
            self,
            "Authorizer",
            function_name=f"dwp-{config.name}-authorizer",
            code=self._lambda_code(AUTHORIZER_HANDLER, AUTHORIZER_EXTRAS),
            role=role,
            memory_size=512,
            timeout=cdk.Duration.seconds(10),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_group_name=SERVICES_SUBNETS),
            security_groups=[security_group],
            environment={
                "DWP_ENV": config.name,
                "DWP_FUNCTION": "authorizer",
                "DWP_DATA_DIR": "/tmp/dwp",  # noqa: S108 - Lambda's only writable folder
                "DWP_JWT_ISSUER": f"https://{config.domain_name}",
                "DWP_JWKS_URL": f"https://{self.internal_domain}{JWKS_PATH}",
                "POWERTOOLS_SERVICE_NAME": "authorizer",
            },
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=100,
            architecture=lambda_.Architecture.X86_64,
            environment_encryption=self.data.data_key,
        )
        checkov_skip(
            function,
            "CKV_AWS_116",
            "API Gateway invokes the authorizer synchronously for each request and answers the caller "
            "itself when it fails; there are no asynchronous events to dead-letter.",
        )
        return function

    def _proxy_method(
        self,
        api: apigw.RestApi,
        resource: apigw.IResource,
        prefix: str,
        link: apigw.VpcLink,
        validator: apigw.IRequestValidator,
        model: apigw.IModel,
        *,
        proxy: bool,
    ) -> None:
        path = f"{prefix}/{{proxy}}" if proxy else prefix
        integration = apigw.Integration(
            type=apigw.IntegrationType.HTTP_PROXY,
            integration_http_method="ANY",
            uri=f"https://{self.internal_domain}{path}",
            options=apigw.IntegrationOptions(
                connection_type=apigw.ConnectionType.VPC_LINK,
                vpc_link=link,
                request_parameters={"integration.request.path.proxy": "method.request.path.proxy"}
                if proxy
                else None,
                timeout=UPSTREAM_TIMEOUT,
            ),
        )
        method = resource.add_method(
            "ANY",
            integration,
            api_key_required=True,
            authorizer=self.authorizer,
            authorization_type=apigw.AuthorizationType.CUSTOM,
            request_validator=validator,
            request_parameters={"method.request.path.proxy": True} if proxy else None,
            request_models={"application/json": model},
        )
        acknowledge(
            method,
            "AwsSolutions-COG4",
            "Citizens sign in with GOV.UK One Login and staff with the staff sign-in, not Cognito; the "
            "identity service issues the JWTs that the Lambda authorizer and every service verify.",
        )

    # --- Fargate services -----------------------------------------------------------------------------
    def _image(self, extras: tuple[str, ...]) -> ecs.ContainerImage:
        """The image with exactly these extras (the pipeline pushes one per `catalog.image_variants()`)."""
        if self.config.image_tag:
            repository = self.platform.repositories[SERVICES_REPOSITORY]
            tag = self.config.image_tag + catalog.image_suffix(extras)
            return ecs.ContainerImage.from_ecr_repository(repository, tag)
        return ecs.ContainerImage.from_asset(
            str(REPO_ROOT), target="runtime", build_args={"DWP_EXTRAS": ",".join(sorted(extras))}
        )

    def _access(self) -> DataAccess:
        data = self.data
        return DataAccess(
            data_key=data.data_key,
            pii_key=data.pii_key,
            topic_arns={name: topic.topic_arn for name, topic in data.topics.items()},
            queue_arns={name: queue.queue_arn for name, queue in data.queues.items()},
            table_arns={name: table.table_arn for name, table in data.tables.items()},
            bucket_arn=data.evidence_bucket.bucket_arn,
            secret_arns={name: secret.secret_arn for name, secret in data.secrets.items()},
            database_secret_arn=data.database_secret.secret_arn,
        )

    def _ingress(self, target: ec2.ISecurityGroup, source: ec2.ISecurityGroup, port: int, name: str) -> None:
        """An ingress rule on a data-stack security group, kept in this stack so the data stack never
        refers to a service (the data stack deploys first and outlives the services)."""
        ec2.CfnSecurityGroupIngress(
            self,
            f"Ingress-{name}-{port}",
            group_id=target.security_group_id,
            source_security_group_id=source.security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"from {name}",
        )

    def _secret(self, construct_id: str, secret: secretsmanager.ISecret) -> secretsmanager.ISecret:
        return secretsmanager.Secret.from_secret_complete_arn(self, construct_id, secret.secret_arn)

    def _client_secret(self, client_id: str) -> secretsmanager.ISecret:
        """A service client's secret at the identity service (the data stack creates it)."""
        return self.data.secrets[catalog.service_client_secret(client_id)]

    def _microservices(self, vpc: ec2.IVpc) -> dict[str, DwpMicroservice]:
        config, data = self.config, self.data
        access = self._access()
        deployed = [p for p in catalog.PROCESSES if p.on_fargate]
        # One image per set of extras: only the processes that need the rules engine carry it.
        images = {extras: self._image(extras) for extras in {tuple(sorted(p.extras)) for p in deployed}}
        urls = {p.url_setting: f"http://{p.name}:{p.port}" for p in deployed if p.kind == "service"}
        urls[catalog.process("gateway").url_setting] = self.api.url.rstrip("/")
        identity = catalog.process(ISSUER_PROCESS)
        # Every service verifies the identity service's tokens against its JWKS (DESIGN.md section 3).
        token_settings = {
            "DWP_JWT_ISSUER": f"https://{config.domain_name}",
            "DWP_JWKS_URL": f"http://{identity.name}:{identity.port}{JWKS_PATH}",
        }
        # Imported by ARN: a grant on the data stack's own Secret object would write the services' role ARNs
        # into the data stack's key policy (a cycle between the stacks). Decryption is granted explicitly.
        database_secret = self._secret("DatabaseSecretRef", data.database_secret)
        cache_auth = self._secret("CacheAuthRef", data.cache_auth)
        cache_endpoint = data.cache.attr_configuration_end_point_address

        # A service believes X-Forwarded-For only from the load balancer in front of it: the public ALB's
        # subnets for the frontend, the internal ALB's for the services (DWP_TRUSTED_PROXIES).
        public_lb = _subnet_cidrs(vpc.select_subnets(subnet_type=ec2.SubnetType.PUBLIC))
        internal_lb = _subnet_cidrs(vpc.select_subnets(subnet_group_name=SERVICES_SUBNETS))

        # Each service with a schema migrates it, as a one-off task of the new image, before its new tasks
        # start; a failed migration fails the deployment before any traffic moves (dwp_infra.migrations).
        self.migrations = MigrationRunner(
            self,
            "Migrations",
            env_name=config.name,
            cluster=self.platform.cluster,
            logs_key=self.network.logs_key,
            environment_key=data.data_key,
            log_retention_days=config.log_retention_days,
        )
        services: dict[str, DwpMicroservice] = {}
        for priority, process in enumerate(deployed, start=1):
            environment = {k: v for k, v in urls.items() if k != process.url_setting} | token_settings
            environment["DWP_TRUSTED_PROXIES"] = public_lb if process.kind == "frontend" else internal_lb
            secrets: dict[str, ecs.Secret] = {}
            if process.db_schema:
                # The settings build DATABASE_URL from these; the credentials are read from the secret at
                # connect time (not injected at task start), so a rotation needs no restart.
                environment |= {
                    "DB_HOST": data.database.db_instance_endpoint_address,
                    "DB_PORT": str(DB_PORT),
                    "DB_NAME": DB_NAME,
                    "DB_SCHEMA": process.db_schema,
                    "DB_SECRET_ARN": database_secret.secret_arn,
                }
                if data.read_replica is not None:
                    # Queues, lists, searches and reports read here (`Database.read(stale_ok=True)`).
                    environment["DB_READ_HOST"] = data.read_replica.db_instance_endpoint_address
            if process.uses_cache:
                environment |= {
                    "REDIS_HOST": cache_endpoint,
                    "REDIS_PORT": str(REDIS_PORT),
                    "DWP_REDIS_CLUSTER": "true",
                }
                secrets["REDIS_AUTH_TOKEN"] = ecs.Secret.from_secrets_manager(cache_auth)
            if process.bucket_prefixes:
                environment["DWP_EVIDENCE_BUCKET"] = data.evidence_bucket.bucket_name
                # The key every upload's POST policy names; the bucket policy compares it as an ARN.
                environment["DWP_EVIDENCE_KMS_KEY_ID"] = data.data_key.key_arn
            if process.kind == "frontend":
                # The bucket's name only (no access to it): the BFF's CSP allows the browser to post
                # evidence to this one origin (`https://<bucket>.s3.amazonaws.com`), the presigned POST's.
                environment["DWP_EVIDENCE_BUCKET"] = data.evidence_bucket.bucket_name
                secrets["DWP_GATEWAY_API_KEY"] = ecs.Secret.from_secrets_manager(
                    self._secret("GatewayKeyRef", self.gateway_key_secret)
                )

            if process.name in catalog.service_clients():
                # Its client secret at the identity service, injected at task start (never in plain
                # environment); identity accepts the previous value too, so a rotation refuses no running
                # task until it is replaced (docs/deploy.md, "Service client secrets").
                secrets["DWP_SERVICE_CLIENT_SECRET"] = ecs.Secret.from_secrets_manager(
                    self._secret(f"ServiceClientRef-{process.name}", self._client_secret(process.name))
                )
            if process.name == ISSUER_PROCESS:
                # Its credentials at One Login and the staff identity provider, without which it refuses
                # to start outside local: injected at task start, never plain environment.
                for setting, name in catalog.ISSUER_INJECTED_SECRETS.items():
                    secrets[setting] = ecs.Secret.from_secrets_manager(
                        self._secret(f"IssuerSecretRef-{setting}", data.secrets[name])
                    )
                # The ARN of each client's secret (not its value): identity reads them, and again after a
                # rotation (dwp.identity.clients).
                environment["DWP_IDENTITY_SERVICE_CLIENT_SECRETS"] = cdk.Stack.of(self).to_json_string(
                    {name: self._client_secret(name).secret_arn for name in catalog.service_clients()}
                )

            service = DwpMicroservice(
                self,
                f"Svc-{process.name}",
                props=MicroserviceProps(
                    process=process,
                    env_name=config.name,
                    cluster=self.platform.cluster,
                    namespace_arn=self.platform.namespace.namespace_arn,
                    image=images[tuple(sorted(process.extras))],
                    subnet_group_name=FRONTEND_SUBNETS if process.kind == "frontend" else SERVICES_SUBNETS,
                    logs_key=self.network.logs_key,
                    log_retention_days=config.log_retention_days,
                    min_tasks=config.min_tasks,
                    max_tasks=config.max_tasks,
                    access=access,
                    environment=environment,
                    secrets=secrets,
                    tls=self.platform.tls,
                    migration_package=migration_package(process),
                ),
            )
            if process.name == ISSUER_PROCESS:
                service.task_role.add_to_policy(
                    iam.PolicyStatement(
                        sid="ReadServiceClientSecrets",
                        actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        resources=[self._client_secret(c).secret_arn for c in catalog.service_clients()],
                    )
                )
                service.task_role.add_to_policy(
                    decrypt_via_secrets_manager(data.data_key.key_arn, sid="DecryptServiceClientSecrets")
                )
            if service.migration_task_definition is not None:
                subnets = FRONTEND_SUBNETS if process.kind == "frontend" else SERVICES_SUBNETS
                self.migrations.run_before(service, vpc.select_subnets(subnet_group_name=subnets))
            if process.db_schema:
                service.security_group.add_egress_rule(
                    data.db_security_group, ec2.Port.tcp(DB_PORT), "PostgreSQL"
                )
                self._ingress(data.db_security_group, service.security_group, DB_PORT, process.name)
            if process.uses_cache:
                service.security_group.add_egress_rule(
                    data.cache_security_group, ec2.Port.tcp(REDIS_PORT), "Redis"
                )
                self._ingress(data.cache_security_group, service.security_group, REDIS_PORT, process.name)
            if process.kind == "frontend":
                service.register_with(
                    self.public_listener,
                    priority=priority,
                    rules=[
                        [
                            elbv2.ListenerCondition.http_header(
                                ORIGIN_VERIFY_HEADER, [self.origin_secret.secret_value.unsafe_unwrap()]
                            )
                        ]
                    ],
                )
                service.security_group.connections.allow_from(
                    self.public_alb, ec2.Port.tcp(process.port), "public ALB"
                )
            else:
                # One rule per route prefix: a rule takes at most five path patterns.
                service.register_with(
                    self.internal_listener,
                    priority=priority * 10,
                    rules=[
                        [elbv2.ListenerCondition.path_patterns([prefix, f"{prefix}/*"])]
                        # Its internal routes too, for the worker functions (API Gateway has no
                        # resource for them, so none is reachable from the API).
                        for prefix in process.route_prefixes + process.internal_prefixes
                    ],
                )
                service.security_group.connections.allow_from(
                    self.internal_alb, ec2.Port.tcp(process.port), "internal ALB (API Gateway)"
                )
            services[process.name] = service
        self.migrations.acknowledge()

        # Service to service: only the callers the catalogue names may open a connection, and every service
        # may fetch the token issuer's JWKS.
        issuer = services[ISSUER_PROCESS]
        for name, service in services.items():
            if name != ISSUER_PROCESS and ISSUER_PROCESS not in catalog.process(name).calls:
                issuer.security_group.connections.allow_from(
                    service.security_group, ec2.Port.tcp(identity.port), f"JWKS for {name}"
                )
        for process in deployed:
            for callee in process.calls:
                if callee in services:
                    services[callee].security_group.connections.allow_from(
                        services[process.name].security_group,
                        ec2.Port.tcp(catalog.process(callee).port),
                        f"from {process.name}",
                    )
        return services

    # --- worker Lambda functions ------------------------------------------------------------------------
    def _functions(self, vpc: ec2.IVpc) -> dict[str, lambda_.Function]:
        config, data = self.config, self.data
        functions: dict[str, lambda_.Function] = {}
        for spec in catalog.FUNCTIONS:
            security_group = ec2.SecurityGroup(
                self,
                f"Fn-{spec.name}-Sg",
                vpc=vpc,
                description=f"Lambda {spec.name}",
                allow_all_outbound=False,
            )
            environment = {
                "DWP_ENV": config.name,
                "DWP_FUNCTION": spec.name,
                "DWP_DATA_DIR": "/tmp/dwp",  # noqa: S108 - Lambda's only writable folder
                "DWP_JWT_ISSUER": f"https://{config.domain_name}",
                "POWERTOOLS_SERVICE_NAME": spec.name,
                # Functions have no Redis: each invocation keeps to its share of Notify's 2,700 a minute.
                "DWP_NOTIFY_PER_MINUTE": str(catalog.NOTIFY_PER_MINUTE // spec.reserved_concurrency),
            } | self._function_calls(spec, security_group)
            # The AWS APIs it calls (Secrets Manager, KMS, SQS) through the VPC's interface endpoints.
            security_group.add_egress_rule(
                self.network.endpoint_security_group, ec2.Port.tcp(443), "AWS APIs (VPC endpoints)"
            )
            if spec.uses_database:
                security_group.add_egress_rule(data.db_security_group, ec2.Port.tcp(DB_PORT), "PostgreSQL")
                self._ingress(data.db_security_group, security_group, DB_PORT, f"lambda-{spec.name}")
                environment |= {
                    "DB_HOST": data.database.db_instance_endpoint_address,
                    "DB_PORT": str(DB_PORT),
                    "DB_NAME": DB_NAME,
                    "DB_SCHEMA": "workers",
                    "DB_SECRET_ARN": data.database_secret.secret_arn,
                }
            log_group = logs.LogGroup(
                self,
                f"Fn-{spec.name}-Logs",
                log_group_name=f"/dwp/{config.name}/lambda/{spec.name}",
                retention=log_retention(config.log_retention_days),
                encryption_key=self.network.logs_key,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )
            role = iam.Role(
                self,
                f"Fn-{spec.name}-Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Lambda {spec.name}: its queue, log group and the data the catalogue names",
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
                )
            )
            _allow_vpc_function(role, config)
            secret_arns = [data.secrets[name].secret_arn for name in spec.secrets]
            if catalog.WORKERS_CLIENT in catalog.service_clients() and any(
                catalog.process(c).kind == "service" for c in spec.calls
            ):
                # Lambda has no ECS-style injection: the function reads its client secret by ARN when it
                # first needs a token, and again when identity refuses it (rotated): ServiceCredentials.
                client_secret = self._client_secret(catalog.WORKERS_CLIENT)
                environment["DWP_SERVICE_CLIENT_SECRET_ARN"] = client_secret.secret_arn
                secret_arns.append(client_secret.secret_arn)
            if spec.uses_database:
                secret_arns.append(data.database_secret.secret_arn)
            if secret_arns:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        resources=secret_arns,
                    )
                )
                role.add_to_policy(decrypt_via_secrets_manager(data.data_key.key_arn))
            if spec.tables:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=[
                            "dynamodb:GetItem",
                            "dynamodb:PutItem",
                            "dynamodb:UpdateItem",
                            "dynamodb:DeleteItem",
                        ],
                        resources=[data.tables[name].table_arn for name in spec.tables],
                    )
                )
            if spec.publishes:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["sns:Publish"],
                        resources=[data.topics[name].topic_arn for name in spec.publishes],
                    )
                )
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[data.data_key.key_arn]
                    )
                )
            if spec.sends_to:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["sqs:SendMessage"],
                        resources=[data.queues[q].queue_arn for q in spec.sends_to],
                    )
                )
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[data.data_key.key_arn]
                    )
                )
            if spec.uses_pii_key:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                        resources=[data.pii_key.key_arn],
                    )
                )

            function = lambda_.DockerImageFunction(
                self,
                f"Fn-{spec.name}",
                function_name=f"dwp-{config.name}-{spec.name}",
                code=self._lambda_code(spec.handler, spec.extras),
                role=role,
                memory_size=spec.memory_mib,
                timeout=cdk.Duration.seconds(spec.timeout_seconds),
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_group_name=SERVICES_SUBNETS),
                security_groups=[security_group],
                environment=environment,
                log_group=log_group,
                logging_format=lambda_.LoggingFormat.JSON,
                tracing=lambda_.Tracing.ACTIVE,
                reserved_concurrent_executions=spec.reserved_concurrency,
                architecture=lambda_.Architecture.X86_64,
                environment_encryption=data.data_key,
            )
            checkov_skip(
                function,
                "CKV_AWS_116",
                "The function is invoked only by its SQS event source; messages that keep failing move to "
                "the queue's own dead-letter queue (redrive policy), which a function DLQ would duplicate.",
            )
            queue = data.queues[spec.queue.name]
            function.add_event_source(
                event_sources.SqsEventSource(
                    queue,
                    batch_size=10,
                    max_batching_window=cdk.Duration.seconds(5),
                    # The handlers return {"batchItemFailures": [...]}: only failed messages are retried.
                    report_batch_item_failures=True,
                )
            )
            if spec.schedule:
                self._schedule(spec)
            functions[spec.name] = function
        return functions

    def _function_calls(self, spec: catalog.Function, security_group: ec2.SecurityGroup) -> dict[str, str]:
        """The address of each process a function calls, and the way out to it.

        Service Connect names (`http://claims:8104`) do not resolve in Lambda, so a function calls the
        services at the internal load balancer (`https://internal-api.<domain>`), which routes each
        service's path prefixes, internal ones included (`catalog.Process.internal_prefixes`), and the
        identity service for its token. A provider (GOV.UK Notify) is on the internet, through the NAT.
        """
        if not spec.calls:
            return {}
        environment: dict[str, str] = {}
        internal = f"https://{self.internal_domain}"
        for name in (*spec.calls, ISSUER_PROCESS):
            process = catalog.process(name)
            if name in PROVIDER_APIS:
                environment[process.url_setting] = PROVIDER_APIS[name]
                # A provider's API has no fixed addresses or prefix list: HTTPS to anywhere, for this
                # function only (the rest reach only the load balancer, endpoints and database).
                security_group.add_egress_rule(
                    ec2.Peer.any_ipv4(), ec2.Port.tcp(443), f"HTTPS to {name} (a provider on the internet)"
                )
            else:
                assert process.on_fargate, f"{spec.name} calls {name}, which does not run on AWS"
                environment[process.url_setting] = internal
        self.internal_alb.connections.allow_from(
            security_group, ec2.Port.tcp(INTERNAL_HTTPS_PORT), f"Lambda {spec.name} calls the services"
        )
        return environment

    def _schedule(self, spec: catalog.Function) -> None:
        """EventBridge Scheduler sends the start message to the function's queue (UK time)."""
        data = self.data
        sqs_queue = data.queues[spec.queue.name]
        dlq = data.dead_letter_queues[spec.queue.name]
        role = iam.Role(
            self,
            f"Schedule-{spec.name}-Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.config.account}},
            ),
            description=f"EventBridge Scheduler: start message for {spec.name}",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[sqs_queue.queue_arn, dlq.queue_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[data.data_key.key_arn]
            )
        )
        scheduler.CfnSchedule(
            self,
            f"Schedule-{spec.name}",
            name=f"dwp-{self.config.name}-{spec.name}",
            description=f"Starts {spec.name} ({spec.schedule}, Europe/London)",
            schedule_expression=spec.schedule,
            schedule_expression_timezone="Europe/London",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=sqs_queue.queue_arn,
                role_arn=role.role_arn,
                input='{"type": "AssessmentRunRequested", "source": "schedule"}',
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=5),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=dlq.queue_arn),
            ),
        )


def _allow_vpc_function(role: iam.Role, config: EnvConfig) -> None:
    """What a function in the VPC needs beyond its own data: its network interfaces and X-Ray writes."""
    # Describe* has no resource-level permissions; the changes are limited to this account's network
    # interfaces, subnets and security groups.
    role.add_to_policy(
        iam.PolicyStatement(actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources=["*"])
    )
    eni_resources = [
        f"arn:aws:ec2:{config.region}:{config.account}:{kind}/*"
        for kind in ("network-interface", "subnet", "security-group")
    ]
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            resources=eni_resources,
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"])
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5",
        "Wildcards only for a VPC function's network interfaces, which Lambda creates at run time "
        "in this account's subnets and security groups, and for EC2 Describe* and X-Ray writes, "
        "which support no resource-level permissions. Every data resource is named by ARN.",
        applies_to=["Resource::*", *(f"Resource::{arn}" for arn in eni_resources)],
    )


def _subnet_cidrs(selected: ec2.SelectedSubnets) -> str:
    return cdk.Fn.join(",", [subnet.ipv4_cidr_block for subnet in selected.subnets])
