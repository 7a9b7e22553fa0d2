"""``scorer-<env>-routing``: the one and only set of listener rules, from the route table."""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.listener import Listener
from model.names import terraform_id
from model.registry import TargetGroupRegistry
from model.rollout import effective_routes
from model.route import Route
from modules.aws import Construct, LbTargetGroup
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
        arns: dict[tuple[Listener, str], str] = {}  # one token per target group, reused by rules
        self.rules = {}
        for route in effective_routes(config, routes):
            def arn_of(backend: str, route: Route = route) -> str:
                key = (route.listener, backend)
                if key not in arns:
                    arns[key] = registry.resolve(route.listener, backend, used_by=route.key).arn
                return arns[key]

            self.rules[route.key] = listener_route_rule(
                self, route, listener_arn=listener_arns[route.listener], arn_of=arn_of)
            for old in route.former_keys:  # a rename: the rule moves, it is not replaced
                self.rules[route.key].move_from_id(f"aws_lb_listener_rule.{terraform_id(old)}")
