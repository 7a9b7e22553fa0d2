"""One view of a listener rule, whether intended (from the route table), live (through the
ELBv2 API, ``ops/adapters/alb.py``) or in Terraform state (``ops/adapters/tfstate.py``).

Every source produces the same ``RuleView`` from a ``Conditions`` and an ``ActionView``
(which parse themselves from each source), so that views can be printed and compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.catalog.functions import RETIRED_RUST_BACKENDS, all_backends
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout.controls import effective_routes, retirable_backends, rust_backends
from model.routing.actions import ActionView
from model.routing.backend import Backend
from model.routing.conditions import Conditions
from model.routing.route import Route


@dataclass(frozen=True)
class RuleView:
    listener: str
    priority: int
    paths: tuple[str, ...]
    methods: tuple[str, ...]
    hosts: tuple[str, ...]
    targets: tuple[tuple[str, int | None], ...]  # (target group name, weight), as listed
    stickiness: int | None  # seconds when enabled
    fixed_response: str | None = None
    headers: tuple[str, ...] = ()  # "Name: value,value"
    key: str = ""  # the route key; "legacy", "held" or "other" for rules this project does not own

    @classmethod
    def of(cls, listener: str, priority: int, conditions: Conditions, action: ActionView,
           key: str) -> RuleView:
        return cls(listener=listener, priority=priority,
                   paths=tuple(sorted(conditions.paths)),
                   methods=tuple(sorted(conditions.methods)),
                   hosts=tuple(sorted(conditions.hosts)),
                   headers=tuple(sorted(f"{name}: {','.join(values)}"
                                        for name, values in conditions.headers)),
                   targets=action.targets, stickiness=action.stickiness,
                   fixed_response=action.fixed_response, key=key)

    def comparable(self) -> tuple[Any, ...]:
        return (self.listener, self.priority, self.paths, self.methods, self.hosts,
                self.headers, tuple(sorted(self.targets)), self.stickiness, self.fixed_response)


def target_group_names(
    config: EnvironmentConfig, backends: tuple[Backend, ...] | None = None
) -> dict[str, str]:
    """Backend key -> target group name in ``config``'s environment (the retired shared Rust
    target groups too: rules may forward to them while an environment moves off them)."""
    backends = (*all_backends(), *RETIRED_RUST_BACKENDS) if backends is None else backends
    return {b.key: config.target_group_name(b.target_group) for b in backends}


def rust_target_group_names(config: EnvironmentConfig,
                            routes: tuple[Route, ...] = ROUTES) -> set[str]:
    """The names of every Rust target group of ``config``: each weighted route's, and those
    its layout retires (the shared ones, a route's own once it is not weighted): Rust while
    they live, so an abort moves a rule off them too."""
    names = target_group_names(config)
    return ({names[b] for b in rust_backends(effective_routes(config, routes))}
            | {config.target_group_name(b.target_group)
               for b in (*RETIRED_RUST_BACKENDS, *retirable_backends(config, routes))})


def intended(config: EnvironmentConfig, routes: tuple[Route, ...] = ROUTES) -> list[RuleView]:
    """The rules ``config`` should carry (its rollout controls applied)."""
    names = target_group_names(config)
    return sorted((RuleView.of(route.listener.name, route.priority, route.conditions,
                               route.action.view(names), route.key)
                   for route in effective_routes(config, routes)),
                  key=lambda v: (v.listener, v.priority))


def differences(wanted: list[RuleView], live: list[RuleView]) -> tuple[list[str], list[str]]:
    """(drift lines, lines about rules of other owners or at legacy priorities). Rules are
    matched by route key (the live rule's ``Route`` tag), never by priority."""
    drift, others = [], []
    by_key: dict[str, list[RuleView]] = {}
    for have in live:
        by_key.setdefault(have.key, []).append(have)
    for want in wanted:
        found = by_key.get(want.key) or []
        have = found.pop(0) if found else None
        place = f"{want.listener} {want.priority} {want.key}"
        if have is None:
            drift.append(f"missing     {place}")
            continue
        for field in ("listener", "priority", "paths", "methods", "hosts", "headers",
                      "stickiness", "fixed_response"):
            if getattr(want, field) != getattr(have, field):
                drift.append(f"mismatch    {place}: {field} {getattr(have, field)!r} "
                             f"(want {getattr(want, field)!r})")
        if sorted(want.targets) != sorted(have.targets):
            drift.append(f"mismatch    {place}: targets {_targets(have)} (want {_targets(want)})")
    rest = sorted((v for views in by_key.values() for v in views),
                  key=lambda v: (v.listener, v.priority))
    for have in rest:
        line = f"{have.listener} {have.priority}: {_targets(have)}"
        if have.key in ("legacy", "held"):
            others.append(f"{have.key:<11} {line}")
        else:
            drift.append(f"unexpected  {line}" + (f" ({have.key})" if have.key != "other"
                                                  else ""))
    return drift, others


def _targets(view: RuleView) -> str:
    if view.fixed_response:
        return f"fixed {view.fixed_response}"
    return ", ".join(n if w is None else f"{n}={w}" for n, w in sorted(view.targets))
