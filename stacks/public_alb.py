"""``scorer-<env>-public-alb``: the internet-facing ALB, its listeners and service target groups."""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.routing.backend import Backend
from model.routing.listener import PUBLIC, PUBLIC_HTTP_REDIRECT
from model.routing.registry import TargetGroupRegistry
from modules.aws import Construct, LbTargetGroup
from modules.certificates import certificate_arn
from modules.listener_rule import listener, routing_listener
from modules.load_balancer import Ingress, LoadBalancer, ServiceTargetGroups
from modules.network import resolve_network
from stacks.base import EnvironmentStack

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
_ANYWHERE = (("ipv4", {"cidr_ipv4": "0.0.0.0/0"}), ("ipv6", {"cidr_ipv6": "::/0"}))


class PublicAlbStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        services: tuple[Backend, ...],
    ) -> None:
        super().__init__(scope, config, "public-alb")
        network = resolve_network(self, config.network)
        self.load_balancer = LoadBalancer(
            self, config, PUBLIC, network=network, subnet_ids=network.public_subnet_ids,
            description="Public ALB: HTTP and HTTPS from anywhere",
            ingress=[Ingress(f"ingress_{port}_{family}", port, description, **cidr)
                     for port, description in ((80, "HTTP from anywhere, redirected to HTTPS"),
                                               (443, "HTTPS from anywhere"))
                     for family, cidr in _ANYWHERE],
        ).load_balancer
        self.service_target_groups = ServiceTargetGroups(
            self, config, PUBLIC, services=services, vpc_id=network.vpc_id,
            registry=registry).target_groups

        def arn_of(backend: str) -> str:
            return registry.resolve(PUBLIC, backend, used_by="public default action").arn

        listener(self, "http_listener", load_balancer_arn=self.load_balancer.arn, port=80,
                 protocol="HTTP", default_action=PUBLIC_HTTP_REDIRECT, arn_of=arn_of)
        self.https_listener = routing_listener(
            self, "https_listener", PUBLIC,
            load_balancer_arn=self.load_balancer.arn, arn_of=arn_of,
            ssl_policy=TLS_POLICY, certificate_arn=certificate_arn(self, config.certificate))
        self.listener_arn = self.https_listener.arn
