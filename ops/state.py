"""Listener rules read back from Terraform state: a ``.tfstate`` file or the output of
``terraform show -json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ops.route_view import RuleView, target_group_name


def _resources(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(resource name, attributes) of every aws_lb_listener_rule in either format."""
    found = []
    if "resources" in document:  # a .tfstate file
        for resource in document["resources"]:
            if resource.get("type") == "aws_lb_listener_rule" and resource.get("mode") == "managed":
                found += [(resource["name"], i["attributes"]) for i in resource["instances"]]
        return found
    module = document.get("values", {}).get("root_module", {})  # terraform show -json
    for resource in module.get("resources", []):
        if resource.get("type") == "aws_lb_listener_rule" and resource.get("mode") == "managed":
            found.append((resource["name"], resource["values"]))
    return found


def _listener_name(listener_arn: str) -> str:
    """``public`` or ``internal`` from ``...:listener/app/scorer-<env>-<which>/...``."""
    balancer = listener_arn.split(":listener/")[-1].split("/")[1]
    for which in ("public", "internal"):
        if balancer.endswith(f"-{which}"):
            return which
    return balancer


def _values(conditions: list[dict[str, Any]], field: str) -> tuple[str, ...]:
    return tuple(sorted(v for c in conditions for block in c.get(field) or []
                        for v in block.get("values") or []))


def rules_from_state(path: Path) -> list[RuleView]:
    document = json.loads(path.read_text())
    views = []
    for name, attributes in _resources(document):
        conditions = attributes.get("condition") or []
        (action,) = attributes["action"]
        forward = (action.get("forward") or [None])[0]
        fixed = (action.get("fixed_response") or [None])[0]
        targets: list[tuple[str, int | None]] = []
        stickiness = None
        fixed_text = None
        if forward and forward.get("target_group"):
            targets = [(target_group_name(t["arn"]), int(t["weight"]))
                       for t in forward["target_group"]]
            sticky = (forward.get("stickiness") or [{}])[0]
            stickiness = int(sticky["duration"]) if sticky.get("enabled") else None
        elif action.get("target_group_arn"):
            targets = [(target_group_name(action["target_group_arn"]), None)]
        elif fixed:
            fixed_text = f"{fixed['status_code']} {fixed['content_type']} {fixed['message_body']}"
        views.append(RuleView(
            listener=_listener_name(attributes["listener_arn"]),
            priority=int(attributes["priority"]),
            paths=_values(conditions, "path_pattern"),
            methods=_values(conditions, "http_request_method"),
            hosts=_values(conditions, "host_header"),
            headers=tuple(sorted(
                f"{block['http_header_name']}: {','.join(block['values'])}"
                for c in conditions for block in c.get("http_header") or [])),
            targets=tuple(targets),
            stickiness=stickiness,
            fixed_response=fixed_text,
            key=(attributes.get("tags") or {}).get("Route", name.replace("_", "-")),
        ))
    return sorted(views, key=lambda v: (v.listener, v.priority))
