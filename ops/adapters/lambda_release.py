"""The Rust release live on the alias (docs/rollout.md, Rust releases): which Lambda version
the alias ``model.config.RUST_ALIAS`` of the released function points at, and the release
that version was published for (read from its description, ``model.config.release_description``:
a version's description cannot change, so it names the code that version runs)."""

from __future__ import annotations

from dataclasses import dataclass

from model.catalog.functions import FUNCTIONS
from model.config import RELEASE_PREFIX, RUST_ALIAS, EnvironmentConfig
from ops.adapters.clients import LambdaClient


@dataclass(frozen=True)
class LiveRelease:
    """The alias's version and the release it was published for (``release`` None: a
    version whose description names no release, published before releases were)."""

    function: str
    version: str
    release: str | None

    @property
    def shown(self) -> str:
        return f"{self.release or 'an unnamed build'} (version {self.version} of {self.function})"


@dataclass
class Releases:
    """The released function of one environment, through the Lambda API."""

    client: LambdaClient
    config: EnvironmentConfig

    def function_name(self) -> str:
        (spec,) = [spec for spec in FUNCTIONS if spec.released]
        return self.config.function_name(spec.name)

    def live(self) -> LiveRelease | None:
        """The release the alias serves; None when the alias (or the function) does not
        exist yet: nothing of a release is live."""
        name = self.function_name()
        try:
            alias = self.client.get_alias(FunctionName=name, Name=RUST_ALIAS)
            version = str(alias["FunctionVersion"])
            answer = self.client.get_function_configuration(FunctionName=name,
                                                            Qualifier=version)
        except self.client.exceptions.ResourceNotFoundException:
            return None
        description = str(answer.get("Description") or "")
        release = (description.removeprefix(RELEASE_PREFIX)
                   if description.startswith(RELEASE_PREFIX) else None)
        return LiveRelease(name, version, release)
