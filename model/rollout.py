"""The rollout controls applied to the route table: the listener rules of one environment
once per-route R, the emergency rollback and canary rules are applied.

- ``route_rust_percent``: a weighted route keeps its own R instead of the environment's.
- ``emergency_rollback``: every weighted route gets R = 0 and stickiness off, so clients that
  hold a stickiness cookie move back to Python at once; canary rules forward to Python.
  Only actions change: the deploy is an in-place update of listener rules.
- ``canary_routes``: for each listed weighted route, a rule that sends requests carrying
  ``X-Use-Rust-Scorer: true`` to Rust even at R = 0, at a priority from the listener's
  declared canary range (below every route it could shadow), in the order of the routes.

``rust_percent_of`` is the one place that says which R a route gets.
"""

from __future__ import annotations

from dataclasses import replace

from model.config import EnvironmentConfig
from model.listener import CANARY_HEADER
from model.route import Route, with_header


def canary_key(key: str) -> str:
    return f"{key}-canary"


def rust_percent_of(config: EnvironmentConfig, route_key: str) -> int:
    """R of one weighted route in ``config``: 0 in an emergency, else its own R if the
    environment holds it at one, else the environment's R."""
    if config.emergency_rollback:
        return 0
    return dict(config.route_rust_percent).get(route_key, config.rust_percent)


def effective_routes(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """``routes`` with the environment's rollout controls applied, plus its canary rules.

    Unknown or unweighted route keys are left for validation to report; here they are
    skipped.
    """
    sticky = not config.emergency_rollback
    applied = tuple(
        replace(route, action=route.action.rolled_out(rust_percent_of(config, route.key), sticky))
        if route.action.weighted else route
        for route in routes)
    return applied + canaries(config, applied)


def canaries(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    by_key = {r.key: r for r in routes}
    wanted = sorted(
        (by_key[k] for k in config.canary_routes
         if k in by_key and by_key[k].action.canary() is not None),
        key=lambda r: (r.listener.name, r.priority))
    found = []
    used: dict[str, int] = {}
    for route in wanted:
        free = route.listener.canary_priorities
        index = used.get(route.listener.name, 0)
        used[route.listener.name] = index + 1
        priority = free[index] if index < len(free) else free.stop + index - len(free)
        name, value = CANARY_HEADER
        action = route.action.canary()
        assert action is not None
        found.append(Route(
            canary_key(route.key), route.listener, priority,
            with_header(route.conditions, name, value), action,
            why=f"canary of {route.key}: {name}: {value} reaches Rust at any R",
        ))
    return tuple(found)
