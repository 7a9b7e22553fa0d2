"""Which rule serves a request, under ALB semantics (spec/routes.md).

Rules are evaluated from the lowest priority up; the first rule whose conditions all match
wins, else the listener's default action. ``path-pattern`` is case-sensitive, ``host-header``
case-insensitive; in both ``*`` matches any run of characters (``/`` included) and ``?``
one character. Methods match exactly (they are upper-case names).
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from modules.route import Conditions, Route


@cache
def _pattern(value: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(conditions: Conditions, method: str, host: str, path: str) -> bool:
    if conditions.paths and not any(_pattern(p, False).match(path) for p in conditions.paths):
        return False
    if conditions.hosts and not any(_pattern(h, True).match(host) for h in conditions.hosts):
        return False
    return not conditions.methods or method in conditions.methods


def split_url(url: str, default_host: str) -> tuple[str, str]:
    """(host, path) of a URL (``https://host/path?q``) or of a bare path (``/path``)."""
    parts = urlsplit(url if "://" in url else f"http://{default_host}{url}")
    return (parts.hostname or default_host), (parts.path or "/")


def first_match(routes: tuple[Route, ...], listener: str, method: str, host: str,
                path: str) -> Route | None:
    for route in sorted((r for r in routes if r.listener == listener), key=lambda r: r.priority):
        if matches(route.conditions, method, host, path):
            return route
    return None
