"""Target groups: one construct per kind, each registering itself in the registry."""

from __future__ import annotations

from model.names import terraform_id
from model.routing.backend import Backend
from model.routing.registry import TargetGroupRegistry
from modules.address import addressed
from modules.aws import (
    Construct,
    LambdaPermission,
    LbTargetGroup,
    LbTargetGroupAttachment,
    LbTargetGroupHealthCheck,
)


class LambdaTargetGroup(Construct):
    """A Lambda target group, the invoke permission for it, and the attachment (after it).

    ``function_arn`` is what the target group invokes: a released function's alias (its
    qualified ARN, with ``qualifier`` the alias name: the permission is the alias's), so a
    new release moves every target group of the function at once, through a deploy.

    State addresses carry the target group's base name, e.g.
    ``aws_lb_target_group.l_passport_v2_rust_scorer_int``.
    """

    def __init__(
        self,
        scope: Construct,
        backend: Backend,
        *,
        name: str,
        function_name: str,
        function_arn: str,
        registry: TargetGroupRegistry[LbTargetGroup],
        qualifier: str | None = None,
    ) -> None:
        super().__init__(scope, f"target-group-{backend.target_group}")
        address = terraform_id(backend.target_group)
        self.target_group = addressed(LbTargetGroup(
            self, "target-group",
            name=name,
            target_type="lambda",
            lambda_multi_value_headers_enabled=False,
            # No health_check block: Lambda target groups have health checks off by default,
            # and the block's default protocol is refused for target type lambda.
        ), address)
        arn = self.target_group.arn
        permission = addressed(LambdaPermission(
            self, "permission",
            statement_id=f"AllowInvokeFrom-{name}",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="elasticloadbalancing.amazonaws.com",
            source_arn=arn,
            qualifier=qualifier,
        ), address)
        addressed(LbTargetGroupAttachment(
            self, "attachment",
            target_group_arn=arn,
            target_id=function_arn,
            depends_on=[permission],
        ), address)
        registry.register(backend.listener, backend.key, self.target_group)


class ServiceTargetGroup(Construct):
    """The target group of a container service (IP targets on :80, health check /health/).

    The services register their tasks themselves; the stack exports the ARN for them.
    """

    def __init__(
        self,
        scope: Construct,
        backend: Backend,
        *,
        name: str,
        vpc_id: str,
        registry: TargetGroupRegistry[LbTargetGroup],
    ) -> None:
        super().__init__(scope, f"target-group-{backend.target_group}")
        self.target_group = addressed(LbTargetGroup(
            self, "target-group",
            name=name,
            target_type="ip",
            port=80,
            protocol="HTTP",
            vpc_id=vpc_id,
            health_check=LbTargetGroupHealthCheck(
                enabled=True, path="/health/", protocol="HTTP", unhealthy_threshold=5
            ),
        ), terraform_id(backend.target_group))
        registry.register(backend.listener, backend.key, self.target_group)
