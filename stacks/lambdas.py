"""``scorer-<env>-lambdas``: every function and its target groups; no listener rule."""

from __future__ import annotations

from pathlib import Path

from model.catalog.functions import RETIRED_RUST_BACKENDS, RUST_SCORER
from model.config import Artifacts, EnvironmentConfig
from model.function_spec import Artifact, FunctionSpec
from model.paths import PROJECT_ROOT
from model.routing.backend import Backend
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
from modules.release_package import release_package
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
        kept: tuple[Backend, ...] = (),
    ) -> None:
        """``kept``: the retired shared Rust target groups kept (with their permissions and
        attachments) while a live rule still forwards to them (docs/runbook.md)."""
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
        packages = _Packages(self)
        self.secret_arn = config.secret.resolve(_SecretArn(self))
        account_id = DataAwsCallerIdentity(self, "account").account_id
        image_base = f"{account_id}.dkr.ecr.{config.region}.amazonaws.com/{IMAGE_REPOSITORY}"
        layers = {
            "api-dependencies": self._api_layer(config, packages),
            "otel-collector-arm64": self._otel_layer(config, packages),
        }
        code_source = _CodeSource(f"{image_base}:{config.python_image_tag}", config.artifacts,
                                  packages, config.rust_version)
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
                deployment=Deployment(
                    **spec.code.resolve(code_source),
                    layer_arns=tuple(layers[layer] for layer in spec.layers),
                    environment=environment,
                    release=config.rust_version if spec.released else None,
                ),
                secret_arn=self.secret_arn,
                subnet_ids=network.private_subnet_ids,
                security_group_ids=[security_group.id],
                log_retention_days=config.log_retention_days,
            )
            self.functions[spec.name] = function
            function_name_ref = function.function.function_name
            retained = kept if spec.name == RUST_SCORER.name else ()
            for backend in (*spec.backends, *retained):
                # a released function's target groups invoke its alias; the shared Rust target
                # groups of the layout before (docs/runbook.md) keep the function itself, as
                # they were deployed: a Lambda target group holds one target, so changing it
                # under a live rule would leave the rule without one for a moment
                legacy = backend in RETIRED_RUST_BACKENDS
                LambdaTargetGroup(
                    self, backend,
                    name=config.target_group_name(backend.target_group),
                    function_name=function_name_ref,
                    function_arn=function.function.arn if legacy else function.target_arn,
                    qualifier=None if legacy else function.qualifier,
                    registry=registry,
                )

    def _api_layer(self, config: EnvironmentConfig, packages: _Packages) -> str:
        return LambdaLayerVersion(
            self, "api_dependencies_layer",
            layer_name=config.resource_name("api-dependencies"),
            compatible_runtimes=["python3.12"],
            compatible_architectures=["x86_64"],
            **config.artifacts.api_layer(packages),
        ).arn

    def _otel_layer(self, config: EnvironmentConfig, packages: _Packages) -> str:
        """The published ADOT collector layer; a stub layer where the artifacts have one."""
        stub = config.artifacts.otel_layer_stub(packages)
        if stub is None:
            return OTEL_LAYER.format(region=config.region)
        return LambdaLayerVersion(
            self, "otel_collector_layer",
            layer_name=config.resource_name("otel-collector-stub"),
            compatible_architectures=["arm64"],
            **stub,
        ).arn


class _SecretArn:
    """The ``SecretResolver`` of the Lambda stack: the API secret's ARN, created or looked up."""

    def __init__(self, stack: Construct) -> None:
        self.stack = stack

    def by_name(self, name: str) -> str:
        return DataAwsSecretsmanagerSecret(self.stack, "api_secret", name=name).arn

    def managed(self, name: str) -> str:
        return SecretsmanagerSecret(self.stack, "api_secret", name=name).arn


class _Packages:
    """The ``ArtifactResolver`` of the Lambda stack: the code arguments of a function or a
    layer, an S3 object or a local zip as a cdktf asset (one per package, shared by every
    function that runs it)."""

    def __init__(self, stack: Construct) -> None:
        self.stack = stack
        self._assets: dict[str, dict[str, str]] = {}

    def s3_object(self, bucket: str, key: str) -> dict[str, str]:
        return {"s3_bucket": bucket, "s3_key": key}

    def local_zip(self, name: str, path: str) -> dict[str, str]:
        """Its path in the stack folder and its hash."""
        return self._asset(name, PROJECT_ROOT / path)

    def release_zip(self, name: str, path: str, version: str) -> dict[str, str]:
        """The stub at ``path`` made into release ``version``'s package (``release_package``)."""
        return self._asset(name, release_package(PROJECT_ROOT / path, version))

    def _asset(self, name: str, path: Path) -> dict[str, str]:
        if name not in self._assets:
            asset = TerraformAsset(self.stack, f"asset-{name}", path=str(path),
                                   type=AssetType.FILE)
            self._assets[name] = {"filename": asset.path,
                                  "source_code_hash": Fn.filebase64sha256(asset.path)}
        return self._assets[name]


class _CodeSource:
    """The ``CodeResolver`` of the Lambda stack: where a function's code comes from, the
    environment's image or a package of its artifacts."""

    def __init__(self, image_uri: str, artifacts: Artifacts, packages: _Packages,
                 rust_version: str) -> None:
        self.image_uri = image_uri
        self.artifacts = artifacts
        self.packages = packages
        self.rust_version = rust_version

    def image(self, command: str) -> dict[str, str]:
        return {"image_uri": self.image_uri}

    def zip(self, handler: str, runtime: str, artifact: Artifact) -> dict[str, str]:
        return self.artifacts.package(artifact, self.packages, self.rust_version)
