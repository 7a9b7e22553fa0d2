"""Rust weight 0 and stickiness off on listener rules, from ``describe_rules`` entries.

Shared by the abort function (``handler.py``, in Lambda) and the operators' Terraform-free
emergency rollback (``ops/guard.py``): plain dictionaries in, ELBv2 calls out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def target_group_name(arn: str) -> str:
    """``arn:...:targetgroup/<name>/<id>`` -> ``<name>``."""
    return arn.split(":targetgroup/")[1].split("/")[0]


def roll_back(client: Any, listener_arn: str, rust: set[str],
              python_of: Callable[[dict[str, Any]], str | None]) -> list[str]:
    """Every rule of one listener that forwards to a target group named in ``rust``: Rust
    weight 0 and stickiness off; a rule that forwards to Rust alone forwards to
    ``python_of(rule)`` (a target group ARN) instead, or is deleted when that is None. One
    line per rule changed."""
    lines = []
    for rule in listener_rules(client, listener_arn):
        (action,) = rule["Actions"]
        forward = action.get("ForwardConfig") or {}
        groups = forward.get("TargetGroups") or (
            [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
            if action.get("TargetGroupArn") else [])
        to_rust = [g for g in groups if target_group_name(g["TargetGroupArn"]) in rust]
        if not to_rust:
            continue
        others = [g for g in groups if g not in to_rust]
        place = f"{rule['Priority']}"
        if others:
            weights = [{"TargetGroupArn": others[0]["TargetGroupArn"], "Weight": 100},
                       *({"TargetGroupArn": g["TargetGroupArn"], "Weight": 0}
                         for g in [*others[1:], *to_rust])]
            duration = forward.get("TargetGroupStickinessConfig", {}).get("DurationSeconds",
                                                                          3600)
            client.modify_rule(RuleArn=rule["RuleArn"], Actions=[{
                "Type": "forward", "ForwardConfig": {
                    "TargetGroups": weights,
                    "TargetGroupStickinessConfig": {"Enabled": False,
                                                    "DurationSeconds": duration}}}])
            lines.append(f"rust 0      {place}: "
                         f"{target_group_name(others[0]['TargetGroupArn'])}=100, "
                         f"{target_group_name(to_rust[0]['TargetGroupArn'])}=0, not sticky")
            continue
        python = python_of(rule)
        if python:
            client.modify_rule(RuleArn=rule["RuleArn"], Actions=[
                {"Type": "forward", "TargetGroupArn": python}])
            lines.append(f"to python   {place}: forwarded to Rust alone, now to "
                         f"{target_group_name(python)}")
        else:
            client.delete_rule(RuleArn=rule["RuleArn"])
            lines.append(f"deleted     {place}: forwarded to Rust alone, no route owns it")
    return lines


def listener_rules(client: Any, listener_arn: str) -> list[dict[str, Any]]:
    """Every rule of one listener but its default rule, all pages."""
    rules: list[dict[str, Any]] = []
    marker = None
    while True:
        page = client.describe_rules(ListenerArn=listener_arn,
                                     **({"Marker": marker} if marker else {}))
        rules += [r for r in page["Rules"] if not r.get("IsDefault")]
        marker = page.get("NextMarker")
        if not marker:
            return rules
