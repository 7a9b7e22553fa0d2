"""``routes``: what should be routed where, what is deployed, which rule serves a request.

    pipenv run python -m ops.routes show --env production [--json]
    pipenv run python -m ops.routes show --state terraform-state/scorer-local-routing.tfstate
    pipenv run python -m ops.routes diff --env local --live    # exit 0 in sync, 1 drift, 2 error
    pipenv run python -m ops.routes explain --env production GET https://api.passport.xyz/v2/stamps/1/score/0xab

``diff`` and the live reads use the ELBv2 API with the usual AWS credentials chain and honour
AWS_ENDPOINT_URL (the local emulator).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import environments
from model.config import EnvironmentConfig
from model.errors import ConfigurationError
from model.listener import LISTENERS, Listener, listener_named
from model.rollout import effective_routes
from model.route import Route, first_match
from model.route_table import ROUTES
from ops.live import LiveError, live_rules
from ops.route_view import RuleView, intended, table, target_group_names
from ops.state import StateError, rules_from_state


def _environment(name: str) -> EnvironmentConfig:
    """``name``'s configuration with the deploy-time variables applied, as main.py does."""
    if name not in environments.ENVIRONMENTS:
        raise ConfigurationError(f"--env {name!r} is not an environment; known: "
                                 f"{', '.join(environments.ENVIRONMENTS)}")
    return environments.selected({**os.environ, "ENVIRONMENTS": name})[0]


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


def _print(views: list[RuleView], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(v) for v in views], indent=2))
    else:
        print(table(views))


def differences(wanted: list[RuleView], live: list[RuleView]) -> tuple[list[str], list[str]]:
    """(drift lines, lines about rules of other owners or at legacy priorities)."""
    drift, others = [], []
    by_place = {(v.listener, v.priority): v for v in live}
    for want in wanted:
        have = by_place.pop((want.listener, want.priority), None)
        place = f"{want.listener} {want.priority} {want.key}"
        if have is None:
            drift.append(f"missing     {place}")
            continue
        for field in ("paths", "methods", "hosts", "headers", "stickiness", "fixed_response"):
            if getattr(want, field) != getattr(have, field):
                drift.append(f"mismatch    {place}: {field} {getattr(have, field)!r} "
                             f"(want {getattr(want, field)!r})")
        if sorted(want.targets) != sorted(have.targets):
            drift.append(f"mismatch    {place}: targets {_targets(have)} (want {_targets(want)})")
    for have in sorted(by_place.values(), key=lambda v: (v.listener, v.priority)):
        line = f"{have.listener} {have.priority}: {_targets(have)}"
        if have.key in ("legacy", "held"):
            others.append(f"{have.key:<11} {line}")
        else:
            drift.append(f"unexpected  {line}")
    return drift, others


def _targets(view: RuleView) -> str:
    if view.fixed_response:
        return f"fixed {view.fixed_response}"
    return ", ".join(n if w is None else f"{n}={w}" for n, w in sorted(view.targets))


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


def _live_client(config: EnvironmentConfig):  # noqa: ANN202 (boto3 client)
    import boto3

    return boto3.client("elbv2", region_name=config.region)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="routes", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="the route table from the code or from Terraform state")
    source = show.add_mutually_exclusive_group(required=True)
    source.add_argument("--env", help="environment: the intended table, from the code")
    source.add_argument("--state", type=Path, help=".tfstate or `terraform show -json` output")
    show.add_argument("--json", action="store_true")
    diff = sub.add_parser("diff", help="intended table against the live listeners")
    diff.add_argument("--env", required=True)
    diff.add_argument("--live", action="store_true", required=True)
    diff.add_argument("--json", action="store_true")
    why = sub.add_parser("explain", help="which rule serves a request, and where it goes")
    why.add_argument("--env", required=True)
    why.add_argument("method")
    why.add_argument("url")
    why.add_argument("--listener", choices=[str(lst) for lst in LISTENERS], default="public")
    why.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                     help="a request header, e.g. X-Use-Rust-Scorer:true (repeatable)")
    why.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ConfigurationError as error:  # unknown environment, bad deploy-time variable
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "show":
        if args.state is not None:
            if not args.state.is_file():
                print(f"error: no state file {args.state}", file=sys.stderr)
                return 2
            try:
                _print(rules_from_state(args.state), args.json)
            except StateError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        else:
            _print(intended(_environment(args.env)), args.json)
        return 0
    if args.command == "explain":
        pairs = (h.split(":", 1) for h in args.header if ":" in h)
        headers = {k.strip(): v.strip() for k, v in pairs}
        config = _environment(args.env)
        listener = listener_named(args.listener)
        if args.json:
            print(json.dumps(explain_json(config, args.method, args.url, listener, headers),
                             indent=2))
        else:
            print(explain(config, args.method, args.url, listener, headers))
        return 0
    config = _environment(args.env)
    try:
        live = live_rules(_live_client(config), config)
    except LiveError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # credentials, endpoint, API errors: say what, exit 2
        print(f"error: cannot read the live listeners of {config.name}: {error}", file=sys.stderr)
        return 2
    wanted = intended(config)
    drift, others = differences(wanted, live)
    if args.json:
        print(json.dumps({"drift": drift, "others": others}, indent=2))
    else:
        print("\n".join(drift) if drift else f"in sync: {config.name} ({len(wanted)} rules)")
        if others:
            print("rules of other owners or at legacy priorities (not drift):")
            print("\n".join(f"  {line}" for line in others))
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
