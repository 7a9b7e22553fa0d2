"""The Terraform state adapter: the routing stack's state (its local file or S3 object), and
its listener rules read back as views, from a ``.tfstate`` file or ``terraform show -json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.routing.actions import ActionView
from model.routing.conditions import Conditions
from model.routing.listener import Listener
from model.routing.view import RuleView
from ops.adapters.alb import target_group_name
from ops.adapters.clients import S3Client


class StateError(RuntimeError):
    """A state file that cannot be read as a routing stack's state; says which and why."""


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


def _route_key(name: str, attributes: dict[str, Any]) -> str:
    return (attributes.get("tags") or {}).get("Route", name.replace("_", "-"))


def _listeners(rules: list[tuple[str, dict[str, Any]]]) -> dict[str, Listener]:
    """Listener ARN -> listener, from the rules of routes the route table knows (a canary
    rule is its route's); every rule on one listener ARN is on that listener."""
    listener_of = {r.key: r.listener for r in ROUTES}
    found: dict[str, Listener] = {}
    for name, attributes in rules:
        listener = listener_of.get(_route_key(name, attributes).removesuffix("-canary"))
        if listener is not None:
            found.setdefault(attributes["listener_arn"], listener)
    return found


def rules_from_state(path: Path) -> list[RuleView]:
    """The listener rules in a state file; StateError when it is unreadable, is not state,
    holds no listener rule, or holds a rule on a listener no known route is on."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateError(f"cannot read {path} as Terraform state: {error}") from error
    if not isinstance(document, dict) or not ("resources" in document or "values" in document):
        raise StateError(f"{path} is not Terraform state (no 'resources' or 'values')")
    try:
        rules = _resources(document)
        listeners = _listeners(rules)
        views = [_view(name, attributes, listeners) for name, attributes in rules]
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise StateError(f"{path}: a listener rule is malformed ({error!r})") from error
    if not views:
        raise StateError(f"{path} holds no aws_lb_listener_rule: is it the routing stack's "
                         "state (scorer-<env>-routing.tfstate)?")
    return sorted(views, key=lambda v: (v.listener, v.priority))


def _view(name: str, attributes: dict[str, Any], listeners: dict[str, Listener]) -> RuleView:
    listener = listeners.get(attributes["listener_arn"])
    if listener is None:
        raise ValueError(f"rule {name}: listener {attributes['listener_arn']} carries no "
                         "route of this project")
    (action,) = attributes["action"]
    return RuleView.of(listener.name, int(attributes["priority"]),
                       Conditions.from_state(attributes.get("condition") or []),
                       ActionView.from_state(action, target_group_name),
                       _route_key(name, attributes))


def state_rules(document: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Address (``aws_lb_listener_rule.<name>``) -> (rule ARN, priority) of every listener
    rule in a state document (either format)."""
    return {f"aws_lb_listener_rule.{name}": (str(attributes["id"]), int(attributes["priority"]))
            for name, attributes in _resources(document)}


def routing_state_location(config: EnvironmentConfig) -> str:
    """Where the routing stack's state of ``config`` lives, for messages."""
    return config.state.location(config.stack_name("routing"))


def read_routing_state(config: EnvironmentConfig, path: Path | None = None,
                       s3: S3Client | None = None) -> dict[str, Any]:
    """The routing stack's state document: ``path`` when given, else the environment's own
    (its local file, or its S3 object read with the ``s3`` client); an empty state when it
    does not exist yet (nothing deployed). StateError when it cannot be read."""
    location = str(path) if path is not None else routing_state_location(config)
    try:
        if location.startswith("s3://"):
            bucket, _, key = location.removeprefix("s3://").partition("/")
            if s3 is None:
                raise StateError(f"reading {location} needs an S3 client")
            try:
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                return {"resources": []}
            document = json.loads(body)
        else:
            if not Path(location).exists():
                return {"resources": []}
            document = json.loads(Path(location).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateError(f"cannot read the routing state {location}: {error}") from error
    if not isinstance(document, dict) or "resources" not in document:
        raise StateError(f"{location} is not Terraform state (no 'resources')")
    return document
