"""Checks of the whole model (environment, functions, services, route table) before any
construct exists. Every problem names its environment and route, target group or field;
all problems are reported together.
"""

from __future__ import annotations

import re
from collections import Counter

from model.catalog.alarm_policy import override_problems
from model.catalog.functions import (
    FUNCTIONS,
    RETIRED_RUST_BACKENDS,
    SERVICE_BACKENDS,
    all_backends,
)
from model.catalog.route_history import DEPLOYED_KEYS, RETIRED_KEYS
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.errors import ModelError
from model.function_spec import FunctionSpec
from model.names import elb_name_problem, function_name_problem, role_name_problem
from model.rollout.controls import (
    canaries,
    effective_functions,
    effective_routes,
    kept_backends,
    retirable_backends,
)
from model.routing.backend import Backend, route_of_rust
from model.routing.conditions import could_overlap
from model.routing.listener import LISTENERS, Listener
from model.routing.route import PRIORITY_MAX, PRIORITY_MIN, Route

RULES_PER_LOAD_BALANCER_MAX = 100
TARGET_GROUPS_PER_LOAD_BALANCER_MAX = 100  # target groups one ALB uses (default quota)
TARGET_GROUPS_PER_FORWARD = range(1, 6)  # target groups in one forward action
_ROUTE_KEY = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def validate(
    configs: list[EnvironmentConfig],
    routes: tuple[Route, ...] = ROUTES,
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
    services: tuple[Backend, ...] = SERVICE_BACKENDS,
    rules_per_load_balancer_max: int = RULES_PER_LOAD_BALANCER_MAX,
    deployed_keys: frozenset[str] = DEPLOYED_KEYS,
    target_groups_per_load_balancer_max: int = TARGET_GROUPS_PER_LOAD_BALANCER_MAX,
) -> None:
    """Raise ModelError listing every problem of every environment, or return.
    ``deployed_keys``: the route keys deployed so far (model/catalog/route_history.py); a
    route table that never was deployed (the benchmark's) passes none."""
    problems = [
        problem
        for config in configs
        for problem in environment_problems(
            config, routes, functions, services, rules_per_load_balancer_max, deployed_keys,
            target_groups_per_load_balancer_max)
    ]
    if problems:
        raise ModelError(problems)


def environment_problems(
    config: EnvironmentConfig,
    routes: tuple[Route, ...],
    functions: tuple[FunctionSpec, ...],
    services: tuple[Backend, ...],
    rules_per_load_balancer_max: int = RULES_PER_LOAD_BALANCER_MAX,
    deployed_keys: frozenset[str] = DEPLOYED_KEYS,
    target_groups_per_load_balancer_max: int = TARGET_GROUPS_PER_LOAD_BALANCER_MAX,
) -> list[str]:
    found = list(config.problems())
    functions = effective_functions(config, functions)
    backends = list(all_backends(functions, services))
    found += _kept_problems(config, routes)
    found += _backend_problems(config, functions, [*backends, *kept_backends(config, routes)],
                               target_groups_per_load_balancer_max)
    found += override_problems({f.name for f in functions})
    listener_of: dict[str, Listener] = {}
    for backend in backends:  # the first declaration wins; a second one is reported above
        listener_of.setdefault(backend.key, backend.listener)
    found += _rollout_problems(config, routes)
    found += _rename_problems(routes, deployed_keys)
    found += _route_problems(config, effective_routes(config, routes), listener_of,
                             rules_per_load_balancer_max)
    for listener in LISTENERS:
        found += [f"{listener} listener default action: {p}"
                  for p in _backend_use_problems(listener, listener.default_action.backends(),
                                                 listener_of)]
    return [f"[{config.name}] {problem}" for problem in found]


def _kept_problems(config: EnvironmentConfig, routes: tuple[Route, ...]) -> list[str]:
    keep = [b.key for b in retirable_backends(config, routes)]
    shared = ", ".join(b.key for b in RETIRED_RUST_BACKENDS if b.key in keep)
    return [f"kept_rust_target_groups names {key!r}, which is not a Rust target group this "
            f"layout retires ({shared + ', ' if shared else ''}or rust:<route key> of a route "
            "without its own)"
            for key in config.kept_rust_target_groups if key not in keep]


def _backend_problems(
    config: EnvironmentConfig, functions: tuple[FunctionSpec, ...], backends: list[Backend],
    target_groups_max: int = TARGET_GROUPS_PER_LOAD_BALANCER_MAX,
) -> list[str]:
    found = []
    names = Counter(f.name for f in functions)
    found += [f"function {n!r} is declared {c} times" for n, c in names.items() if c > 1]
    for function in functions:
        # The role is named after the function: its name is checked once the function's is fine.
        problem = (function_name_problem(config.function_name(function.name))
                   or role_name_problem(config.role_name(function.name)))
        if problem:
            found.append(problem)
        if not function.backends:
            found.append(f"function {function.name!r} serves no load balancer")
    seen: dict[str, Backend] = {}
    target_group_names: dict[str, str] = {}
    for backend in backends:
        name = config.target_group_name(backend.target_group)
        if backend.listener not in LISTENERS:
            found.append(f"backend {backend.key!r} names unknown load balancer "
                         f"{backend.listener.name!r}")
        earlier = seen.get(backend.key)
        if earlier is not None and earlier.listener != backend.listener:
            found.append(f"backend {backend.key!r} is used on two load balancers "
                         f"({earlier.listener} and {backend.listener}); "
                         "a target group serves one load balancer only")
        elif earlier is not None:
            found.append(f"backend {backend.key!r} is declared twice")
        seen[backend.key] = backend
        problem = elb_name_problem("target group", name)
        route = route_of_rust(backend.key)
        if problem and route is not None:
            found.append(f"route {route!r}: its Rust target group (backend {backend.key!r}, "
                         f"{backend.listener} load balancer): {problem}")
        elif problem:
            found.append(f"backend {backend.key!r}: {problem}")
        if name in target_group_names and target_group_names[name] != backend.key:
            found.append(f"target group name {name!r} is used by backends "
                         f"{target_group_names[name]!r} and {backend.key!r}")
        target_group_names[name] = backend.key
    for listener in LISTENERS:
        count = sum(1 for b in backends if b.listener == listener)
        if count > target_groups_max:
            found.append(f"{listener} load balancer would use {count} target groups, more than "
                         f"{target_groups_max} (the Rust function has one per weighted route)")
    return found


def _route_problems(
    config: EnvironmentConfig,
    routes: tuple[Route, ...],
    listener_of: dict[str, Listener],
    rules_max: int,
) -> list[str]:
    found = []
    keys: set[str] = set()
    holder: dict[tuple[Listener, int], str] = {}
    canary_holder: dict[tuple[Listener, int], str] = {}
    held = config.adopt_internal_listener.held_priorities if config.adopt_internal_listener else ()
    for route in routes:
        where = f"route {route.key!r} ({route.listener} listener, priority {route.priority})"
        if not _ROUTE_KEY.fullmatch(route.key):
            found.append(f"route key {route.key!r} must be lower-case letters, digits and '-'")
        if route.key in keys:
            found.append(f"route key {route.key!r} is declared twice")
        keys.add(route.key)
        if route.listener not in LISTENERS:
            found.append(f"{where}: unknown listener {route.listener.name!r}; known: "
                         + ", ".join(map(str, LISTENERS)))
            continue
        found += [f"{where}: {p}" for p in _priority_problems(route, held)]
        if route.canary is not None:
            other = canary_holder.setdefault((route.listener, route.canary), route.key)
            if other != route.key:
                found.append(f"{where}: canary priority {route.canary} is already declared by "
                             f"route {other!r}")
        other = holder.setdefault((route.listener, route.priority), route.key)
        if other != route.key:
            found.append(f"{where}: priority {route.priority} is already used by route "
                         f"{other!r} on the {route.listener} listener")
        found += [f"{where}: {p}" for p in route.conditions.problems()]
        found += [f"{where}: {p}" for p in route.action.problems()]
        used = len(route.action.targets())
        if route.action.backends() and used not in TARGET_GROUPS_PER_FORWARD:
            found.append(f"{where}: forwards to {used} target groups; a forward action takes "
                         f"{TARGET_GROUPS_PER_FORWARD.start}..{TARGET_GROUPS_PER_FORWARD.stop - 1}")
        found += [f"{where}: {p}" for p in _backend_use_problems(
            route.listener, route.action.backends(), listener_of)]
    for listener in LISTENERS:
        count = sum(1 for r in routes if r.listener == listener)
        if listener.internal:
            count += len(held)
        if count > rules_max:
            found.append(f"{listener} load balancer would carry {count} rules, more than "
                         f"{rules_max}")
    return found


def _rename_problems(
    routes: tuple[Route, ...],
    deployed: frozenset[str] = DEPLOYED_KEYS,
    retired: frozenset[str] = RETIRED_KEYS,
) -> list[str]:
    """Every deployed key is a route's key, a route's former key, or retired."""
    found = []
    keys = {r.key for r in routes}
    former: dict[str, str] = {}
    for route in routes:
        for old in route.former_keys:
            if old in keys:
                found.append(f"route {route.key!r} names {old!r} as a former key, but a route "
                             f"still has that key")
            elif former.setdefault(old, route.key) != route.key:
                found.append(f"routes {former[old]!r} and {route.key!r} both name {old!r} as "
                             "their former key")
    for gone in sorted(deployed - keys - set(former) - retired):
        found.append(f"route key {gone!r} was deployed and is gone from the route table: if the "
                     f"route was renamed, give the new route former_keys=({gone!r},) so its "
                     "rule moves in state instead of being destroyed and created; if it was "
                     "removed, add it to RETIRED_KEYS in model/catalog/route_history.py")
    return found


def _backend_use_problems(listener: Listener, backends: tuple[str, ...],
                          listener_of: dict[str, Listener]) -> list[str]:
    """Each backend must be a target group of ``listener``'s load balancer."""
    found = []
    for backend in backends:
        owner = listener_of.get(backend)
        if owner is None:
            known = sorted(k for k, lst in listener_of.items() if lst == listener)
            found.append(f"unknown backend {backend!r}; known on the {listener} load "
                         f"balancer: {', '.join(known)}")
        elif owner != listener:
            found.append(f"backend {backend!r} is a target group of the {owner} "
                         f"load balancer, not of the {listener} one")
    return found


def _rollout_problems(config: EnvironmentConfig, routes: tuple[Route, ...]) -> list[str]:
    """Per-route overrides and canary routes must name weighted routes; canaries must fit
    their range and must not take requests that a rule between them and their route serves."""
    found = []
    weighted = {r.key: r for r in routes if r.action.weighted}
    for setting, keys in (("route_rust_percent", [k for k, _ in config.route_rust_percent]),
                          ("canary_routes", list(config.canary_routes)),
                          ("rollback_routes", list(config.rollback_routes))):
        for key in keys:
            if key not in weighted:
                what = ("a route without a weighted forward" if any(r.key == key for r in routes)
                        else "not a route")
                found.append(f"{setting} names {key!r}, which is {what}; weighted routes: "
                             f"{', '.join(sorted(weighted))}")
    canaries_of = canaries(config, routes)
    for key in config.canary_routes:
        route = weighted.get(key)
        if route is not None and route.canary is None:
            free = route.listener.canary_priorities
            taken = {r.canary for r in routes if r.listener == route.listener}
            left = [p for p in free if p not in taken]
            found.append(f"no canary priority for route {key!r}: declare canary=<priority> in "
                         f"the route table, from the {route.listener} listener's canary range "
                         f"{free.start}-{free.stop - 1} ("
                         + (f"free: {', '.join(map(str, left))})" if left else "none is free)"))
    for canary in canaries_of:
        shadowed = weighted[canary.canary_of or ""]
        for other in routes:
            if (other.listener == canary.listener
                    and canary.priority < other.priority < shadowed.priority
                    and could_overlap(other.conditions, shadowed.conditions)):
                found.append(f"canary of route {shadowed.key!r} at priority {canary.priority} "
                             f"would take requests with its header that route {other.key!r} "
                             f"(priority {other.priority}) serves first")
    return found


def _priority_problems(route: Route, held: tuple[int, ...]) -> list[str]:
    priority = route.priority
    if isinstance(priority, bool) or not isinstance(priority, int):
        return [f"priority {priority!r} is not an integer"]
    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        return [f"priority {priority} is outside {PRIORITY_MIN}..{PRIORITY_MAX}"]
    found = []
    canary_range = route.listener.canary_priorities
    if route.canary_of is None and priority in canary_range:
        found.append(f"priority {priority} is in the {route.listener} listener's canary range "
                     f"({canary_range.start}-{canary_range.stop - 1}), which canary rules take")
    if route.canary is not None and route.canary not in canary_range:
        found.append(f"canary priority {route.canary} is outside the {route.listener} "
                     f"listener's canary range {canary_range.start}-{canary_range.stop - 1}")
    if route.canary is not None and not route.action.weighted:
        found.append("declares a canary priority but has no weighted forward")
    legacy = route.listener.legacy_range_of(priority)
    if legacy is not None:
        found.append(f"priority {priority} is a legacy priority "
                     f"({legacy.start}-{legacy.stop - 1}) that old rules may still hold")
    if route.listener.internal and priority in held:
        found.append(f"priority {priority} is held by another owner's rule on the adopted "
                     "internal listener")
    return found
