"""``scorer-<env>-internal-alb``: the internal ALB and its HTTP listener, or an adopted listener."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from modules.aws import (
    DataAwsLb,
    DataAwsLbListener,
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionFixedResponse,
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
from stacks.config import EnvironmentConfig
from stacks.load_balancer import application_load_balancer
from stacks.network import ResolvedNetwork, resolve_network
from stacks.route_table import INTERNAL_DEFAULT_RESPONSE


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
            self.listener_arn = self._create_load_balancer(config, network)

        for backend in services:
            if backend.load_balancer != "internal":
                continue
            target_group = ServiceTargetGroup(
                self, backend,
                name=config.target_group_name(backend.target_group),
                vpc_id=network.vpc_id,
                registry=registry,
            ).target_group
            TerraformOutput(self, f"{terraform_id(backend.key)}_target_group_arn",
                            value=target_group.arn,
                            description=f"target group of the {backend.key} container service")

    def _create_load_balancer(self, config: EnvironmentConfig, network: ResolvedNetwork) -> str:
        name = config.load_balancer_name("internal")
        security_group = SecurityGroup(
            self, "security_group",
            name=f"{name}-alb",
            description="Internal ALB: HTTP from inside the VPC only",
            vpc_id=network.vpc_id,
        )
        VpcSecurityGroupIngressRule(
            self, "ingress_80_vpc",
            security_group_id=security_group.id,
            description="HTTP from inside the VPC (services and the embed API)",
            ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv4=network.vpc_cidr,
        )
        VpcSecurityGroupEgressRule(
            self, "egress_vpc",
            security_group_id=security_group.id,
            description="to targets inside the VPC",
            ip_protocol="-1", cidr_ipv4=network.vpc_cidr,
        )
        self.load_balancer = application_load_balancer(
            self, "internal", security_group_id=security_group.id,
            subnet_ids=network.private_subnet_ids)
        response = INTERNAL_DEFAULT_RESPONSE
        listener = LbListener(
            self, "http_listener",
            load_balancer_arn=self.load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_action=[LbListenerDefaultAction(
                type="fixed-response",
                fixed_response=LbListenerDefaultActionFixedResponse(
                    content_type=response.content_type,
                    message_body=response.body,
                    status_code=str(response.status_code),
                ),
            )],
        )
        TerraformOutput(self, "dns_name", value=self.load_balancer.dns_name)
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        return listener.arn
