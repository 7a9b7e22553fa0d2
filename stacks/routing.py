"""``scorer-<env>-routing``: the one and only set of listener rules, from the route table, and
the environment's persisted rollout state (docs/rollout.md).

The rollout state (``aws_ssm_parameter.rust_rollout``) is created with the environment's R;
after that the ``rollout`` commands own its value (Terraform ignores changes to it). Every
weighted rule carries a precondition: the R and emergency flag this deploy would set must be
the persisted ones, so no deploy (``cdktf deploy``, ``terraform apply`` of the JSON, a CI job)
moves traffic without a recorded transition; the deploy driver synthesizes with the persisted
state, so its deploys keep the live weights.
"""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.names import terraform_id
from model.rollout.controls import effective_routes
from model.rollout.state import Pin, RolloutState, initial_state, parameter_name
from model.routing.listener import Listener
from model.routing.registry import TargetGroupRegistry
from model.routing.route import Route
from modules.aws import (
    Construct,
    LbTargetGroup,
    Precondition,
    SsmParameter,
    TerraformResourceLifecycle,
)
from modules.listener_rule import listener_route_rule
from stacks.base import EnvironmentStack


class RoutingStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        routes: tuple[Route, ...],
        listener_arns: dict[Listener, str],
    ) -> None:
        super().__init__(scope, config, "routing")
        self.rollout_state = SsmParameter(
            self, "rust_rollout",
            name=parameter_name(config), type="String",
            description="Rust rollout state; written by the rollout commands (docs/rollout.md)",
            # insecure_value: a String parameter's value, not marked sensitive, so that the
            # rules' preconditions can say in their messages what the state holds
            insecure_value=initial_state(config, routes).to_json(),
            lifecycle=TerraformResourceLifecycle(ignore_changes=["insecure_value"]),
        )
        arns: dict[tuple[Listener, str], str] = {}  # one token per target group, reused by rules
        self.rules = {}
        for route in effective_routes(config, routes):
            def arn_of(backend: str, route: Route = route) -> str:
                key = (route.listener, backend)
                if key not in arns:
                    arns[key] = registry.resolve(route.listener, backend, used_by=route.key).arn
                return arns[key]

            self.rules[route.key] = listener_route_rule(
                self, route, listener_arn=listener_arns[route.listener], arn_of=arn_of,
                lifecycle=self._persisted(config, route) if route.action.weighted else None)
            for old in route.former_keys:  # a rename: the rule moves, it is not replaced
                self.rules[route.key].move_from_id(f"aws_lb_listener_rule.{terraform_id(old)}")

    def _persisted(self, config: EnvironmentConfig, route: Route) -> TerraformResourceLifecycle:
        """The precondition that this rule's R and emergency flag are the persisted ones, from
        the codec's pins (``RolloutState.deploy_pins``)."""
        document = f"jsondecode({self.rollout_state.fqn}.insecure_value)"
        pins = RolloutState.deploy_pins(config, route.key)

        def held(pin: Pin) -> str:
            key = f'["{pin.key}"]' if pin.key is not None else ""
            return f'try({document}.{pin.field}{key}, "none")'

        def literal(value: int | bool) -> str:
            return str(value).lower() if isinstance(value, bool) else str(value)

        r, emergency = pins
        condition = " && ".join(f"{held(pin)} == {literal(pin.value)}" for pin in pins)
        return TerraformResourceLifecycle(precondition=[Precondition(
            condition=f"${{{condition}}}",
            error_message=(
                f"The rollout state {parameter_name(config)} holds R=${{{held(r)}}} (emergency "
                f"${{{held(emergency)}}}) for route {route.key}; this deploy would set "
                f"R={literal(r.value)} (emergency {literal(emergency.value)}). Change the "
                f"rollout with the rollout command (pipenv run rollout ... --env "
                f"{config.name}), or deploy with the deploy driver (pipenv run deploy --env "
                f"{config.name}), which keeps the persisted weights."),
        )])
