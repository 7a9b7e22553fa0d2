"""``scorer-<env>-internal-alb``: the internal ALB and its HTTP listener, or an adopted listener."""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.routing.backend import Backend
from model.routing.listener import INTERNAL
from model.routing.registry import TargetGroupRegistry
from modules.aws import Construct, DataAwsLb, DataAwsLbListener, LbTargetGroup
from modules.listener_rule import routing_listener
from modules.load_balancer import Ingress, LoadBalancer, ServiceTargetGroups
from modules.network import resolve_network
from stacks.base import EnvironmentStack


class InternalAlbStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        services: tuple[Backend, ...],
    ) -> None:
        super().__init__(scope, config, "internal-alb")
        network = resolve_network(self, config.network)
        adopted = config.adopt_internal_listener
        if adopted is not None:
            # A shared listener other teams also put rules on: reference it, create no ALB.
            listener = DataAwsLbListener(self, "http_listener", arn=adopted.arn)
            self.listener_arn = listener.arn
            self.load_balancer_arn_suffix = DataAwsLb(
                self, "load_balancer", arn=listener.load_balancer_arn).arn_suffix
        else:
            load_balancer = LoadBalancer(
                self, config, INTERNAL, network=network, subnet_ids=network.private_subnet_ids,
                description="Internal ALB: HTTP from inside the VPC only",
                ingress=[Ingress("ingress_80_vpc", 80,
                                 "HTTP from inside the VPC (services and the embed API)",
                                 cidr_ipv4=network.vpc_cidr)],
            ).load_balancer
            self.listener_arn = routing_listener(
                self, "http_listener", INTERNAL, load_balancer_arn=load_balancer.arn,
                arn_of=lambda backend: registry.resolve(
                    INTERNAL, backend, used_by="internal default action").arn,
            ).arn
            self.load_balancer_arn_suffix = load_balancer.arn_suffix
        ServiceTargetGroups(self, config, INTERNAL, services=services, vpc_id=network.vpc_id,
                            registry=registry)
