"""Listener rules and listeners from the model's values, with the provider's typed structs.

``ActionBlocks`` is the constructs' side of ``model.routing.actions.ActionRenderer``: it builds
one family of provider structs (a rule's action or a listener's default action, which have the
same shape under different class names), so every action renders itself the same way in
both places; ``ConditionBlocks`` is their side of ``ConditionRenderer``. The ELBv2 API's
side of both is ``ops/adapters/alb.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.names import terraform_id
from model.routing.actions import Action, ArnOf
from model.routing.listener import Listener
from model.routing.route import Route
from modules.aws import (
    Construct,
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionFixedResponse,
    LbListenerDefaultActionForward,
    LbListenerDefaultActionForwardStickiness,
    LbListenerDefaultActionForwardTargetGroup,
    LbListenerDefaultActionRedirect,
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleActionFixedResponse,
    LbListenerRuleActionForward,
    LbListenerRuleActionForwardStickiness,
    LbListenerRuleActionForwardTargetGroup,
    LbListenerRuleActionRedirect,
    LbListenerRuleCondition,
    LbListenerRuleConditionHostHeader,
    LbListenerRuleConditionHttpHeader,
    LbListenerRuleConditionHttpRequestMethod,
    LbListenerRuleConditionPathPattern,
    TerraformResourceLifecycle,
)


@dataclass(frozen=True)
class ActionBlocks:
    """The struct classes of one action family; renders any model action into them."""

    action: Any
    fixed: Any
    forward_config: Any
    stickiness: Any
    target_group: Any
    redirect_config: Any

    def forward(self, target_group_arn: str) -> Any:
        return self.action(type="forward", target_group_arn=target_group_arn)

    def weighted_forward(self, targets: list[tuple[str, int]], sticky: bool,
                         duration_s: int) -> Any:
        return self.action(type="forward", forward=self.forward_config(
            target_group=[self.target_group(arn=arn, weight=weight) for arn, weight in targets],
            stickiness=self.stickiness(enabled=sticky, duration=duration_s)))

    def fixed_response(self, status_code: int, content_type: str, body: str) -> Any:
        return self.action(type="fixed-response", fixed_response=self.fixed(
            content_type=content_type, message_body=body, status_code=str(status_code)))

    def redirect(self, port: int, protocol: str, status_code: str) -> Any:
        return self.action(type="redirect", redirect=self.redirect_config(
            port=str(port), protocol=protocol, status_code=status_code))


RULE_ACTIONS = ActionBlocks(
    LbListenerRuleAction, LbListenerRuleActionFixedResponse, LbListenerRuleActionForward,
    LbListenerRuleActionForwardStickiness, LbListenerRuleActionForwardTargetGroup,
    LbListenerRuleActionRedirect)
DEFAULT_ACTIONS = ActionBlocks(
    LbListenerDefaultAction, LbListenerDefaultActionFixedResponse,
    LbListenerDefaultActionForward, LbListenerDefaultActionForwardStickiness,
    LbListenerDefaultActionForwardTargetGroup, LbListenerDefaultActionRedirect)


def listener_route_rule(stack: Construct, route: Route, *, listener_arn: str,
                        arn_of: ArnOf,
                        lifecycle: TerraformResourceLifecycle | None = None) -> LbListenerRule:
    """``aws_lb_listener_rule.<route key with underscores>`` for one route.

    The rule is a direct child of the stack with the address as its id, so its logical id
    is the address itself (no nesting, no hash, no override).
    """
    return LbListenerRule(
        stack, terraform_id(route.key),
        listener_arn=listener_arn,
        priority=route.priority,
        condition=route.conditions.render(RULE_CONDITIONS),
        action=[route.action.render(RULE_ACTIONS, arn_of)],
        tags={"Route": route.key},
        lifecycle=lifecycle,
    )


def listener(scope: Construct, address: str, *, load_balancer_arn: str, port: int,
             protocol: str, default_action: Action, arn_of: ArnOf,
             **tls: str) -> LbListener:
    """A listener whose default action renders itself; ``tls``: certificate and policy."""
    return LbListener(
        scope, address,
        load_balancer_arn=load_balancer_arn,
        port=port,
        protocol=protocol,
        default_action=[default_action.render(DEFAULT_ACTIONS, arn_of)],
        **tls,
    )


def routing_listener(scope: Construct, address: str, routing: Listener, *,
                     load_balancer_arn: str, arn_of: ArnOf, **tls: str) -> LbListener:
    """The listener the routing stack puts rules on, from its ``Listener`` value."""
    return listener(scope, address, load_balancer_arn=load_balancer_arn, port=routing.port,
                    protocol=routing.protocol, default_action=routing.default_action,
                    arn_of=arn_of, **tls)


class ConditionBlocks:
    """The constructs' side of ``model.routing.conditions.ConditionRenderer``."""

    def path_pattern(self, values: list[str]) -> LbListenerRuleCondition:
        return LbListenerRuleCondition(
            path_pattern=LbListenerRuleConditionPathPattern(values=values))

    def http_request_method(self, values: list[str]) -> LbListenerRuleCondition:
        return LbListenerRuleCondition(
            http_request_method=LbListenerRuleConditionHttpRequestMethod(values=values))

    def host_header(self, values: list[str]) -> LbListenerRuleCondition:
        return LbListenerRuleCondition(
            host_header=LbListenerRuleConditionHostHeader(values=values))

    def http_header(self, name: str, values: list[str]) -> LbListenerRuleCondition:
        return LbListenerRuleCondition(
            http_header=LbListenerRuleConditionHttpHeader(http_header_name=name, values=values))


RULE_CONDITIONS = ConditionBlocks()
