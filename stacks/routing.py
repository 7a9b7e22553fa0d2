"""``scorer-<env>-routing``: the one and only set of listener rules, from the route table."""

from __future__ import annotations

from constructs import Construct

from modules.aws import LbTargetGroup
from modules.listener_rule import ListenerRouteRule
from modules.registry import TargetGroupRegistry
from modules.route import ListenerName, Route
from stacks.base import EnvironmentStack
from stacks.config import EnvironmentConfig


class RoutingStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        routes: tuple[Route, ...],
        listener_arns: dict[ListenerName, str],
    ) -> None:
        super().__init__(scope, config, "routing")
        self.rules = {}
        for route in routes:
            def arn_of(backend: str, route: Route = route) -> str:
                return registry.resolve(route.listener, backend, used_by=route.key).arn

            self.rules[route.key] = ListenerRouteRule(
                self, route,
                listener_arn=listener_arns[route.listener],
                rust_percent=config.rust_percent,
                arn_of=arn_of,
            ).rule
