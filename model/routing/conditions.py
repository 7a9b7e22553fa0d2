"""Listener-rule conditions as values, one class per ALB condition field, as AWS CDK's
elbv2 ``conditions.ts`` has.

Each condition renders itself (``render``, through a ``ConditionRenderer``: the constructs
implement it for Terraform, ``ops/adapters/alb.py`` for the ELBv2 API) and parses itself
from the ELBv2 API (``from_api``) and from Terraform state (``from_state``). ``Conditions``
is a rule's set of them, with ALB's matching semantics (``matches``) and limits
(``problems``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

T = TypeVar("T", covariant=True)


class ConditionRenderer(Protocol[T]):
    """Turns one condition into one block of a target (Terraform struct, API dict)."""

    def path_pattern(self, values: list[str]) -> T: ...

    def http_request_method(self, values: list[str]) -> T: ...

    def host_header(self, values: list[str]) -> T: ...

    def http_header(self, name: str, values: list[str]) -> T: ...


@dataclass(frozen=True)
class Condition:
    """One condition field of a rule: its values (sorted where ALB does not keep order)."""

    values: tuple[str, ...]
    api_field: ClassVar[str] = ""  # ``Field`` in the ELBv2 API
    state_block: ClassVar[str] = ""  # the block name in Terraform state

    def render(self, renderer: ConditionRenderer[T]) -> T:
        raise NotImplementedError

    @classmethod
    def from_api(cls, condition: Mapping[str, Any]) -> Condition:
        config = condition.get(_config_key(cls.api_field)) or {}
        return cls(tuple(config.get("Values") or condition.get("Values") or ()))

    @classmethod
    def from_state(cls, block: Mapping[str, Any]) -> Condition:
        return cls(tuple(block.get("values") or ()))


def _config_key(field: str) -> str:
    """``path-pattern`` -> ``PathPatternConfig``."""
    return "".join(part.capitalize() for part in field.split("-")) + "Config"


@dataclass(frozen=True)
class PathPattern(Condition):
    api_field: ClassVar[str] = "path-pattern"
    state_block: ClassVar[str] = "path_pattern"

    def render(self, renderer: ConditionRenderer[T]) -> T:
        return renderer.path_pattern(list(self.values))


@dataclass(frozen=True)
class HttpRequestMethod(Condition):
    api_field: ClassVar[str] = "http-request-method"
    state_block: ClassVar[str] = "http_request_method"

    def render(self, renderer: ConditionRenderer[T]) -> T:
        return renderer.http_request_method(list(self.values))


@dataclass(frozen=True)
class HostHeader(Condition):
    api_field: ClassVar[str] = "host-header"
    state_block: ClassVar[str] = "host_header"

    def render(self, renderer: ConditionRenderer[T]) -> T:
        return renderer.host_header(list(self.values))


@dataclass(frozen=True)
class HttpHeader(Condition):
    name: str = ""
    api_field: ClassVar[str] = "http-header"
    state_block: ClassVar[str] = "http_header"

    def render(self, renderer: ConditionRenderer[T]) -> T:
        return renderer.http_header(self.name, list(self.values))

    @classmethod
    def from_api(cls, condition: Mapping[str, Any]) -> HttpHeader:
        config = condition["HttpHeaderConfig"]
        return cls(tuple(config["Values"]), config["HttpHeaderName"])

    @classmethod
    def from_state(cls, block: Mapping[str, Any]) -> HttpHeader:
        return cls(tuple(block["values"]), block["http_header_name"])


CONDITION_TYPES: tuple[type[Condition], ...] = (PathPattern, HttpRequestMethod, HostHeader,
                                                HttpHeader)
_BY_API_FIELD = {kind.api_field: kind for kind in CONDITION_TYPES}


CONDITION_VALUES_MAX = 5
WILDCARDS_MAX = 5
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

    def fields(self) -> tuple[Condition, ...]:
        """The condition values of this set, in the order rules list them."""
        return ((*((PathPattern(self.paths),) if self.paths else ()),
                 *((HttpRequestMethod(self.methods),) if self.methods else ()),
                 *((HostHeader(self.hosts),) if self.hosts else ()),
                 *(HttpHeader(values, name) for name, values in self.headers)))

    def render(self, renderer: ConditionRenderer[T]) -> list[T]:
        return [condition.render(renderer) for condition in self.fields()]

    @classmethod
    def of(cls, fields: list[Condition]) -> Conditions:
        """The set of ``fields`` (values sorted, as the views compare them)."""
        def values(kind: type[Condition]) -> tuple[str, ...]:
            return tuple(sorted(v for f in fields if type(f) is kind for v in f.values))
        return cls(paths=values(PathPattern), methods=values(HttpRequestMethod),
                   hosts=values(HostHeader),
                   headers=tuple(sorted((f.name, f.values) for f in fields
                                        if isinstance(f, HttpHeader))))

    @classmethod
    def from_api(cls, conditions: list[Mapping[str, Any]]) -> Conditions:
        """A ``describe_rules`` entry's ``Conditions``; fields this project never sets are
        left out."""
        return cls.of([_BY_API_FIELD[c["Field"]].from_api(c) for c in conditions
                       if c.get("Field") in _BY_API_FIELD])

    @classmethod
    def from_state(cls, conditions: list[Mapping[str, Any]]) -> Conditions:
        """A Terraform state rule's ``condition`` blocks."""
        return cls.of([kind.from_state(block) for c in conditions for kind in CONDITION_TYPES
                       for block in c.get(kind.state_block) or []])

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


