"""Read the live routing of an environment through the ELBv2 API (honours AWS_ENDPOINT_URL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.rollout_abort.rollback import listener_rules
from model.config import EnvironmentConfig
from model.listener import INTERNAL, PUBLIC, Listener
from model.rollout import effective_routes
from model.route_table import ROUTES
from ops.route_view import RuleView, from_api


def aws_client(service: str, region: str, env: Mapping[str, str] | None = None) -> Any:
    """A boto3 client for ``region``: from the usual credentials chain and AWS_ENDPOINT_URL,
    or, given ``env`` (a deploy's environment), from those variables rather than this
    process's."""
    import boto3

    if env is None:
        return boto3.client(service, region_name=region)
    return boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        profile_name=env.get("AWS_PROFILE"),
    ).client(service, region_name=region, endpoint_url=env.get("AWS_ENDPOINT_URL") or None)


class LiveError(RuntimeError):
    """The live listeners could not be read (no credentials, load balancer not found...)."""


def listener_arns(client: Any, config: EnvironmentConfig) -> dict[Listener, str]:
    """Listener -> ARN: the public ALB's HTTPS :443 listener and the internal :80 one
    (or the adopted internal listener)."""
    found: dict[Listener, str] = {}
    wanted = [PUBLIC]
    if config.adopt_internal_listener is not None:
        found[INTERNAL] = config.adopt_internal_listener.arn
    else:
        wanted.append(INTERNAL)
    for listener in wanted:
        name, port = config.load_balancer_name(listener), listener.port
        balancer = load_balancer_arn(client, config, listener)
        if balancer is None:
            raise LiveError(f"[{config.name}] load balancer {name!r} not found")
        listeners = client.describe_listeners(LoadBalancerArn=balancer)["Listeners"]
        match = [item["ListenerArn"] for item in listeners if item["Port"] == port]
        if not match:
            raise LiveError(f"[{config.name}] load balancer {name!r} has no :{port} listener")
        found[listener] = match[0]
    return found


def load_balancer_arn(client: Any, config: EnvironmentConfig, listener: Listener) -> str | None:
    """The ARN of the load balancer ``listener`` belongs to, or None when it does not exist."""
    try:
        found = client.describe_load_balancers(Names=[config.load_balancer_name(listener)])
    except client.exceptions.LoadBalancerNotFoundException:
        return None
    return found["LoadBalancers"][0]["LoadBalancerArn"]


def live_rules(client: Any, config: EnvironmentConfig) -> list[RuleView]:
    """Every non-default rule on the environment's two listeners, named by the route of the
    environment (canary rules included) that owns its priority."""
    owners = {(r.listener, r.priority): r.key for r in effective_routes(config, ROUTES)}
    adopted = config.adopt_internal_listener
    held = frozenset(adopted.held_priorities if adopted else ())
    views = []
    for listener, arn in listener_arns(client, config).items():
        mine = {p: k for (lst, p), k in owners.items() if lst == listener}
        for rule in listener_rules(client, arn):
            if not rule.get("IsDefault"):
                views.append(from_api(listener, rule, mine,
                                      held if listener.internal else frozenset()))
    return sorted(views, key=lambda v: (v.listener, v.priority))
