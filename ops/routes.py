"""``routes``: what should be routed where, what is deployed, which rule serves a request.

    pipenv run python -m ops.routes show --env production [--json]
    pipenv run python -m ops.routes show --state terraform-state/scorer-local-routing.tfstate
    pipenv run python -m ops.routes diff --env local --live    # exit 0 in sync, 1 drift, 2 error
    pipenv run python -m ops.routes explain --env production GET https://api.passport.xyz/v2/stamps/1/score/0xab
    pipenv run python -m ops.routes repair --env local --delete    # or --adopt: orphaned rules
    pipenv run python -m ops.routes rollback --env production      # emergency, without Terraform

``diff --live`` also reads the routing stack's state (its local file or S3 object, or
``--state``) and reports rules live at a priority this project owns but absent from state as
``orphaned`` (what a killed deploy leaves; every later deploy would fail with PriorityInUse).
``repair`` deletes them, or adopts into state (``terraform import``) those the environment has
a route for. ``rollback`` is the emergency rollback through the ELBv2 API alone: every rule
on both listeners that forwards to a Rust target group, in state or not, gets Rust weight 0
and stickiness off; then deploy with ``RUST_EMERGENCY_ROLLBACK=true`` to make Terraform agree.

``diff`` and the live reads use the ELBv2 API with the usual AWS credentials chain and honour
AWS_ENDPOINT_URL (the local emulator).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environments
from model.config import EnvironmentConfig
from model.errors import ConfigurationError
from model.listener import LISTENERS, Listener, listener_named
from model.rollout import effective_routes
from model.rollout_state import abort, applied_to, parameter_name
from model.route import Route, first_match
from model.route_table import ROUTES
from ops.deploy import initialised
from ops.guard import delete_orphans, emergency_rollback, find_orphans, repair_commands
from ops.live import LiveError, aws_client, live_rules
from ops.route_view import RuleView, intended, table, target_group_names
from ops.state import (
    StateError,
    read_rollout,
    read_routing_state,
    rules_from_state,
    write_rollout,
)
from ops.tooling import terraform_environment


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


def _live_client(config: EnvironmentConfig, service: str = "elbv2") -> Any:
    return aws_client(service, config.region)


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
    diff.add_argument("--state", type=Path,
                      help="the routing stack's state file (default: the environment's own)")
    repair = sub.add_parser("repair", help="adopt or delete orphaned rules")
    repair.add_argument("--env", required=True)
    what = repair.add_mutually_exclusive_group(required=True)
    what.add_argument("--delete", action="store_true", help="delete every orphaned rule")
    what.add_argument("--adopt", action="store_true",
                      help="terraform import the orphans the environment has a route for")
    repair.add_argument("--state", type=Path,
                        help="the routing stack's state file (default: the environment's own)")
    repair.add_argument("--stack-dir", type=Path,
                        help="the synthesized routing stack to import into (default: "
                             "cdktf.out/stacks/scorer-<env>-routing)")
    rollback = sub.add_parser("rollback", help="emergency rollback through the ELBv2 API")
    rollback.add_argument("--env", required=True)
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
        client = _live_client(config)
        if args.command == "rollback":
            lines = emergency_rollback(client, config)
            print("\n".join(lines) if lines else "no rule forwards to Rust")
            print(record_emergency(config, _live_client(config, "ssm")))
            print(f"now deploy to make Terraform agree (pipenv run python -m ops.apply --env "
                  f"{config.name} --parts routing: it keeps the recorded emergency)")
            return 0
        state = read_routing_state(config, args.state, s3=_live_client(config, "s3"))
        if args.command == "repair":
            return _repair(args, client, config, state)
        live = live_rules(client, config)
        orphans = find_orphans(client, config, state)
        persisted = read_rollout(_live_client(config, "ssm"), config)
        if persisted is not None:  # compare with what the rollout state says is live
            config = applied_to(config, persisted)
    except (LiveError, StateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # credentials, endpoint, API errors: say what, exit 2
        print(f"error: cannot read the live listeners of {config.name}: {error}", file=sys.stderr)
        return 2
    wanted = intended(config)
    drift, others = differences(wanted, live)
    orphaned = [f"orphaned    {o.listener} {o.priority} {o.route_key or 'canary slot'}: live, "
                f"not in state ({o.rule_arn})" for o in orphans]
    if args.json:
        print(json.dumps({"drift": drift, "orphaned": orphaned, "others": others}, indent=2))
    else:
        lines = orphaned + drift
        print("\n".join(lines) if lines else f"in sync: {config.name} ({len(wanted)} rules)")
        if orphans:
            print("\n".join(repair_commands(config, orphans)))
        if others:
            print("rules of other owners or at legacy priorities (not drift):")
            print("\n".join(f"  {line}" for line in others))
    return 1 if drift or orphans else 0


def record_emergency(config: EnvironmentConfig, ssm: Any) -> str:
    """The rollback in the rollout state (an emergency abort), so that deploys agree with it."""
    state = read_rollout(ssm, config)
    if state is None:
        return f"no rollout state {parameter_name(config)} to record the rollback in"
    aborted = abort(state, int(time.time()), f"{getpass.getuser()} (routes rollback)",
                    "emergency rollback without Terraform (routes rollback)", emergency=True)
    write_rollout(ssm, config, aborted)
    return f"recorded in {parameter_name(config)}: {aborted.summary}"


def _repair(args: argparse.Namespace, client: object, config: EnvironmentConfig,
            state: dict[str, object]) -> int:
    orphans = find_orphans(client, config, state)
    if not orphans:
        print(f"no orphaned rule on the listeners of {config.name}")
        return 0
    if args.delete:
        print("\n".join(delete_orphans(client, orphans)))
        return 0
    stack_dir = args.stack_dir or Path("cdktf.out") / "stacks" / config.stack_name("routing")
    if not (stack_dir / "cdk.tf.json").is_file():
        print(f"error: no synthesized routing stack in {stack_dir}: synthesize first "
              f"(ENVIRONMENTS={config.name} make synth) or give --stack-dir", file=sys.stderr)
        return 2
    intended_keys = {r.key for r in effective_routes(config, ROUTES)}
    env = terraform_environment()
    terraform = initialised(stack_dir, env)
    code = 0
    for orphan in orphans:
        if orphan.route_key not in intended_keys:
            print(f"cannot adopt {orphan.listener} {orphan.priority}: {config.name} has no "
                  f"route there (delete it: routes repair --env {config.name} --delete)")
            code = 1
            continue
        result = subprocess.run(
            [terraform, "import", "-input=false", "-no-color", str(orphan.address),
             orphan.rule_arn], cwd=stack_dir, env=env, capture_output=True,
            text=True, timeout=600, check=False)
        if result.returncode != 0:
            print(f"error: terraform import {orphan.address} failed:\n"
                  f"{(result.stdout + result.stderr)[-2000:]}", file=sys.stderr)
            return 1
        print(f"adopted     {orphan.listener} {orphan.priority} as {orphan.address}")
    return code


if __name__ == "__main__":
    sys.exit(main())
