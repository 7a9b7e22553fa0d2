"""Routes as values: where a listener rule sits, what it matches and what it does.

Conditions are values with ALB's matching semantics and limits (``model.routing.conditions``);
actions are in ``model.routing.actions``, listeners in ``model.routing.listener``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from model.routing.actions import Action
from model.routing.backend import RUST_OF_ROUTE, own_rust
from model.routing.conditions import Conditions
from model.routing.listener import Listener

PRIORITY_MIN, PRIORITY_MAX = 1, 50_000


def when(
    path: str | None = None,
    methods: tuple[str, ...] | list[str] = (),
    host: str | None = None,
) -> Conditions:
    """Shorthand for the route table: one path, some methods, one host."""
    return Conditions(
        paths=() if path is None else (path,),
        methods=tuple(methods),
        hosts=() if host is None else (host,),
    )


def with_header(conditions: Conditions, name: str, value: str) -> Conditions:
    return Conditions(conditions.paths, conditions.methods, conditions.hosts,
                      (*conditions.headers, (name, (value,))))


@dataclass(frozen=True)
class Route:
    """One listener rule: where it sits, what it matches, where it sends traffic, and why."""

    key: str
    listener: Listener
    priority: int
    conditions: Conditions
    action: Action
    why: str = field(default="", compare=False)
    canary: int | None = None  # the priority of this route's canary rule, when enabled
    former_keys: tuple[str, ...] = ()  # keys this route was deployed under before (moved)
    canary_of: str | None = None  # on a canary rule: the key of the route it is the canary of


def first_match(routes: tuple[Route, ...], listener: Listener, method: str, host: str,
                path: str, headers: Mapping[str, str] | None = None) -> Route | None:
    """The rule that serves a request: rules are evaluated from the lowest priority up and
    the first whose conditions all match wins; None means the listener's default action."""
    for route in sorted((r for r in routes if r.listener == listener), key=lambda r: r.priority):
        if route.conditions.matches(method, host, path, headers):
            return route
    return None


def with_own_rust(routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """``routes`` with every weighted action that names ``RUST_OF_ROUTE`` forwarding to its
    route's own Rust target group (``own_rust``)."""
    return tuple(
        replace(route, action=replace(route.action, rust=own_rust(route.key)))
        if (split := route.action.split()) and split[1] == RUST_OF_ROUTE else route
        for route in routes)
