"""Every route of docs/routing.md, in every environment, as synthesized."""

from __future__ import annotations

import re
from typing import Any

import pytest

from model.config import STACK_PARTS
from tests.helpers.spec_routes import (
    SPEC_R,
    SPEC_ROUTES,
    SPEC_RUST_TARGET_GROUPS,
    SPEC_SHARED_RUST_TARGET_GROUPS,
    target_group_address,
)
from tests.helpers.synth import Synthesized

ENVIRONMENTS = tuple(SPEC_R)
_REF = re.compile(r"cross-stack-output-aws_lb_target_group([A-Za-z0-9_]+?)arn\}$")
_LISTENER = re.compile(r"cross-stack-reference-input-scorer-\w+-(public|internal)-alb\.outputs")


def target_group_of(arn_ref: str) -> str:
    """The target group address a cross-stack ARN reference points to."""
    match = _REF.search(arn_ref)
    assert match, f"not a cross-stack target group reference: {arn_ref}"
    return match.group(1)


def rules(synthesized: Synthesized, env: str) -> dict[str, dict[str, Any]]:
    return synthesized[env]["routing"]["resource"]["aws_lb_listener_rule"]


def conditions_of(rule: dict[str, Any]) -> tuple[Any, Any, Any]:
    path = methods = host = None
    for condition in rule["condition"]:
        if "path_pattern" in condition:
            path = condition["path_pattern"]["values"]
        if "http_request_method" in condition:
            methods = condition["http_request_method"]["values"]
        if "host_header" in condition:
            host = condition["host_header"]["values"]
    return path, methods, host


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_spec_route_exists_exactly(synthesized: Synthesized, env: str) -> None:
    found = rules(synthesized, env)
    assert len(found) == len(SPEC_ROUTES)
    r = SPEC_R[env]
    for (listener, priority), (key, path, methods, host, action) in SPEC_ROUTES.items():
        address = key.replace("-", "_")
        assert address in found, f"{env}: no aws_lb_listener_rule.{address}"
        rule = found[address]
        assert rule["priority"] == priority
        assert _LISTENER.search(rule["listener_arn"]).group(1) == listener
        assert conditions_of(rule) == ([path], methods, [host] if host else None)
        (rule_action,) = rule["action"]
        if action[0] == "fixed":
            assert rule_action["type"] == "fixed-response"
            assert rule_action["fixed_response"] == {
                "status_code": action[1], "content_type": action[2], "message_body": action[3]}
        elif action[0] == "forward":
            assert rule_action["type"] == "forward"
            assert target_group_of(rule_action["target_group_arn"]) == target_group_address(
                action[1])
            assert "forward" not in rule_action
        else:
            forward = rule_action["forward"]
            assert [(target_group_of(t["arn"]), t["weight"]) for t in forward["target_group"]] == [
                (target_group_address(action[1]), 100 - r),
                (target_group_address(action[2], key), r),
            ], f"{env} {key}: Python first with 100-R, Rust with R"
            assert forward["stickiness"] == {"enabled": True, "duration": 3600}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_weighted_route_and_only_it_forwards_to_its_own_rust_target_group(
    synthesized: Synthesized, env: str
) -> None:
    """A Rust target group serves one route (and its canary) on that route's listener; no
    rule forwards to the retired shared ones."""
    users: dict[str, set[str]] = {}
    for address, rule in rules(synthesized, env).items():
        (action,) = rule["action"]
        refs = [t["arn"] for t in action.get("forward", {}).get("target_group", [])]
        refs += [action["target_group_arn"]] if "target_group_arn" in action else []
        for group in {target_group_of(ref) for ref in refs}:
            users.setdefault(group, set()).add(address.removesuffix("_canary"))
    own = {name.replace("-", "_"): key.replace("-", "_")
           for key, name in SPEC_RUST_TARGET_GROUPS.items()}
    assert {group: keys for group, keys in users.items() if group.startswith("rs_")} == {
        group: {key} for group, key in own.items()}
    shared = {name.replace("-", "_") for name in SPEC_SHARED_RUST_TARGET_GROUPS.values()}
    assert not shared & set(users)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_only_the_routing_stack_has_listener_rules(synthesized: Synthesized, env: str) -> None:
    for part in STACK_PARTS:
        has_rules = "aws_lb_listener_rule" in synthesized[env][part].get("resource", {})
        assert has_rules == (part == "routing"), f"{env}/{part}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_rule_at_a_legacy_priority(synthesized: Synthesized, env: str) -> None:
    legacy = {
        "public": {*range(1001, 1021), 2000, 2021, 2022, 2023, 2060, 3000, 5010, 5020},
        "internal": {2100, 2101, 2102, 2103, 2202},
    }
    for rule in rules(synthesized, env).values():
        listener = _LISTENER.search(rule["listener_arn"]).group(1)
        assert rule["priority"] not in legacy[listener]
