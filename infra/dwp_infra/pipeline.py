"""Pipeline stack (tooling account): source -> tests -> images -> dev -> approval -> staging -> approval
-> production. Each deploy pushes the tested images to that environment's ECR repositories (tagged with the
commit) and runs `cdk deploy` with `-c image_tag=<commit>`, assuming the environment's CDK bootstrap roles.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from cdk_nag import RegexAppliesTo
from constructs import Construct

from dwp.platform import catalog
from dwp_infra.config import EnvConfig, ToolingConfig
from dwp_infra.keys import allow_cloudwatch_logs
from dwp_infra.nag import acknowledge, checkov_skip
from dwp_infra.platform import LAMBDAS_REPOSITORY, SERVICES_REPOSITORY

# (Dockerfile target, local image name, ECR repository): each is built once per `catalog.image_variants()`,
# tagged `$IMAGE_TAG` plus the variant's suffix (`-rules`), so only the processes that need the rules
# engine run an image that holds it.
_IMAGES = (("runtime", "dwp-services", SERVICES_REPOSITORY), ("lambda", "dwp-lambdas", LAMBDAS_REPOSITORY))


def _image_builds() -> list[str]:
    return [
        f"docker build --target {target} --build-arg DWP_EXTRAS={','.join(extras)}"
        f" -t {name}:$IMAGE_TAG{catalog.image_suffix(extras)} ."
        for extras in catalog.image_variants()
        for target, name, _ in _IMAGES
    ]


def _image_names() -> list[str]:
    return [
        f"{name}:$IMAGE_TAG{catalog.image_suffix(extras)}"
        for extras in catalog.image_variants()
        for _, name, _ in _IMAGES
    ]


def _image_pushes(registry: str) -> list[str]:
    commands = []
    for extras in catalog.image_variants():
        tag = f"$IMAGE_TAG{catalog.image_suffix(extras)}"
        for _, name, repository in _IMAGES:
            commands += [
                f"docker tag {name}:{tag} {registry}/{repository}:{tag}",
                f"docker push {registry}/{repository}:{tag}",
            ]
    return commands


BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
BOOTSTRAP_QUALIFIER = "hnb659fds"  # the CDK default; change both here and in `cdk bootstrap` if you do


@dataclass(frozen=True)
class PipelineProps:
    tooling: ToolingConfig
    environments: tuple[EnvConfig, ...]


class PipelineStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, props: PipelineProps, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        tooling = props.tooling
        self.key = kms.Key(
            self,
            "PipelineKey",
            alias="alias/dwp-pipeline",
            enable_key_rotation=True,
            description="Pipeline artifacts and build logs",
        )
        allow_cloudwatch_logs(self.key, region=tooling.region, account=tooling.account)
        self.log_group = logs.LogGroup(
            self, "BuildLogs", retention=logs.RetentionDays.THIRTEEN_MONTHS, encryption_key=self.key
        )

        source_output = codepipeline.Artifact("source")
        images_output = codepipeline.Artifact("images")
        owner, repo = tooling.repository.split("/", 1)
        source = actions.CodeStarConnectionsSourceAction(
            action_name="Source",
            connection_arn=tooling.connection_arn,
            owner=owner,
            repo=repo,
            branch=tooling.branch,
            output=source_output,
        )
        test_project = self._project(
            "Test",
            privileged=False,
            commands=["make test"],
            description="Lint, types, import contracts, unit, integration, e2e and infrastructure tests",
        )
        image_project = self._project(
            "Images",
            privileged=True,  # docker build needs the Docker daemon
            commands=[*_image_builds(), f"docker save {' '.join(_image_names())} | gzip > images.tar.gz"],
            artifacts=["images.tar.gz"],
            description="Builds the service and Lambda images once; every environment gets these bytes",
        )

        stages = [
            codepipeline.StageProps(stage_name="Source", actions=[source]),
            codepipeline.StageProps(
                stage_name="Test",
                actions=[
                    actions.CodeBuildAction(action_name="MakeTest", project=test_project, input=source_output)
                ],
            ),
            codepipeline.StageProps(
                stage_name="Images",
                actions=[
                    actions.CodeBuildAction(
                        action_name="DockerBuild",
                        project=image_project,
                        input=source_output,
                        outputs=[images_output],
                        environment_variables={
                            "IMAGE_TAG": codebuild.BuildEnvironmentVariable(value=source.variables.commit_id)
                        },
                    )
                ],
            ),
        ]
        for index, env in enumerate(props.environments):
            deploy = self._deploy_project(env)
            stage_actions: list[codepipeline.IAction] = []
            if index > 0:
                previous = props.environments[index - 1].name
                stage_actions.append(
                    actions.ManualApprovalAction(
                        action_name=f"Approve-{env.name}",
                        additional_information=f"Promote the build tested in {previous} to {env.name}",
                        run_order=1,
                    )
                )
            stage_actions.append(
                actions.CodeBuildAction(
                    action_name=f"Deploy-{env.name}",
                    project=deploy,
                    input=source_output,
                    extra_inputs=[images_output],
                    environment_variables={
                        "IMAGE_TAG": codebuild.BuildEnvironmentVariable(value=source.variables.commit_id)
                    },
                    run_order=2,
                )
            )
            stages.append(codepipeline.StageProps(stage_name=f"Deploy-{env.name}", actions=stage_actions))

        access_logs = s3.Bucket(
            self,
            "ArtifactAccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs cannot use SSE-KMS targets
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(400), noncurrent_version_expiration=cdk.Duration.days(7)
                )
            ],
        )
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket itself; logging its own access would log forever.",
        )
        checkov_skip(
            access_logs,
            "CKV_AWS_18",
            "This is the access-log bucket itself; logging its own access would log forever.",
        )
        artifacts = s3.Bucket(
            self,
            "Artifacts",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifacts/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(90), noncurrent_version_expiration=cdk.Duration.days(7)
                )
            ],
        )
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            artifact_bucket=artifacts,
            pipeline_name="dwp-platform",
            pipeline_type=codepipeline.PipelineType.V2,
            restart_execution_on_update=True,
            stages=stages,
        )
        # The pipeline's own role and the role CodePipeline makes for the source action.
        for child in self.pipeline.node.find_all():
            if isinstance(child, iam.Role) and child.node.try_find_child("DefaultPolicy") is not None:
                _acknowledge_artifact_grants(child)

    def _project(
        self,
        name: str,
        *,
        privileged: bool,
        commands: list[str],
        description: str,
        artifacts: list[str] | None = None,
    ) -> codebuild.PipelineProject:
        spec: dict = {"version": "0.2", "phases": {"build": {"commands": commands}}}
        if artifacts:
            spec["artifacts"] = {"files": artifacts}
        project = codebuild.PipelineProject(
            self,
            name,
            project_name=f"dwp-{name.lower()}",
            description=description,
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE, privileged=privileged, compute_type=codebuild.ComputeType.MEDIUM
            ),
            build_spec=codebuild.BuildSpec.from_object(spec),
            encryption_key=self.key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
            timeout=cdk.Duration.minutes(60),
        )
        assert project.role is not None
        _acknowledge_artifact_grants(project.role, codebuild_project=True)
        if privileged:
            acknowledge(
                project,
                "AwsSolutions-CB3",
                "Privileged mode runs the Docker daemon that builds the images; the project builds only "
                "the commit that passed the Test stage.",
            )
        return project

    def _deploy_project(self, env: EnvConfig) -> codebuild.PipelineProject:
        registry = f"{env.account}.dkr.ecr.{env.region}.amazonaws.com"
        project = self._project(
            f"Deploy-{env.name}",
            privileged=True,
            commands=[
                "docker load < $CODEBUILD_SRC_DIR_images/images.tar.gz",
                f"aws ecr get-login-password --region {env.region}"
                f" | docker login --username AWS --password-stdin {registry}",
                *_image_pushes(registry),
                "make install",
                f"cd infra && npx --yes aws-cdk@2 deploy --all -c dwp:env={env.name} -c image_tag=$IMAGE_TAG "
                "--require-approval never --app '../.venv/bin/python app.py'",
            ],
            description=f"Pushes the tested images to {env.name} and deploys every stack there",
        )
        role = project.role
        assert role is not None
        repositories = [
            f"arn:aws:ecr:{env.region}:{env.account}:repository/{name}"
            for name in (SERVICES_REPOSITORY, LAMBDAS_REPOSITORY)
        ]
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                ],
                resources=repositories,
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken has no resource-level permissions (AWS documents Resource '*'); "
            "pushes are limited to the environment's two repositories by ARN.",
            applies_to=["Resource::*"],
        )
        # cdk deploy works by assuming the environment's bootstrap roles, named exactly.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[
                    f"arn:aws:iam::{env.account}:role/cdk-{BOOTSTRAP_QUALIFIER}-{kind}-role-{env.account}-{region}"
                    for kind in ("deploy", "file-publishing", "image-publishing", "lookup")
                    for region in (env.region, "us-east-1")
                ],
            )
        )
        return project


# What CDK's grants for CodePipeline and CodeBuild generate: read/write of the pipeline's own artifact
# bucket and key, and the project's own log group and report groups (named after the project).
_ARTIFACT_ACTIONS = (
    "Action::s3:GetObject*",
    "Action::s3:GetBucket*",
    "Action::s3:List*",
    "Action::s3:DeleteObject*",
    "Action::s3:Abort*",
    "Action::kms:GenerateDataKey*",
    "Action::kms:ReEncrypt*",
)


def _acknowledge_artifact_grants(role: iam.IRole, *, codebuild_project: bool = False) -> None:
    applies_to: list[str | RegexAppliesTo] = [
        *_ARTIFACT_ACTIONS,
        RegexAppliesTo(regex="/^Resource::<Artifacts[0-9A-F]+\\.Arn>\\/\\*$/g"),
    ]
    if codebuild_project:
        applies_to += [
            RegexAppliesTo(
                regex="/^Resource::arn:aws:logs:.*:log-group:\\/aws\\/codebuild\\/<[A-Za-z0-9]+>:\\*$/g"
            ),
            RegexAppliesTo(regex="/^Resource::arn:aws:codebuild:.*:report-group\\/<[A-Za-z0-9]+>-\\*$/g"),
        ]
    acknowledge(
        role,
        "AwsSolutions-IAM5",
        "CDK's generated pipeline grants: objects of the pipeline's own artifact bucket (keys made per "
        "execution), data keys of its own KMS key, and this project's own log streams and report groups.",
        applies_to=applies_to,
    )
