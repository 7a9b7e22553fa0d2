"""``scorer-<env>-routing``: the one and only set of listener rules, from the route table, and
the environment's persisted rollout state (docs/rollout.md).

The rollout state lives in the rollout stack's DynamoDB table
(``EnvironmentConfig.rollout_table_name``); this stack reads its head item
(``data.aws_dynamodb_table_item.rollout_state``). Every weighted rule carries a precondition:
the R this deploy would set is at most the recorded R of its route (a deploy may keep or
lower Rust, never raise it), and while the record says emergency, or records the rule's route
aborted, the deploy keeps stickiness off. So no deploy (``cdktf deploy``, ``terraform
apply`` of the JSON, a CI job) moves traffic towards Rust without a recorded transition; the
deploy driver synthesizes with the persisted state, so its deploys keep the live weights. A
missing head item or route fails the precondition too.
"""

from __future__ import annotations

import json

from model.config import EnvironmentConfig
from model.names import terraform_id
from model.rollout.controls import ABORT_MARK_TAG, effective_routes
from model.rollout.state import DOCUMENT, Pin, RolloutState, head_key
from model.routing.listener import Listener
from model.routing.registry import TargetGroupRegistry
from model.routing.route import Route
from modules.aws import (
    Construct,
    DataAwsDynamodbTableItem,
    LbTargetGroup,
    Precondition,
    TerraformResourceLifecycle,
)
from modules.listener_rule import listener_route_rule
from stacks.base import EnvironmentStack

# Every rule ignores the abort mark's tag: an apply never erases an abort the state does not
# hold yet (the controller records it from the mark).
MARK_IGNORED = f'tags["{ABORT_MARK_TAG}"]'


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
        self.rollout_state = DataAwsDynamodbTableItem(
            self, "rollout_state",
            table_name=config.rollout_table_name(), key=json.dumps(head_key()))
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
                lifecycle=self._persisted(config, route) if route.action.weighted else
                TerraformResourceLifecycle(ignore_changes=[MARK_IGNORED]))
            for old in route.former_keys:  # a rename: the rule moves, it is not replaced
                self.rules[route.key].move_from_id(f"aws_lb_listener_rule.{terraform_id(old)}")

    def _persisted(self, config: EnvironmentConfig, route: Route) -> TerraformResourceLifecycle:
        """The precondition that this rule keeps or lowers its route's recorded R and keeps
        stickiness off while the record says emergency, from the codec's pins
        (``RolloutState.deploy_pins``). Anything missing (the head item, the document, the
        route in it) or of the wrong type fails it: each comparison is inside ``try``."""
        document = f"jsondecode(jsondecode({self.rollout_state.fqn}.item).{DOCUMENT}.S)"
        pins = RolloutState.deploy_pins(config, route.key)

        def recorded(pin: Pin) -> str:
            if pin.field == "aborted_routes":  # a list: older documents do not hold it
                return f'contains(try({document}.{pin.field}, []), "{pin.key}")'
            key = f'["{pin.key}"]' if pin.key is not None else ""
            return f"{document}.{pin.field}{key}"

        def allowed(pin: Pin) -> str:
            value, held = literal(pin.value), recorded(pin)
            if isinstance(pin.value, bool):  # False < True
                check = (f"!{held} || {value}" if pin.kind == "at_least"
                         else f"{held} || !{value}")
            else:
                check = f"{held} >= {value}" if pin.kind == "at_most" else f"{held} <= {value}"
            return f"try({check}, false)"

        def shown(pin: Pin) -> str:
            return f'${{try(tostring({recorded(pin)}), "nothing")}}'

        def literal(value: int | bool) -> str:
            return str(value).lower() if isinstance(value, bool) else str(value)

        r, emergency, aborted = pins
        table = config.rollout_table_name()
        condition = " && ".join(allowed(pin) for pin in pins)
        return TerraformResourceLifecycle(ignore_changes=[MARK_IGNORED],
                                          precondition=[Precondition(
            condition=f"${{{condition}}}",
            error_message=(
                f"The rollout state (DynamoDB table {table}, head item) records "
                f"R={shown(r)} (emergency {shown(emergency)}) for route {route.key}, aborted "
                f"{shown(aborted)}; this deploy would set R={literal(r.value)} (emergency "
                f"{literal(emergency.value)}), aborted {literal(aborted.value)}. "
                "A deploy may keep or lower a route's R, never raise it, and may not turn "
                "stickiness back on while the record says emergency or the route aborted "
                "(R=nothing: no head item, or the route is not in it). Change the rollout "
                "with the rollout "
                f"command (pipenv run rollout ... --env {config.name}), or deploy with the "
                f"deploy driver (pipenv run deploy --env {config.name}), which records the "
                "state first and keeps the persisted weights."),
        )])
