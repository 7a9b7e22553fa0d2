"""Listener rules read back from Terraform state: a ``.tfstate`` file or the output of
``terraform show -json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from model.config import EnvironmentConfig, LocalState, S3State
from model.listener import Listener
from model.paths import PROJECT_ROOT
from model.rollout_state import RolloutState, parameter_name
from model.route_table import ROUTES
from ops.route_view import RuleView, target_group_name


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


def _values(conditions: list[dict[str, Any]], field: str) -> tuple[str, ...]:
    return tuple(sorted(v for c in conditions for block in c.get(field) or []
                        for v in block.get("values") or []))


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
    return RuleView(
        listener=listener.name,
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
        key=_route_key(name, attributes),
    )


def state_rules(document: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Address (``aws_lb_listener_rule.<name>``) -> (rule ARN, priority) of every listener
    rule in a state document (either format)."""
    return {f"aws_lb_listener_rule.{name}": (str(attributes["id"]), int(attributes["priority"]))
            for name, attributes in _resources(document)}


def routing_state_location(config: EnvironmentConfig) -> str:
    """Where the routing stack's state of ``config`` lives, for messages."""
    stack = config.stack_name("routing")
    state = config.state
    if isinstance(state, S3State):
        return f"s3://{state.bucket}/{state.key_prefix}/{stack}.tfstate"
    assert isinstance(state, LocalState)
    return str(PROJECT_ROOT / state.directory / f"{stack}.tfstate")


def read_routing_state(config: EnvironmentConfig, path: Path | None = None,
                       s3: Any = None) -> dict[str, Any]:
    """The routing stack's state document: ``path`` when given, else the environment's own
    (its local file, or its S3 object read with the ``s3`` client); an empty state when it
    does not exist yet (nothing deployed). StateError when it cannot be read."""
    location = str(path) if path is not None else routing_state_location(config)
    try:
        if location.startswith("s3://"):
            bucket, _, key = location.removeprefix("s3://").partition("/")
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


def read_rollout(ssm: Any, config: EnvironmentConfig) -> RolloutState | None:
    """The persisted rollout state (SSM ``/scorer/<env>/rust-rollout``), or None when the
    routing stack has not created it yet."""
    try:
        value = ssm.get_parameter(Name=parameter_name(config))["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    return RolloutState.from_json(value)


def write_rollout(ssm: Any, config: EnvironmentConfig, state: RolloutState) -> None:
    """A new version of the persisted rollout state (SSM keeps every version: the history)."""
    ssm.put_parameter(Name=parameter_name(config), Value=state.to_json(), Type="String",
                      Overwrite=True)
