"""What every stack of an environment shares: the AWS provider and the state backend."""

from __future__ import annotations

from model.config import EnvironmentConfig
from modules.aws import (
    AwsProvider,
    AwsProviderDefaultTags,
    Construct,
    LocalBackend,
    S3Backend,
    TerraformStack,
)


class EnvironmentStack(TerraformStack):
    """A stack named ``scorer-<env>-<part>`` with its provider and backend configured."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, part: str) -> None:
        self.stack_name = config.stack_name(part)
        super().__init__(scope, self.stack_name)
        self.config = config
        AwsProvider(
            self, "aws",
            region=config.region,
            default_tags=[AwsProviderDefaultTags(tags={
                "Project": "passport-scorer-routing",
                "Environment": config.name,
                "Stack": self.stack_name,
                **dict(config.tags),
            })],
        )
        config.state.backend(self.stack_name, _Backend(self))


class _Backend:
    """The ``StateBackendResolver`` of a stack: configures its Terraform backend."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack

    def s3(self, bucket: str, key: str, region: str, legacy_lock_table: str | None) -> None:
        S3Backend(self.stack, bucket=bucket, key=key, region=region, encrypt=True,
                  dynamodb_table=legacy_lock_table)
        # cdktf 0.21's S3Backend has no use_lockfile yet: S3-native locking by override.
        self.stack.add_override("terraform.backend.s3.use_lockfile", True)

    def local(self, path: str) -> None:
        # Relative to the stack's working directory cdktf.out/stacks/<stack>/: the state
        # lands in <project>/<directory>/, outside cdktf.out, so a new synth keeps it.
        LocalBackend(self.stack, path=f"../../../{path}")
