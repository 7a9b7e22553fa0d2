"""Which rule serves a request, and where it goes (``routes explain``), from the route table
with an environment's rollout controls applied."""

from __future__ import annotations

from urllib.parse import urlsplit

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.errors import ConfigurationError
from model.rollout.controls import effective_routes
from model.routing.listener import Listener
from model.routing.route import Route, first_match
from model.routing.view import target_group_names


def split_url(url: str, default_host: str) -> tuple[str, str]:
    """(host, path) of a URL (``https://host/path?q``) or of a bare path (``/path``);
    ConfigurationError for anything else."""
    if url.startswith("/"):
        url = f"http://{default_host}{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{url!r} is not a request URL: give http(s)://host/path "
                                 "or a path starting with /")
    return parts.hostname, parts.path or "/"


def _serving(config: EnvironmentConfig, method: str, url: str, listener: Listener,
             headers: dict[str, str] | None) -> tuple[str, str, Route | None]:
    """(host, path, the rule that serves the request or None for the default action)."""
    host, path = split_url(url, config.public_domain)
    route = first_match(effective_routes(config, ROUTES), listener, method, host, path, headers)
    return host, path, route


def explain_json(config: EnvironmentConfig, method: str, url: str, listener: Listener,
                 headers: dict[str, str] | None = None) -> dict[str, object]:
    """The same answer as ``explain``, for machines."""
    host, path, route = _serving(config, method, url, listener, headers)
    answer: dict[str, object] = {"method": method, "host": host, "path": path,
                                 "listener": listener.name, "route": None, "priority": None}
    names = target_group_names(config)
    if route is None:
        default = listener.default_action.explain_json(names)
        default.pop("stickiness", None)
        targets = default.pop("targets", None)
        answer["default_action"] = ({"forward": targets[0]["target_group"]} if targets
                                    else default)
        return answer
    answer.update(route=route.key, priority=route.priority)
    answer.update(route.action.explain_json(names))
    return answer


def explain(config: EnvironmentConfig, method: str, url: str, listener: Listener,
            headers: dict[str, str] | None = None) -> str:
    host, path, route = _serving(config, method, url, listener, headers)
    request = f"{method} {host}{path} on the {listener} listener"
    names = target_group_names(config)
    if route is None:
        lines = [request, "  no rule matches: default action of the listener"]
        action = listener.default_action
    else:
        lines = [request, f"  rule {route.key} (priority {route.priority}): {route.why}"]
        action = route.action
    lines += [f"  {line}" for line in action.explain(names)]
    return "\n".join(lines)
