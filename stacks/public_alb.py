"""``scorer-<env>-public-alb``: the internet-facing ALB, its listeners and service target groups."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from modules.aws import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionRedirect,
    LbTargetGroup,
    SecurityGroup,
    VpcSecurityGroupEgressRule,
    VpcSecurityGroupIngressRule,
)
from modules.backend import Backend
from modules.names import terraform_id
from modules.registry import TargetGroupRegistry
from modules.target_groups import ServiceTargetGroup
from stacks.base import EnvironmentStack
from stacks.certificates import certificate_arn
from stacks.config import EnvironmentConfig
from stacks.load_balancer import application_load_balancer
from stacks.network import resolve_network
from stacks.route_table import PUBLIC_DEFAULT_BACKEND

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


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
        name = config.load_balancer_name("public")

        security_group = SecurityGroup(
            self, "security_group",
            name=f"{name}-alb",
            description="Public ALB: HTTP and HTTPS from anywhere",
            vpc_id=network.vpc_id,
        )
        for port in (80, 443):
            for family, cidr in (("ipv4", "0.0.0.0/0"), ("ipv6", "::/0")):
                VpcSecurityGroupIngressRule(
                    self, f"ingress_{port}_{family}",
                    security_group_id=security_group.id,
                    description=("HTTP from anywhere, redirected to HTTPS" if port == 80
                                 else "HTTPS from anywhere"),
                    ip_protocol="tcp", from_port=port, to_port=port,
                    **({"cidr_ipv4": cidr} if family == "ipv4" else {"cidr_ipv6": cidr}),
                )
        VpcSecurityGroupEgressRule(
            self, "egress_vpc",
            security_group_id=security_group.id,
            description="to targets inside the VPC",
            ip_protocol="-1", cidr_ipv4=network.vpc_cidr,
        )

        self.load_balancer = application_load_balancer(
            self, "public", security_group_id=security_group.id,
            subnet_ids=network.public_subnet_ids)

        self.service_target_groups = {
            backend.key: ServiceTargetGroup(
                self, backend,
                name=config.target_group_name(backend.target_group),
                vpc_id=network.vpc_id,
                registry=registry,
            ).target_group
            for backend in services if backend.load_balancer == "public"
        }

        LbListener(
            self, "http_listener",
            load_balancer_arn=self.load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_action=[LbListenerDefaultAction(
                type="redirect",
                redirect=LbListenerDefaultActionRedirect(
                    port="443", protocol="HTTPS", status_code="HTTP_301"),
            )],
        )
        self.https_listener = LbListener(
            self, "https_listener",
            load_balancer_arn=self.load_balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn(self, config.certificate),
            default_action=[LbListenerDefaultAction(
                type="forward",
                target_group_arn=registry.resolve(
                    "public", PUBLIC_DEFAULT_BACKEND, used_by="public default action").arn,
            )],
        )
        self.listener_arn = self.https_listener.arn
        for key, target_group in self.service_target_groups.items():
            TerraformOutput(self, f"{terraform_id(key)}_target_group_arn", value=target_group.arn,
                            description=f"target group of the {key} container service")
        TerraformOutput(self, "dns_name", value=self.load_balancer.dns_name)
