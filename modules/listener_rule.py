"""One ALB listener rule from one route, with the provider's typed structs."""

from __future__ import annotations

from collections.abc import Callable

from constructs import Construct

from modules.aws import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleActionFixedResponse,
    LbListenerRuleActionForward,
    LbListenerRuleActionForwardStickiness,
    LbListenerRuleActionForwardTargetGroup,
    LbListenerRuleCondition,
    LbListenerRuleConditionHostHeader,
    LbListenerRuleConditionHttpHeader,
    LbListenerRuleConditionHttpRequestMethod,
    LbListenerRuleConditionPathPattern,
)
from modules.names import terraform_id
from modules.route import Conditions, FixedResponse, Forward, Route, WeightedForward

# Turns a backend key into its target group ARN (the registry, for the rule's load balancer).
ArnOf = Callable[[str], str]


def listener_route_rule(
    stack: Construct,
    route: Route,
    *,
    listener_arn: str,
    rust_percent: int,
    arn_of: ArnOf,
) -> LbListenerRule:
    """``aws_lb_listener_rule.<route key with underscores>`` for one route.

    The rule is a direct child of the stack with the address as its id, so its logical id
    is the address itself (no nesting, no hash, no override).
    """
    return LbListenerRule(
        stack, terraform_id(route.key),
        listener_arn=listener_arn,
        priority=route.priority,
        condition=_conditions(route.conditions),
        action=[_action(route, rust_percent, arn_of)],
        tags={"Route": route.key},
    )


def _conditions(conditions: Conditions) -> list[LbListenerRuleCondition]:
    found = []
    if conditions.paths:
        found.append(LbListenerRuleCondition(
            path_pattern=LbListenerRuleConditionPathPattern(values=list(conditions.paths))))
    if conditions.methods:
        found.append(LbListenerRuleCondition(
            http_request_method=LbListenerRuleConditionHttpRequestMethod(
                values=list(conditions.methods))))
    if conditions.hosts:
        found.append(LbListenerRuleCondition(
            host_header=LbListenerRuleConditionHostHeader(values=list(conditions.hosts))))
    for name, values in conditions.headers:
        found.append(LbListenerRuleCondition(
            http_header=LbListenerRuleConditionHttpHeader(
                http_header_name=name, values=list(values))))
    return found


def _action(route: Route, rust_percent: int, arn_of: ArnOf) -> LbListenerRuleAction:
    action = route.action
    if isinstance(action, FixedResponse):
        return LbListenerRuleAction(
            type="fixed-response",
            fixed_response=LbListenerRuleActionFixedResponse(
                content_type=action.content_type,
                message_body=action.body,
                status_code=str(action.status_code),
            ),
        )
    if isinstance(action, Forward):
        return LbListenerRuleAction(type="forward", target_group_arn=arn_of(action.backend))
    assert isinstance(action, WeightedForward)
    return LbListenerRuleAction(
        type="forward",
        forward=LbListenerRuleActionForward(
            target_group=[
                LbListenerRuleActionForwardTargetGroup(arn=arn_of(t.backend), weight=t.weight)
                for t in action.targets(rust_percent)
            ],
            stickiness=LbListenerRuleActionForwardStickiness(
                enabled=action.sticky, duration=action.stickiness_seconds
            ),
        ),
    )
