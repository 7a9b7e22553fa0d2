"""Routes as values: conditions and actions of one ALB listener rule.

Modelled on AWS CDK's elbv2 ``ListenerAction.forward`` / ``weightedForward`` /
``fixedResponse``: an action is a value, built once and checked by ``problems()``
before any resource exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
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
    headers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (header name, values)

    def value_count(self) -> int:
        header_values = sum(len(values) for _, values in self.headers)
        return len(self.paths) + len(self.methods) + len(self.hosts) + header_values

    def wildcard_count(self) -> int:
        values = (*self.paths, *self.hosts, *(v for _, vs in self.headers for v in vs))
        return sum(v.count("*") + v.count("?") for v in values)

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


@cache
def _pattern(value: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def pattern_matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """ALB wildcard matching: ``*`` any run of characters (``/`` included), ``?`` one."""
    return _pattern(pattern, ignore_case).match(value) is not None


def _could_share(ours: tuple[str, ...], theirs: tuple[str, ...], ignore_case: bool) -> bool:
    """Whether some value may match a pattern of each side (an empty side matches all).

    A sample of each pattern (wildcards replaced by ``x``) is tried against the other side:
    exact for literal patterns, and it finds the overlaps of the route table's shapes.
    """
    if not ours or not theirs:
        return True
    def sample(p: str) -> str:
        return p.replace("*", "x").replace("?", "x")
    return any(pattern_matches(a, sample(b), ignore_case) or pattern_matches(b, sample(a),
                                                                             ignore_case)
               for a in ours for b in theirs)


def could_overlap(a: Conditions, b: Conditions) -> bool:
    """Whether one request may match both condition sets (headers left aside)."""
    if a.methods and b.methods and not set(a.methods) & set(b.methods):
        return False
    return _could_share(a.paths, b.paths, False) and _could_share(a.hosts, b.hosts, True)


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


def with_header(conditions: Conditions, name: str, value: str) -> Conditions:
    return Conditions(conditions.paths, conditions.methods, conditions.hosts,
                      (*conditions.headers, (name, (value,))))


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
    only and never adds or removes resources. ``rust_percent`` set on the action (a per-route
    override) wins over the environment's R; ``sticky=False`` is the emergency rollback.
    """

    python: str
    rust: str
    stickiness_seconds: int = 3600
    rust_percent: int | None = None
    sticky: bool = True

    def backends(self) -> tuple[str, ...]:
        return (self.python, self.rust)

    def targets(self, rust_percent: int) -> tuple[Target, ...]:
        r = self.rust_percent if self.rust_percent is not None else rust_percent
        return (Target(self.python, 100 - r), Target(self.rust, r))


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
