"""Checks of the whole model (environment, functions, services, route table) before any
construct exists. Every problem names its environment and route, target group or field;
all problems are reported together.
"""

from __future__ import annotations

import re
from collections import Counter

from modules.backend import Backend
from modules.errors import ModelError
from modules.function_spec import FunctionSpec
from modules.names import elb_name_problem, function_name_problem
from modules.route import (
    LISTENERS,
    PRIORITY_MAX,
    PRIORITY_MIN,
    Route,
    WeightedForward,
    action_problems,
    could_overlap,
)
from stacks.alarm_policy import override_problems
from stacks.config import EnvironmentConfig
from stacks.rollout import canaries, effective_routes
from stacks.route_table import CANARY_PRIORITIES, LEGACY_PRIORITIES, PUBLIC_DEFAULT_BACKEND

RULES_PER_LOAD_BALANCER_MAX = 100
_ROUTE_KEY = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def validate(
    configs: list[EnvironmentConfig],
    routes: tuple[Route, ...],
    functions: tuple[FunctionSpec, ...],
    services: tuple[Backend, ...],
    rules_per_load_balancer_max: int = RULES_PER_LOAD_BALANCER_MAX,
) -> None:
    """Raise ModelError listing every problem of every environment, or return."""
    problems = [
        problem
        for config in configs
        for problem in environment_problems(
            config, routes, functions, services, rules_per_load_balancer_max)
    ]
    if problems:
        raise ModelError(problems)


def environment_problems(
    config: EnvironmentConfig,
    routes: tuple[Route, ...],
    functions: tuple[FunctionSpec, ...],
    services: tuple[Backend, ...],
    rules_per_load_balancer_max: int = RULES_PER_LOAD_BALANCER_MAX,
) -> list[str]:
    found = list(config.problems())
    backends = [b for f in functions for b in f.backends] + list(services)
    found += _backend_problems(config, functions, backends)
    found += override_problems({f.name for f in functions})
    load_balancer_of: dict[str, str] = {}
    for backend in backends:  # the first declaration wins; a second one is reported above
        load_balancer_of.setdefault(backend.key, backend.load_balancer)
    found += _rollout_problems(config, routes)
    found += _route_problems(config, effective_routes(config, routes), load_balancer_of,
                             rules_per_load_balancer_max)
    if load_balancer_of.get(PUBLIC_DEFAULT_BACKEND) != "public":
        found.append(f"public listener default backend {PUBLIC_DEFAULT_BACKEND!r} is not "
                     "a target group of the public load balancer")
    return [f"[{config.name}] {problem}" for problem in found]


def _backend_problems(
    config: EnvironmentConfig, functions: tuple[FunctionSpec, ...], backends: list[Backend]
) -> list[str]:
    found = []
    names = Counter(f.name for f in functions)
    found += [f"function {n!r} is declared {c} times" for n, c in names.items() if c > 1]
    for function in functions:
        problem = function_name_problem(config.function_name(function.name))
        if problem:
            found.append(problem)
        if not function.backends:
            found.append(f"function {function.name!r} serves no load balancer")
    seen: dict[str, Backend] = {}
    target_group_names: dict[str, str] = {}
    for backend in backends:
        name = config.target_group_name(backend.target_group)
        if backend.load_balancer not in LISTENERS:
            found.append(f"backend {backend.key!r} names unknown load balancer "
                         f"{backend.load_balancer!r}")
        earlier = seen.get(backend.key)
        if earlier is not None and earlier.load_balancer != backend.load_balancer:
            found.append(f"backend {backend.key!r} is used on two load balancers "
                         f"({earlier.load_balancer} and {backend.load_balancer}); "
                         "a target group serves one load balancer only")
        elif earlier is not None:
            found.append(f"backend {backend.key!r} is declared twice")
        seen[backend.key] = backend
        problem = elb_name_problem("target group", name)
        if problem:
            found.append(f"backend {backend.key!r}: {problem}")
        if name in target_group_names and target_group_names[name] != backend.key:
            found.append(f"target group name {name!r} is used by backends "
                         f"{target_group_names[name]!r} and {backend.key!r}")
        target_group_names[name] = backend.key
    return found


def _route_problems(
    config: EnvironmentConfig,
    routes: tuple[Route, ...],
    load_balancer_of: dict[str, str],
    rules_max: int,
) -> list[str]:
    found = []
    keys: set[str] = set()
    holder: dict[tuple[str, int], str] = {}
    held = config.adopt_internal_listener.held_priorities if config.adopt_internal_listener else ()
    for route in routes:
        where = f"route {route.key!r} ({route.listener} listener, priority {route.priority})"
        if not _ROUTE_KEY.match(route.key):
            found.append(f"route key {route.key!r} must be lower-case letters, digits and '-'")
        if route.key in keys:
            found.append(f"route key {route.key!r} is declared twice")
        keys.add(route.key)
        if route.listener not in LISTENERS:
            found.append(f"{where}: unknown listener {route.listener!r}; known: "
                         + ", ".join(LISTENERS))
            continue
        found += [f"{where}: {p}" for p in _priority_problems(route, held)]
        other = holder.setdefault((route.listener, route.priority), route.key)
        if other != route.key:
            found.append(f"{where}: priority {route.priority} is already used by route "
                         f"{other!r} on the {route.listener} listener")
        found += [f"{where}: {p}" for p in route.conditions.problems()]
        found += [f"{where}: {p}" for p in action_problems(route.action, config.rust_percent)]
        for backend in route.action.backends():
            owner = load_balancer_of.get(backend)
            if owner is None:
                known = sorted(k for k, lb in load_balancer_of.items() if lb == route.listener)
                found.append(f"{where}: unknown backend {backend!r}; known on the "
                             f"{route.listener} load balancer: {', '.join(known)}")
            elif owner != route.listener:
                found.append(f"{where}: backend {backend!r} is a target group of the {owner} "
                             f"load balancer, not of the {route.listener} one")
    for listener in LISTENERS:
        count = sum(1 for r in routes if r.listener == listener)
        if listener == "internal":
            count += len(held)
        if count > rules_max:
            found.append(f"{listener} load balancer would carry {count} rules, more than "
                         f"{rules_max}")
    return found


def _rollout_problems(config: EnvironmentConfig, routes: tuple[Route, ...]) -> list[str]:
    """Per-route overrides and canary routes must name weighted routes; canaries must fit
    their range and must not take requests that a rule between them and their route serves."""
    found = []
    weighted = {r.key: r for r in routes if isinstance(r.action, WeightedForward)}
    for setting, keys in (("route_rust_percent", [k for k, _ in config.route_rust_percent]),
                          ("canary_routes", list(config.canary_routes))):
        for key in keys:
            if key not in weighted:
                what = ("a route without a weighted forward" if any(r.key == key for r in routes)
                        else "not a route")
                found.append(f"{setting} names {key!r}, which is {what}; weighted routes: "
                             f"{', '.join(sorted(weighted))}")
    canaries_of = canaries(config, routes)
    for listener, free in CANARY_PRIORITIES.items():
        count = sum(1 for c in canaries_of if c.listener == listener)
        if count > len(free):
            found.append(f"{count} canary routes on the {listener} listener; its canary range "
                         f"{free.start}-{free.stop - 1} holds {len(free)}")
    for canary in canaries_of:
        shadowed = weighted[canary.key.removesuffix("-canary")]
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
    for legacy in LEGACY_PRIORITIES.get(route.listener, ()):
        if priority in legacy:
            found.append(f"priority {priority} is a legacy priority "
                         f"({legacy.start}-{legacy.stop - 1}) that old rules may still hold")
    if route.listener == "internal" and priority in held:
        found.append(f"priority {priority} is held by another owner's rule on the adopted "
                     "internal listener")
    return found
