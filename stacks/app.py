"""Compose the stacks of each environment (``model.config.STACK_PARTS``), after validating the
whole model."""

from __future__ import annotations

from dataclasses import dataclass

from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.function_spec import FunctionSpec
from model.rollout.controls import effective_functions, kept_backends
from model.routing.backend import Backend
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.registry import TargetGroupRegistry
from model.routing.route import Route
from modules.aws import Construct, LbTargetGroup
from modules.provider import type_hints_cached
from stacks.internal_alb import InternalAlbStack
from stacks.lambdas import LambdaStack
from stacks.monitoring import MonitoringStack
from stacks.public_alb import PublicAlbStack
from stacks.rollout import RolloutStack
from stacks.routing import RoutingStack


@dataclass
class EnvironmentStacks:
    config: EnvironmentConfig
    registry: TargetGroupRegistry[LbTargetGroup]
    public_alb: PublicAlbStack
    internal_alb: InternalAlbStack
    lambdas: LambdaStack
    rollout: RolloutStack
    routing: RoutingStack
    monitoring: MonitoringStack

    def all(self) -> list:
        """In the order of ``STACK_PARTS``."""
        return [self.public_alb, self.internal_alb, self.lambdas, self.rollout, self.routing,
                self.monitoring]


def build_validated(
    scope: Construct,
    configs: list[EnvironmentConfig],
    routes: tuple[Route, ...] = ROUTES,
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
    services: tuple[Backend, ...] = SERVICE_BACKENDS,
) -> dict[str, EnvironmentStacks]:
    """Every environment's stacks in ``scope`` (the App), for a model that
    ``model.validation.validate`` has accepted (main.py validates before cdktf loads).
    Raises RegistryError (a ConfigurationError) if a backend cannot be resolved."""
    with type_hints_cached():
        return {c.name: build_environment(scope, c, routes, functions, services)
                for c in configs}


def build_environment(
    scope: Construct,
    config: EnvironmentConfig,
    routes: tuple[Route, ...],
    functions: tuple[FunctionSpec, ...],
    services: tuple[Backend, ...],
) -> EnvironmentStacks:
    registry: TargetGroupRegistry[LbTargetGroup] = TargetGroupRegistry(config.name)
    functions = effective_functions(config, functions)  # the Rust target groups' layout
    public_alb = PublicAlbStack(scope, config, registry, services)
    internal_alb = InternalAlbStack(scope, config, registry, services)
    lambdas = LambdaStack(scope, config, registry, functions, kept=kept_backends(config))
    rollout = RolloutStack(scope, config)
    routing = RoutingStack(
        scope, config, registry, routes,
        listener_arns={PUBLIC: public_alb.listener_arn, INTERNAL: internal_alb.listener_arn},
    )
    monitoring = MonitoringStack(
        scope, config, registry, functions, services, routes,
        load_balancer_arn_suffixes={PUBLIC: public_alb.load_balancer.arn_suffix,
                                    INTERNAL: internal_alb.load_balancer_arn_suffix},
        listener_arns={PUBLIC: public_alb.listener_arn, INTERNAL: internal_alb.listener_arn},
    )
    # Both read the rollout table by its name, not through a cross-stack reference: the
    # dependency tells cdktf's own deploy the order (the deploy driver's is STACK_DEPENDENCIES).
    routing.add_dependency(rollout)
    monitoring.add_dependency(rollout)
    return EnvironmentStacks(config, registry, public_alb, internal_alb, lambdas, rollout,
                             routing, monitoring)
