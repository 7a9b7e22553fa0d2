"""Which rule serves a request, under ALB semantics (spec/routes.md).

Rules are evaluated from the lowest priority up; the first rule whose conditions all match
wins, else the listener's default action. ``path-pattern`` is case-sensitive, ``host-header``
case-insensitive; in both ``*`` matches any run of characters (``/`` included) and ``?``
one character. Methods match exactly (they are upper-case names). Header names are
case-insensitive, header values are wildcard patterns matched case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from modules.route import Conditions, Route, pattern_matches


def matches(conditions: Conditions, method: str, host: str, path: str,
            headers: Mapping[str, str] | None = None) -> bool:
    if conditions.paths and not any(pattern_matches(p, path) for p in conditions.paths):
        return False
    if conditions.hosts and not any(pattern_matches(h, host, True) for h in conditions.hosts):
        return False
    if conditions.methods and method not in conditions.methods:
        return False
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    for name, values in conditions.headers:
        value = sent.get(name.lower())
        if value is None or not any(pattern_matches(v, value, True) for v in values):
            return False
    return True


def split_url(url: str, default_host: str) -> tuple[str, str]:
    """(host, path) of a URL (``https://host/path?q``) or of a bare path (``/path``)."""
    parts = urlsplit(url if "://" in url else f"http://{default_host}{url}")
    return (parts.hostname or default_host), (parts.path or "/")


def first_match(routes: tuple[Route, ...], listener: str, method: str, host: str,
                path: str, headers: Mapping[str, str] | None = None) -> Route | None:
    for route in sorted((r for r in routes if r.listener == listener), key=lambda r: r.priority):
        if matches(route.conditions, method, host, path, headers):
            return route
    return None
