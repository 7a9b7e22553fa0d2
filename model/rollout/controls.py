"""The rollout controls applied to the route table: the listener rules of one environment
once per-route R, the emergency rollback and canary rules are applied.

- ``route_rust_percent``: a weighted route keeps its own R instead of the environment's.
- ``emergency_rollback``: every weighted route gets R = 0 and stickiness off, so clients that
  hold a stickiness cookie move back to Python at once; canary rules forward to Python.
  Only actions change: the deploy is an in-place update of listener rules.
- ``rollback_routes``: the same for the listed weighted routes only (a per-route abort: the
  rollout state's ``aborted_routes``); the other rules keep their R and stickiness.
- ``canary_routes``: for each listed weighted route, a rule that sends requests carrying
  ``X-Use-Rust-Scorer: true`` to Rust even at R = 0, at the canary priority the route
  declares (``Route.canary``, in its listener's canary range, below every route it could
  shadow): the same whichever other canaries are enabled.

``rust_percent_of`` is the one place that says which R a route gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from model.catalog.functions import FUNCTIONS, RETIRED_RUST_BACKENDS, RUST_SCORER
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.function_spec import FunctionSpec
from model.routing.backend import Backend, own_rust, own_rust_target_group, route_of_rust
from model.routing.listener import CANARY_HEADER, LISTENERS
from model.routing.route import Route, with_header

# An abort's mark on a live rule (a tag): set before the rule moves to Python, removed once the
# abort is recorded (docs/rollout.md). Terraform ignores it on the rules it manages, so that a
# routing apply never erases the trace of an abort the state does not hold yet.
ABORT_MARK_TAG = "RustAbort"


def canary_key(key: str) -> str:
    return f"{key}-canary"


def rust_percent_of(config: EnvironmentConfig, route_key: str) -> int:
    """R of one weighted route in ``config``: 0 in an emergency or when the route is rolled
    back, else its own R if the environment holds it at one, else the environment's R."""
    if rolled_back(config, route_key):
        return 0
    return dict(config.route_rust_percent).get(route_key, config.rust_percent)


def rolled_back(config: EnvironmentConfig, route_key: str) -> bool:
    """Whether one weighted route's rule is rolled back in ``config``: R = 0 and stickiness
    off (the emergency rollback, or a per-route abort: ``rollback_routes``)."""
    return config.emergency_rollback or route_key in config.rollback_routes


def effective_routes(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """``routes`` with the environment's rollout controls applied, plus its canary rules.

    Unknown or unweighted route keys are left for validation to report; here they are
    skipped.
    """
    applied = tuple(
        replace(route, action=route.action.rolled_out(rust_percent_of(config, route.key),
                                                      not rolled_back(config, route.key)))
        if route.action.weighted else route
        for route in _rust_layout(config, routes))
    return applied + canaries(config, applied)


def _rust_layout(config: EnvironmentConfig, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """``routes`` as ``config`` lays out the Rust target groups: their own (as declared), or
    in the shared layout each route's own replaced by the retired one of its load balancer."""
    if not config.shared_rust_target_groups:
        return routes
    shared = {b.listener: b.key for b in RETIRED_RUST_BACKENDS}
    return tuple(
        replace(route, action=replace(route.action, rust=shared[route.listener]))
        if (split := route.action.split()) and route_of_rust(split[1]) == route.key else route
        for route in routes)


def effective_functions(config: EnvironmentConfig,
                        functions: tuple[FunctionSpec, ...]) -> tuple[FunctionSpec, ...]:
    """``functions`` as ``config`` lays out the Rust target groups: in the shared layout the
    Rust function serves the retired shared target groups instead of the per-route ones."""
    if not config.shared_rust_target_groups:
        return functions
    return tuple(replace(f, backends=RETIRED_RUST_BACKENDS) if f.name == RUST_SCORER.name else f
                 for f in functions)


def retirable_backends(config: EnvironmentConfig,
                       routes: tuple[Route, ...] = ROUTES) -> tuple[Backend, ...]:
    """Every Rust target group a deployed environment may still have that ``config``'s layout
    does not declare: the retired shared ones (unless in the shared layout), and the own
    one of every route of ``routes`` that has none now (no longer weighted, or the shared
    layout). The deploy driver keeps those a live rule forwards to (``kept_backends``)."""
    declared = {b.key for f in effective_functions(config, FUNCTIONS) for b in f.backends}
    own = tuple(Backend(r.listener, own_rust(r.key), own_rust_target_group(r.key))
                for r in routes)
    return tuple(b for b in (*RETIRED_RUST_BACKENDS, *own) if b.key not in declared)


def kept_backends(config: EnvironmentConfig,
                  routes: tuple[Route, ...] = ROUTES) -> tuple[Backend, ...]:
    """The undeclared Rust target groups the Lambda stack keeps beside the declared ones
    (``kept_rust_target_groups``: while a live rule forwards to them), without alarms: no
    route uses them any more."""
    return tuple(b for b in retirable_backends(config, routes)
                 if b.key in config.kept_rust_target_groups)


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
    """The Rust backends of the weighted routes (one per route)."""
    return {split[1] for r in routes if (split := r.action.split())}


def rust_alarm_prefixes(config: EnvironmentConfig, routes: tuple[Route, ...],
                        functions: tuple[FunctionSpec, ...]) -> tuple[str, ...]:
    """Alarm-name prefixes of the Rust target groups, the Rust function and the load
    balancers (``EnvironmentConfig.alarm_name``: ``<prefix>scorer-<env>-<subject>-<alarm>``):
    the alarms whose ALARM aborts a rollout."""
    rust = rust_backends(_rust_layout(config, routes))
    functions = effective_functions(config, functions)
    subjects = [config.target_group_name(b.target_group) for f in functions
                for b in f.backends if b.key in rust]
    subjects += [config.function_name(f.name) for f in functions
                 if any(b.key in rust for b in f.backends)]
    subjects += [f"{listener}-alb" for listener in LISTENERS]
    return tuple(config.alarm_name(subject, "") for subject in sorted(subjects))



def alarm_routes(config: EnvironmentConfig, alarm: str, routes: tuple[Route, ...],
                 names: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The weighted routes an alarm of ``config`` speaks for: those whose Rust target group
    is the alarm's subject (``EnvironmentConfig.alarm_name``: ``...-<target group>-<alarm>``,
    the longest target group name that prefixes it), every weighted route of its listener
    while that load balancer's routes share one Rust target group; None for anything else
    (the Rust function's alarms, a load balancer's): Rust-wide, every route of a rollout.
    ``names``: backend key -> target group name (``model.routing.view.target_group_names``)."""
    if names is None:
        from model.routing.view import target_group_names  # (view imports this module)

        names = target_group_names(config)
    by_group: dict[str, list[str]] = {}
    for route in routes:
        if (split := route.action.split()) is not None:
            by_group.setdefault(names[split[1]], []).append(route.key)
    matching = [group for group in by_group if alarm.startswith(config.alarm_name(group, ""))]
    if not matching:
        return None
    return tuple(sorted(by_group[max(matching, key=len)]))
