"""The rollout controls applied to the route table: what the listener rules of one
environment are once per-route R, the emergency rollback and canary rules are applied.

- ``route_rust_percent``: a weighted route keeps its own R instead of the environment's.
- ``emergency_rollback``: every weighted route gets R = 0 and stickiness off, so clients that
  hold a stickiness cookie move back to Python at once; canary rules forward to Python.
  Only actions change: the deploy is an in-place update of listener rules.
- ``canary_routes``: for each listed weighted route, a rule that sends requests carrying
  ``X-Use-Rust-Scorer: true`` to Rust even at R = 0, at a priority from the listener's
  declared canary range (below every route it could shadow), in the order of the routes.
"""

from __future__ import annotations

from dataclasses import replace

from modules.route import Forward, Route, WeightedForward, with_header
from stacks.config import EnvironmentConfig
from stacks.route_table import CANARY_HEADER, CANARY_PRIORITIES


def canary_key(key: str) -> str:
    return f"{key}-canary"


def effective_routes(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """``routes`` with the environment's rollout controls applied, plus its canary rules.

    Unknown or unweighted route keys are left for validation to report; here they are
    skipped.
    """
    overrides = dict(config.route_rust_percent)
    applied = []
    for route in routes:
        action = route.action
        if isinstance(action, WeightedForward):
            if config.emergency_rollback:
                action = replace(action, rust_percent=0, sticky=False)
            elif route.key in overrides:
                action = replace(action, rust_percent=overrides[route.key])
            route = replace(route, action=action)
        applied.append(route)
    return tuple(applied) + canaries(config, tuple(applied))


def canaries(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    by_key = {r.key: r for r in routes}
    wanted = sorted(
        (by_key[k] for k in config.canary_routes
         if k in by_key and isinstance(by_key[k].action, WeightedForward)),
        key=lambda r: (r.listener, r.priority))
    found = []
    used: dict[str, int] = {}
    for route in wanted:
        action = route.action
        assert isinstance(action, WeightedForward)
        free = CANARY_PRIORITIES[route.listener]
        index = used.get(route.listener, 0)
        used[route.listener] = index + 1
        priority = free[index] if index < len(free) else free.stop + index - len(free)
        name, value = CANARY_HEADER
        found.append(Route(
            canary_key(route.key), route.listener, priority,
            with_header(route.conditions, name, value),
            Forward(action.python if config.emergency_rollback else action.rust),
            why=f"canary of {route.key}: {name}: {value} reaches Rust at any R",
        ))
    return tuple(found)
