"""What every stack of an environment shares: the AWS provider and the state backend."""

from __future__ import annotations

from model.config import EnvironmentConfig, LocalState, S3State
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
        state = config.state
        if isinstance(state, S3State):
            S3Backend(
                self,
                bucket=state.bucket,
                key=f"{state.key_prefix}/{self.stack_name}.tfstate",
                region=state.region,
                encrypt=True,
                dynamodb_table=state.legacy_lock_table,
            )
            # cdktf 0.21's S3Backend has no use_lockfile yet: S3-native locking by override.
            self.add_override("terraform.backend.s3.use_lockfile", True)
        else:
            assert isinstance(state, LocalState)
            # Relative to the stack's working directory cdktf.out/stacks/<stack>/: the state
            # lands in <project>/<directory>/, outside cdktf.out, so a new synth keeps it.
            LocalBackend(self, path=f"../../../{state.directory}/{self.stack_name}.tfstate")
