"""``rollout``: progressive rollout of Rust on one environment (docs/rollout.md).

    pipenv run rollout start --env E --steps 5,10,25,50,100 [--bake 1h]
                                           [--routes k1,k2]
    pipenv run rollout status  --env E [--json]
    pipenv run rollout history --env E [--json]
    pipenv run rollout advance --env E [--force] [--reason ...]
    pipenv run rollout pause|resume|promote --env E [--reason ...]
    pipenv run rollout abort   --env E --reason ... [--emergency]
    pipenv run rollout tick    --env E        # for a scheduler: idempotent

The library is ``ops.controller.rollout``; the state lives in the rollout state store
(``ops.adapters.store``). Exit status (``ops.cli.common``): 0 done (or nothing to do),
1 refused (the reason is printed), 2 error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ops.adapters.clients import AwsClients
from ops.cli.common import environment, run
from ops.controller.rollout import Rollout


def _status_text(answer: dict[str, Any]) -> str:
    lines = [f"rollout of {answer['environment']} ({answer['parameter']}): {answer['summary']}"]
    if answer["step"]:
        lines.append(f"steps {','.join(map(str, answer['steps']))}, step {answer['step']}, "
                     f"bake {answer['bake_s']} s"
                     + (f", {answer['bake_left_s']} s left" if answer["bake_left_s"] is not None
                        else ""))
    lines.append("R per route: " + ", ".join(f"{k}={v}" for k, v in
                                             sorted(answer["routes"].items())))
    for gate in answer["gates"]:
        lines.append(f"  gate {gate['gate']:<7} {gate['route']:<26} {gate['status']:<12} "
                     f"{gate['detail']}")
    lines.append(f"tick would {answer['tick_would']['action']}: {answer['tick_would']['why']}")
    lines.append(f"last: {answer['last']['actor']}: {answer['last']['reason']}")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: no stored value can
    print a line that looks like another history entry."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def main(argv: list[str] | None = None, clients: AwsClients | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rollout", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {name: sub.add_parser(name) for name in (
        "start", "status", "history", "advance", "pause", "resume", "promote", "abort", "tick")}
    for command in commands.values():
        command.add_argument("--env", required=True)
        command.add_argument("--json", action="store_true")
    for name in ("start", "advance", "pause", "resume", "promote"):
        commands[name].add_argument("--reason", default="")
    commands["start"].add_argument("--steps", required=True, help="e.g. 5,10,25,50,100")
    commands["start"].add_argument("--bake", help="e.g. 1h (default: the stickiness duration)")
    commands["start"].add_argument("--routes", help="route keys (default: every weighted route)")
    commands["advance"].add_argument("--force", action="store_true")
    commands["abort"].add_argument("--reason", required=True)
    commands["abort"].add_argument("--emergency", action="store_true")
    args = parser.parse_args(argv)
    return run(lambda: _run(args, Rollout.of(environment(args.env), clients),
                            int(time.time())))


def _run(args: argparse.Namespace, rollout: Rollout, now: int) -> int:
    if args.command == "status":
        answer = rollout.status(now)
        print(json.dumps(answer, indent=2) if args.json else _status_text(answer))
        return 0
    if args.command == "history":
        rows = rollout.history()
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:  # every field on its own line, control characters escaped
                when, who, before, after, why = (
                    _one_line(str(row[k])) for k in ("when", "who", "from", "to", "why"))
                print(f"{when}  {who}\n    {before or '(created)'} -> {after}\n    why: {why}")
        return 0
    new, lines, what = rollout.transition(
        args.command, now, reason=getattr(args, "reason", "") or "",
        steps=getattr(args, "steps", "") or "", bake=getattr(args, "bake", None),
        routes=getattr(args, "routes", None), force=getattr(args, "force", False),
        emergency=getattr(args, "emergency", False))
    if args.json:
        print(json.dumps({"what": what, "state": json.loads(new.to_json()), "live": lines},
                         indent=2))
    else:
        print(what)
        if lines:
            print("\n".join(f"  {line}" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
