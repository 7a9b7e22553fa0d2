"""One Lambda function with its role, its policy and its log group. Nothing else.

It creates no target group and no listener rule: those are other constructs' jobs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from model.config import RUST_ALIAS, release_description
from model.function_spec import Artifact, FunctionSpec
from model.names import terraform_id
from modules.address import addressed
from modules.aws import (
    CloudwatchLogGroup,
    Construct,
    IamRole,
    IamRolePolicy,
    LambdaAlias,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionImageConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)


@dataclass(frozen=True)
class Deployment:
    """Where one function's code comes from in this environment (rendered by the stack)."""

    image_uri: str | None = None
    s3_bucket: str | None = None
    s3_key: str | None = None
    filename: str | None = None
    source_code_hash: str | None = None
    layer_arns: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    release: str | None = None  # a released function's release (``FunctionSpec.released``)


@dataclass(frozen=True)
class _Package:
    """What a function's code says of its package: its type, and the image command or the
    handler and runtime."""

    package_type: str
    image_config: LambdaFunctionImageConfig | None = None
    handler: str | None = None
    runtime: str | None = None


class _PackageOf:
    """The ``CodeResolver`` of a function's package arguments."""

    def image(self, command: str) -> _Package:
        return _Package("Image", image_config=LambdaFunctionImageConfig(command=[command]))

    def zip(self, handler: str, runtime: str, artifact: Artifact) -> _Package:
        return _Package("Zip", handler=handler, runtime=runtime)


_ASSUME_LAMBDA = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
})


class ScorerFunction(Construct):
    """Function (X-Ray tracing active, in the given subnets), role (reads only the one secret,
    writes only its own log group), log group. A released function (``spec.released``)
    publishes a version described by its release and has the alias ``RUST_ALIAS`` at it:
    ``target_arn`` and ``qualifier`` are what its target groups invoke (the alias), else the
    function itself."""

    def __init__(
        self,
        scope: Construct,
        spec: FunctionSpec,
        *,
        function_name: str,
        role_name: str,
        deployment: Deployment,
        secret_arn: str,
        subnet_ids: list[str],
        security_group_ids: list[str],
        log_retention_days: int,
    ) -> None:
        address = terraform_id(spec.name)
        super().__init__(scope, f"function-{spec.name}")
        self.log_group = addressed(CloudwatchLogGroup(
            self, "log-group",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=log_retention_days,
        ), address)
        self.role = addressed(IamRole(
            self, "role",
            name=role_name,
            assume_role_policy=_ASSUME_LAMBDA,
        ), address)
        addressed(IamRolePolicy(
            self, "policy",
            name="read-secret-write-logs-use-vpc",
            role=self.role.id,
            policy=_policy(secret_arn, self.log_group.arn),
        ), address)
        package = spec.code.resolve(_PackageOf())
        self.function = addressed(LambdaFunction(
            self, "function",
            function_name=function_name,
            role=self.role.arn,
            architectures=[spec.architecture],
            memory_size=spec.memory_mb,
            timeout=spec.timeout_s,
            package_type=package.package_type,
            image_uri=deployment.image_uri,
            image_config=package.image_config,
            handler=package.handler,
            runtime=package.runtime,
            s3_bucket=deployment.s3_bucket,
            s3_key=deployment.s3_key,
            filename=deployment.filename,
            source_code_hash=deployment.source_code_hash,
            layers=list(deployment.layer_arns) or None,
            environment=LambdaFunctionEnvironment(variables=deployment.environment),
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            vpc_config=LambdaFunctionVpcConfig(
                subnet_ids=subnet_ids, security_group_ids=security_group_ids
            ),
            publish=True if deployment.release is not None else None,
            description=(release_description(deployment.release)
                         if deployment.release is not None else None),
            depends_on=[self.log_group],
        ), address)
        self.target_arn: str = self.function.arn
        self.qualifier: str | None = None
        if deployment.release is not None:
            alias = addressed(LambdaAlias(
                self, "alias",
                name=RUST_ALIAS,
                description=release_description(deployment.release),
                function_name=self.function.function_name,
                function_version=self.function.version,
            ), address)
            self.target_arn, self.qualifier = alias.arn, alias.name


def _policy(secret_arn: str, log_group_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadTheOneSecret", "Effect": "Allow",
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
             "Resource": secret_arn},
            {"Sid": "WriteOwnLogGroup", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"{log_group_arn}:*"},
            # X-Ray tracing (mode Active); X-Ray has no resource-level permissions.
            {"Sid": "WriteTraces", "Effect": "Allow",
             "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
             "Resource": "*"},
            # ENI management for functions in a VPC; AWS does not scope these to resources.
            {"Sid": "VpcNetworkInterfaces", "Effect": "Allow",
             "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses"],
             "Resource": "*"},
        ],
    })
