"""What both load balancer stacks share: the application load balancer with its security
group and access-log bucket, and the container services' target groups.

``LoadBalancer``: a security group (the given ingress, egress into the VPC only), an access
log bucket (private, encrypted, expiring), the ALB (invalid header fields dropped, deletion
protection per environment) and its ``dns_name`` output.
``ServiceTargetGroups``: one target group per container service of a listener, registered
for the routing stack and exported for the services (``<key>_target_group_arn``).
Every resource keeps a short state address (``aws_lb.load_balancer``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from model.config import EnvironmentConfig
from model.names import terraform_id
from model.routing.backend import Backend
from model.routing.listener import Listener
from model.routing.registry import TargetGroupRegistry
from modules.access_logs import AccessLogBucket
from modules.address import addressed
from modules.aws import (
    Construct,
    DataAwsCallerIdentity,
    Lb,
    LbAccessLogs,
    LbTargetGroup,
    SecurityGroup,
    TerraformOutput,
    VpcSecurityGroupEgressRule,
    VpcSecurityGroupIngressRule,
)
from modules.network import ResolvedNetwork
from modules.target_groups import ServiceTargetGroup


@dataclass(frozen=True)
class Ingress:
    """One ingress rule of the load balancer's security group."""

    address: str  # e.g. ingress_443_ipv4
    port: int
    description: str
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None


class LoadBalancer(Construct):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        listener: Listener,
        *,
        network: ResolvedNetwork,
        subnet_ids: list[str],
        description: str,
        ingress: list[Ingress],
    ) -> None:
        super().__init__(scope, f"{listener}-load-balancer")
        security_group = addressed(SecurityGroup(
            self, "security_group",
            name=config.security_group_name(listener),
            description=description,
            vpc_id=network.vpc_id,
        ), "security_group")
        for rule in ingress:
            addressed(VpcSecurityGroupIngressRule(
                self, rule.address,
                security_group_id=security_group.id,
                description=rule.description,
                ip_protocol="tcp", from_port=rule.port, to_port=rule.port,
                **({"cidr_ipv4": rule.cidr_ipv4} if rule.cidr_ipv4 else
                   {"cidr_ipv6": rule.cidr_ipv6}),
            ), rule.address)
        addressed(VpcSecurityGroupEgressRule(
            self, "egress_vpc",
            security_group_id=security_group.id,
            description="to targets inside the VPC",
            ip_protocol="-1", cidr_ipv4=network.vpc_cidr,
        ), "egress_vpc")
        account_id = addressed(DataAwsCallerIdentity(self, "account"), "account").account_id
        logs = AccessLogBucket(
            self,
            name=config.access_log_bucket_name(listener, account_id),
            account_id=account_id,
            retention_days=config.access_log_retention_days,
            # Where the ALB is protected, so are its logs; elsewhere a destroy may empty them.
            force_destroy=not config.deletion_protection,
        )
        self.load_balancer = addressed(Lb(
            self, "load_balancer",
            name=config.load_balancer_name(listener),
            internal=listener.internal,
            load_balancer_type="application",
            security_groups=[security_group.id],
            subnets=subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=config.deletion_protection,
            access_logs=LbAccessLogs(bucket=logs.bucket_name, enabled=True),
            depends_on=[logs.policy],
        ), "load_balancer")
        addressed(TerraformOutput(self, "dns_name", value=self.load_balancer.dns_name),
                  "dns_name")


class ServiceTargetGroups(Construct):
    """``target_groups``: backend key -> target group, for the services of ``listener``."""

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        listener: Listener,
        *,
        services: tuple[Backend, ...],
        vpc_id: str,
        registry: TargetGroupRegistry[LbTargetGroup],
    ) -> None:
        super().__init__(scope, f"{listener}-services")
        self.target_groups: dict[str, LbTargetGroup] = {}
        for backend in services:
            if backend.listener != listener:
                continue
            target_group = ServiceTargetGroup(
                self, backend,
                name=config.target_group_name(backend.target_group),
                vpc_id=vpc_id,
                registry=registry,
            ).target_group
            self.target_groups[backend.key] = target_group
            output = f"{terraform_id(backend.key)}_target_group_arn"
            addressed(TerraformOutput(
                self, output, value=target_group.arn,
                description=f"target group of the {backend.key} container service"), output)
