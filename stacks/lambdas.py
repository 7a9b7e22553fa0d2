"""``scorer-<env>-lambdas``: every function and its target groups; no listener rule."""

from __future__ import annotations

from model.config import EnvironmentConfig, LocalArtifacts, ManagedSecret, S3Artifacts
from model.function_spec import FunctionSpec, ImageCode
from model.paths import PROJECT_ROOT
from model.routing.registry import TargetGroupRegistry
from modules.aws import (
    AssetType,
    Construct,
    DataAwsCallerIdentity,
    DataAwsSecretsmanagerSecret,
    Fn,
    LambdaLayerVersion,
    LbTargetGroup,
    SecretsmanagerSecret,
    SecurityGroup,
    TerraformAsset,
    VpcSecurityGroupEgressRule,
)
from modules.lambda_function import Deployment, ScorerFunction
from modules.network import resolve_network
from modules.target_groups import LambdaTargetGroup
from stacks.base import EnvironmentStack

IMAGE_REPOSITORY = "submit-passport-lambdas"
OTEL_LAYER = "arn:aws:lambda:{region}:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1"
# (port, why) of the traffic the functions send inside the VPC
EGRESS_IN_VPC: tuple[tuple[int, str], ...] = (
    (5432, "PostgreSQL through the RDS proxy and the read replica"),
    (6379, "Redis: the broker and the cache"),
    (80, "the verifier and the other internal services, over the internal ALB"),
)


class LambdaStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        functions: tuple[FunctionSpec, ...],
    ) -> None:
        super().__init__(scope, config, "lambdas")
        network = resolve_network(self, config.network)
        security_group = SecurityGroup(
            self, "security_group",
            name=config.resource_name("lambdas"),
            description="Scorer Lambda functions: no inbound traffic",
            vpc_id=network.vpc_id,
        )
        # No ingress rule: the load balancers invoke the functions through the Lambda API.
        # Egress only to what the functions use:
        for port, what in EGRESS_IN_VPC:
            VpcSecurityGroupEgressRule(
                self, f"egress_vpc_{port}", security_group_id=security_group.id,
                description=what, ip_protocol="tcp", from_port=port, to_port=port,
                cidr_ipv4=network.vpc_cidr,
            )
        VpcSecurityGroupEgressRule(
            self, "egress_https", security_group_id=security_group.id,
            description="AWS APIs (Secrets Manager, X-Ray) and external HTTPS APIs",
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
        )
        self._zips: dict[str, tuple[str, str]] = {}
        self.secret_arn = self._secret_arn(config)
        account_id = DataAwsCallerIdentity(self, "account").account_id
        self._image_base = (
            f"{account_id}.dkr.ecr.{config.region}.amazonaws.com/{IMAGE_REPOSITORY}"
        )
        self._layers = {
            "api-dependencies": self._api_layer(config),
            "otel-collector-arm64": self._otel_layer(config),
        }
        shared_environment = {
            "DEBUG": "off",
            "LOGGING_STRATEGY": "structlog_json",
            "SCORER_SERVER_SSM_ARN": self.secret_arn,
            "ALLOWED_HOSTS": ",".join(config.allowed_hosts),
            "PASSPORT_PUBLIC_URL": config.public_url,
            "VERIFIER_URL": config.verifier_url,
        }
        self.functions: dict[str, ScorerFunction] = {}
        for spec in functions:
            environment = {**shared_environment, **dict(spec.environment)}
            if spec.set_environment_name:
                environment["ENVIRONMENT"] = config.name
            function_name = config.function_name(spec.name)
            function = ScorerFunction(
                self, spec,
                function_name=function_name,
                role_name=config.role_name(spec.name),
                deployment=self._deployment(config, spec, environment),
                secret_arn=self.secret_arn,
                subnet_ids=network.private_subnet_ids,
                security_group_ids=[security_group.id],
                log_retention_days=config.log_retention_days,
            )
            self.functions[spec.name] = function
            function_name_ref, function_arn = function.function.function_name, function.function.arn
            for backend in spec.backends:
                LambdaTargetGroup(
                    self, backend,
                    name=config.target_group_name(backend.target_group),
                    function_name=function_name_ref,
                    function_arn=function_arn,
                    registry=registry,
                )

    def _secret_arn(self, config: EnvironmentConfig) -> str:
        if isinstance(config.secret, ManagedSecret):
            return SecretsmanagerSecret(self, "api_secret", name=config.secret.name).arn
        return DataAwsSecretsmanagerSecret(self, "api_secret", name=config.secret.name).arn

    def _asset(self, name: str, path: str) -> tuple[str, str]:
        """A local zip as a cdktf asset: its path in the stack folder and its hash."""
        asset = TerraformAsset(self, f"asset-{name}", path=str(PROJECT_ROOT / path),
                               type=AssetType.FILE)
        return asset.path, Fn.filebase64sha256(asset.path)

    def _api_layer(self, config: EnvironmentConfig) -> str:
        artifacts = config.artifacts
        code: dict[str, str]
        if isinstance(artifacts, S3Artifacts):
            code = {"s3_bucket": artifacts.bucket, "s3_key": artifacts.api_layer_key}
        else:
            assert isinstance(artifacts, LocalArtifacts)
            path, digest = self._asset("api-layer", artifacts.api_layer_zip)
            code = {"filename": path, "source_code_hash": digest}
        return LambdaLayerVersion(
            self, "api_dependencies_layer",
            layer_name=config.resource_name("api-dependencies"),
            compatible_runtimes=["python3.12"],
            compatible_architectures=["x86_64"],
            **code,
        ).arn

    def _otel_layer(self, config: EnvironmentConfig) -> str:
        """The published ADOT collector layer; a stub layer where artifacts are local."""
        artifacts = config.artifacts
        if isinstance(artifacts, S3Artifacts):
            return OTEL_LAYER.format(region=config.region)
        path, digest = self._asset("otel-layer", artifacts.otel_layer_zip)
        return LambdaLayerVersion(
            self, "otel_collector_layer",
            layer_name=config.resource_name("otel-collector-stub"),
            compatible_architectures=["arm64"],
            filename=path,
            source_code_hash=digest,
        ).arn

    def _deployment(
        self, config: EnvironmentConfig, spec: FunctionSpec, environment: dict[str, str]
    ) -> Deployment:
        layers = tuple(self._layers[layer] for layer in spec.layers)
        if isinstance(spec.code, ImageCode):
            return Deployment(image_uri=f"{self._image_base}:{config.python_image_tag}",
                              layer_arns=layers, environment=environment)
        artifacts = config.artifacts
        if isinstance(artifacts, S3Artifacts):
            key = artifacts.api_key if spec.code.artifact == "api" else artifacts.rust_key
            return Deployment(s3_bucket=artifacts.bucket, s3_key=key,
                              layer_arns=layers, environment=environment)
        assert isinstance(artifacts, LocalArtifacts)
        zip_path = artifacts.api_zip if spec.code.artifact == "api" else artifacts.rust_zip
        path, digest = self._local_zip(spec.code.artifact, zip_path)
        return Deployment(filename=path, source_code_hash=digest,
                          layer_arns=layers, environment=environment)

    def _local_zip(self, artifact: str, zip_path: str) -> tuple[str, str]:
        """One asset per package, shared by every function that runs it."""
        if artifact not in self._zips:
            self._zips[artifact] = self._asset(f"{artifact}-package", zip_path)
        return self._zips[artifact]
