"""``routes``: what should be routed where, what is deployed, which rule serves a request.

    pipenv run routes show --env production [--json]
    pipenv run routes show --state terraform-state/scorer-local-routing.tfstate
    pipenv run routes diff --env local --live    # exit 0 in sync, 1 drift, 2 error
    pipenv run routes explain --env production GET https://api.passport.xyz/v2/stamps/1/score/0xab
    pipenv run routes repair --env local --delete    # or --adopt: orphaned rules
    pipenv run routes rollback --env production      # emergency, without Terraform

``diff --live`` also reads the routing stack's state (its local file or S3 object, or
``--state``) and reports rules live at a priority this project owns but absent from state as
``orphaned`` (what a killed deploy leaves; every later deploy would fail with PriorityInUse).
``repair`` deletes them, or adopts into state (``terraform import``) those the environment has
a route for. ``rollback`` is the emergency rollback through the ELBv2 API alone: every rule
on both listeners that forwards to a Rust target group, in state or not, gets Rust weight 0
and stickiness off, recorded in the rollout state as an emergency abort; a deploy then keeps
it (``pipenv run deploy --env E --parts routing``).

``diff`` and the live reads use the usual AWS credentials chain and honour AWS_ENDPOINT_URL
(the local emulator). Exit status: ``ops.cli.common``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout.controls import effective_routes
from model.rollout.state import applied_to
from model.routing.explain import explain, explain_json
from model.routing.listener import LISTENERS, listener_named
from model.routing.view import RuleView, differences, intended
from ops.adapters.alb import LiveError, Router
from ops.adapters.aws import Clients
from ops.adapters.clients import AwsClients
from ops.adapters.tfstate import StateError, read_routing_state, rules_from_state
from ops.cli.common import ERROR, environment, run
from ops.cli.tables import table
from ops.controller.rollback import emergency_rollback
from ops.controller.rollout import Rollout
from ops.driver.preflight import delete_orphans, find_orphans, repair_commands
from ops.driver.terraform import DeployError, import_resource
from ops.driver.tools import terraform_environment


def _print(views: list[RuleView], as_json: bool) -> None:
    print(json.dumps([asdict(v) for v in views], indent=2) if as_json else table(views))


def main(argv: list[str] | None = None, clients: AwsClients | None = None) -> int:
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
    return run(lambda: _run(args, clients))


def _run(args: argparse.Namespace, clients: AwsClients | None) -> int:
    if args.command == "show":
        if args.state is not None:
            if not args.state.is_file():
                raise StateError(f"no state file {args.state}")
            _print(rules_from_state(args.state), args.json)
        else:
            _print(intended(environment(args.env)), args.json)
        return 0
    config = environment(args.env)
    if args.command == "explain":
        pairs = (h.split(":", 1) for h in args.header if ":" in h)
        headers = {k.strip(): v.strip() for k, v in pairs}
        listener = listener_named(args.listener)
        if args.json:
            print(json.dumps(explain_json(config, args.method, args.url, listener, headers),
                             indent=2))
        else:
            print(explain(config, args.method, args.url, listener, headers))
        return 0
    clients = clients or Clients(config.region)
    rollout = Rollout.of(config, clients)
    router, store = rollout.router, rollout.store
    if args.command == "rollback":
        outcome = emergency_rollback(rollout)
        print("\n".join(outcome.lines) if outcome.lines else "no rule forwards to Rust")
        print(f"recorded in {store.where()}: {outcome.what}")
        print(f"a deploy keeps it (pipenv run deploy --env {config.name} --parts routing: "
              "it keeps the recorded abort)")
        return 0
    state = read_routing_state(config, args.state, s3=clients.s3)
    if args.command == "repair":
        return _repair(args, router, config, state)
    try:
        live = router.views()
        orphans = find_orphans(router, config, state)
        persisted = store.read()
    except (StateError, LiveError):
        raise
    except Exception as error:  # credentials, endpoint, API errors: say what, exit 2
        print(f"error: cannot read the live listeners of {config.name}: {error}",
              file=sys.stderr)
        return ERROR
    if persisted is not None:  # compare with what the rollout state says is live
        config = applied_to(config, persisted.state)
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


def _repair(args: argparse.Namespace, router: Router, config: EnvironmentConfig,
            state: dict[str, Any]) -> int:
    orphans = find_orphans(router, config, state)
    if not orphans:
        print(f"no orphaned rule on the listeners of {config.name}")
        return 0
    if args.delete:
        print("\n".join(delete_orphans(router, orphans)))
        return 0
    stack_dir = args.stack_dir or Path("cdktf.out") / "stacks" / config.stack_name("routing")
    if not (stack_dir / "cdk.tf.json").is_file():
        print(f"error: no synthesized routing stack in {stack_dir}: synthesize first "
              f"(ENVIRONMENTS={config.name} make synth) or give --stack-dir", file=sys.stderr)
        return ERROR
    intended_keys = {r.key for r in effective_routes(config, ROUTES)}
    env = terraform_environment()
    code = 0
    for orphan in orphans:
        if orphan.route_key not in intended_keys:
            print(f"cannot adopt {orphan.listener} {orphan.priority}: {config.name} has no "
                  f"route there (delete it: pipenv run routes repair --env {config.name} "
                  "--delete)")
            code = 1
            continue
        try:
            import_resource(stack_dir, env, str(orphan.address), orphan.rule_arn)
        except DeployError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"adopted     {orphan.listener} {orphan.priority} as {orphan.address}")
    return code


if __name__ == "__main__":
    sys.exit(main())
