"""Routes as values: where a listener rule sits, what it matches and what it does.

Conditions are a small value with ALB's matching semantics (``matches``) and limits
(``problems``); actions are in ``model.actions``, listeners in ``model.listener``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from model.actions import Action
from model.listener import Listener

CONDITION_VALUES_MAX = 5
WILDCARDS_MAX = 5
PRIORITY_MIN, PRIORITY_MAX = 1, 50_000
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PATTERN_LENGTH_MAX = 128  # characters of one path-pattern or host-header value
# The characters ALB accepts in a path pattern and in a host header value.
_PATH_PATTERN = re.compile(r"[A-Za-z0-9_\-.$/~\"'@:+&*?]+")
_HOST_PATTERN = re.compile(r"[A-Za-z0-9\-.*?]+")


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

    def matches(self, method: str, host: str, path: str,
                headers: Mapping[str, str] | None = None) -> bool:
        """Whether a request matches, under ALB semantics: every given condition type must
        match; ``path-pattern`` is case-sensitive, ``host-header`` case-insensitive, and in
        both ``*`` matches any run of characters (``/`` included) and ``?`` one character.
        Methods match exactly (upper-case names). Header names are case-insensitive, header
        values are wildcard patterns matched case-insensitively."""
        if self.paths and not any(pattern_matches(p, path) for p in self.paths):
            return False
        if self.hosts and not any(pattern_matches(h, host, True) for h in self.hosts):
            return False
        if self.methods and method not in self.methods:
            return False
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        for name, values in self.headers:
            value = sent.get(name.lower())
            if value is None or not any(pattern_matches(v, value, True) for v in values):
                return False
        return True

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
        for kind, values, allowed, characters in (
                ("path pattern", self.paths, _PATH_PATTERN,
                 "A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?"),
                ("host header", self.hosts, _HOST_PATTERN, "A-Z a-z 0-9 - . * ?")):
            for value in values:
                if not value:
                    found.append(f"{kind} is empty")
                elif len(value) > PATTERN_LENGTH_MAX:
                    found.append(f"{kind} {value[:40]!r}... is {len(value)} characters, more "
                                 f"than {PATTERN_LENGTH_MAX}")
                elif not allowed.fullmatch(value):
                    found.append(f"{kind} {value!r} has characters ALB refuses (allowed: "
                                 f"{characters})")
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
