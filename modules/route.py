"""Routes as values: conditions and actions of one ALB listener rule.

Modelled on AWS CDK's elbv2 ``ListenerAction.forward`` / ``weightedForward`` /
``fixedResponse``: an action is a value, built once and checked by ``problems()``
before any resource exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ListenerName = Literal["public", "internal"]
LISTENERS: tuple[ListenerName, ...] = ("public", "internal")

STICKINESS_MAX_SECONDS = 604_800
WEIGHT_MAX = 999
CONDITION_VALUES_MAX = 5
WILDCARDS_MAX = 5
TARGET_GROUPS_PER_ACTION_MAX = 5
PRIORITY_MIN, PRIORITY_MAX = 1, 50_000
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Conditions:
    """All given condition types must match (ALB semantics); an empty one is absent."""

    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()

    def value_count(self) -> int:
        return len(self.paths) + len(self.methods) + len(self.hosts)

    def wildcard_count(self) -> int:
        return sum(v.count("*") + v.count("?") for v in (*self.paths, *self.hosts))

    def problems(self) -> list[str]:
        found = []
        if not self.paths and not self.hosts and not self.methods:
            found.append("has no condition")
        if self.value_count() > CONDITION_VALUES_MAX:
            found.append(
                f"has {self.value_count()} condition values, more than {CONDITION_VALUES_MAX}")
        if self.wildcard_count() > WILDCARDS_MAX:
            found.append(f"has {self.wildcard_count()} wildcards, more than {WILDCARDS_MAX}")
        for method in self.methods:
            if method not in _METHODS:
                found.append(f"method {method!r} is not an upper-case HTTP method")
        return found


def when(
    path: str | None = None,
    methods: tuple[str, ...] | list[str] = (),
    host: str | None = None,
) -> Conditions:
    """Shorthand for the route table: one path, some methods, one host."""
    return Conditions(
        paths=(path,) if path else (),
        methods=tuple(methods),
        hosts=(host,) if host else (),
    )


@dataclass(frozen=True)
class Target:
    """One backend of a forward action and its weight (None for a plain forward)."""

    backend: str
    weight: int | None = None


@dataclass(frozen=True)
class Forward:
    """Forward every request to one backend."""

    backend: str

    def backends(self) -> tuple[str, ...]:
        return (self.backend,)

    def targets(self, rust_percent: int) -> tuple[Target, ...]:
        return (Target(self.backend),)


@dataclass(frozen=True)
class WeightedForward:
    """Python gets ``100 - R``, Rust ``R`` (Python listed first), sticky per target group.

    A weight of 0 keeps the target group in the action, so changing R changes weights
    only and never adds or removes resources.
    """

    python: str
    rust: str
    stickiness_seconds: int = 3600

    def backends(self) -> tuple[str, ...]:
        return (self.python, self.rust)

    def targets(self, rust_percent: int) -> tuple[Target, ...]:
        return (Target(self.python, 100 - rust_percent), Target(self.rust, rust_percent))


@dataclass(frozen=True)
class FixedResponse:
    """Answer at the load balancer without a backend."""

    status_code: int
    content_type: str
    body: str

    def backends(self) -> tuple[str, ...]:
        return ()

    def targets(self, rust_percent: int) -> tuple[Target, ...]:
        return ()


Action = Forward | WeightedForward | FixedResponse


def forward(backend: str) -> Forward:
    return Forward(backend)


def weighted_forward(python: str, rust: str, stickiness_seconds: int = 3600) -> WeightedForward:
    return WeightedForward(python, rust, stickiness_seconds)


def fixed_response(status_code: int, content_type: str, body: str) -> FixedResponse:
    return FixedResponse(status_code, content_type, body)


def action_problems(action: Action, rust_percent: int) -> list[str]:
    """What is wrong with ``action`` once R is applied (weights, stickiness, target count)."""
    found = []
    targets = action.targets(rust_percent)
    if not isinstance(action, FixedResponse) and not (
        1 <= len(targets) <= TARGET_GROUPS_PER_ACTION_MAX
    ):
        found.append(
            f"forwards to {len(targets)} target groups; "
            f"an action takes 1..{TARGET_GROUPS_PER_ACTION_MAX}"
        )
    for target in targets:
        if target.weight is not None and not 0 <= target.weight <= WEIGHT_MAX:
            found.append(f"weight {target.weight} of {target.backend!r} is outside 0..{WEIGHT_MAX}")
    if isinstance(action, WeightedForward):
        if action.python == action.rust:
            found.append(f"forwards twice to {action.python!r}")
        if not 1 <= action.stickiness_seconds <= STICKINESS_MAX_SECONDS:
            found.append(
                f"stickiness {action.stickiness_seconds} s is outside 1..{STICKINESS_MAX_SECONDS}"
            )
    if isinstance(action, FixedResponse) and not 200 <= action.status_code <= 599:
        found.append(f"fixed response status {action.status_code} is outside 200..599")
    return found


@dataclass(frozen=True)
class Route:
    """One listener rule: where it sits, what it matches, where it sends traffic, and why."""

    key: str
    listener: ListenerName
    priority: int
    conditions: Conditions
    action: Action
    why: str = field(default="", compare=False)
