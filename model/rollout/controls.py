"""The rollout controls applied to the route table: the listener rules of one environment
once per-route R, the emergency rollback and canary rules are applied.

- ``route_rust_percent``: a weighted route keeps its own R instead of the environment's.
- ``emergency_rollback``: every weighted route gets R = 0 and stickiness off, so clients that
  hold a stickiness cookie move back to Python at once; canary rules forward to Python.
  Only actions change: the deploy is an in-place update of listener rules.
- ``canary_routes``: for each listed weighted route, a rule that sends requests carrying
  ``X-Use-Rust-Scorer: true`` to Rust even at R = 0, at the canary priority the route
  declares (``Route.canary``, in its listener's canary range, below every route it could
  shadow): the same whichever other canaries are enabled.

``rust_percent_of`` is the one place that says which R a route gets.
"""

from __future__ import annotations

from dataclasses import replace

from model.config import EnvironmentConfig
from model.function_spec import FunctionSpec
from model.routing.listener import CANARY_HEADER, LISTENERS
from model.routing.route import Route, with_header

# An abort's mark on a live rule (a tag): set before the rule moves to Python, removed once the
# abort is recorded (docs/rollout.md). Terraform ignores it on the rules it manages, so that a
# routing apply never erases the trace of an abort the state does not hold yet.
ABORT_MARK_TAG = "RustAbort"


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
    """The canary rules ``config`` enables, each at its route's declared canary priority.
    Routes that are unknown, unweighted or declare no canary priority are left out (and
    reported by validation)."""
    by_key = {r.key: r for r in routes}
    name, value = CANARY_HEADER
    found = []
    for key in config.canary_routes:
        route = by_key.get(key)
        action = route.action.canary() if route is not None else None
        if route is None or action is None or route.canary is None:
            continue
        found.append(Route(
            canary_key(route.key), route.listener, route.canary,
            with_header(route.conditions, name, value), action,
            why=f"canary of {route.key}: {name}: {value} reaches Rust at any R",
            canary_of=route.key,
        ))
    return tuple(sorted(found, key=lambda r: (r.listener.name, r.priority)))


def rust_backends(routes: tuple[Route, ...]) -> set[str]:
    """The Rust backends of the weighted routes (one per load balancer)."""
    return {split[1] for r in routes if (split := r.action.split())}


def rust_alarm_prefixes(config: EnvironmentConfig, routes: tuple[Route, ...],
                        functions: tuple[FunctionSpec, ...]) -> tuple[str, ...]:
    """Alarm-name prefixes of the Rust target groups, the Rust function and the load
    balancers (``EnvironmentConfig.alarm_name``: ``<prefix>scorer-<env>-<subject>-<alarm>``):
    the alarms whose ALARM aborts a rollout."""
    rust = rust_backends(routes)
    subjects = [config.target_group_name(b.target_group) for f in functions
                for b in f.backends if b.key in rust]
    subjects += [config.function_name(f.name) for f in functions
                 if any(b.key in rust for b in f.backends)]
    subjects += [f"{listener}-alb" for listener in LISTENERS]
    return tuple(config.alarm_name(subject, "") for subject in sorted(subjects))

