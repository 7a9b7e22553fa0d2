"""The rollout state store: one document per environment in SSM Parameter Store
(``/scorer/<env>/rust-rollout``, created by the routing stack), whose version history is the
audit trail. The document itself is ``model.rollout.state.RolloutState`` (its one codec)."""

from __future__ import annotations

from typing import Any

from model.config import EnvironmentConfig
from model.rollout.state import RolloutError, RolloutState, parameter_name
from ops.adapters.clients import SsmClient


class RolloutStore:
    """The persisted rollout state of environments, through one SSM client."""

    def __init__(self, ssm: SsmClient) -> None:
        self.ssm = ssm

    def read(self, config: EnvironmentConfig) -> RolloutState | None:
        """The persisted state, or None when the routing stack has not created it yet."""
        return self.read_name(parameter_name(config))

    def read_name(self, name: str) -> RolloutState | None:
        try:
            value = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return None
        return RolloutState.from_json(value)

    def require(self, config: EnvironmentConfig) -> RolloutState:
        state = self.read(config)
        if state is None:
            raise RolloutError(f"no rollout state {parameter_name(config)}: deploy the routing "
                               f"stack of {config.name} first (it creates the state)")
        return state

    def write(self, config: EnvironmentConfig, state: RolloutState) -> None:
        self.write_name(parameter_name(config), state)

    def write_name(self, name: str, state: RolloutState) -> None:
        """A new version of the persisted state (SSM keeps every version: the history)."""
        self.ssm.put_parameter(Name=name, Value=state.to_json(), Type="String", Overwrite=True)

    def versions(self, config: EnvironmentConfig) -> list[dict[str, Any]]:
        """Every stored version, oldest first (``Version``, ``Value``, ``LastModifiedDate``,
        ``LastModifiedUser``)."""
        versions: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.ssm.get_parameter_history(
                Name=parameter_name(config), **({"NextToken": token} if token else {}))
            versions += page["Parameters"]
            token = page.get("NextToken")
            if not token:
                return sorted(versions, key=lambda v: v["Version"])
