"""``rollout``: progressive rollout of Rust on one environment (docs/rollout.md).

    pipenv run rollout start --env E --steps 5,10,25,50,100 [--bake 1h]
                                           [--routes k1,k2]
    pipenv run rollout status  --env E [--json] [--watch [--every 10]]
    pipenv run rollout history --env E [--json]
    pipenv run rollout advance --env E [--force] [--reason ...]
    pipenv run rollout pause|resume|promote --env E [--reason ...]
    pipenv run rollout abort   --env E --reason ...
    pipenv run rollout tick    --env E        # one controller run, here: idempotent
    pipenv run rollout restore --env E --reason ...   # the head item was deleted

The library is ``ops.controller.rollout``; the state lives in the rollout state store
(``ops.adapters.store``). Exit status (``ops.cli.common``): 0 done (or nothing to do),
1 refused (the reason is printed) or recorded but not yet on every rule, 2 error (no state,
an unreadable state, an abort the listeners carry but the store could not record).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from model.rollout.state import RolloutError, reason_problem
from ops.adapters.clients import AwsClients
from ops.cli.common import environment, run
from ops.controller.rollout import Rollout


def _one_line(text: object) -> str:
    """``text`` with line breaks and other control characters escaped: no stored value can
    print a line that looks like another entry."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                   for c in str(text))


def _status_text(answer: dict[str, Any]) -> str:
    s = _one_line
    lines = [f"rollout of {s(answer['environment'])} ({s(answer['store'])}, version "
             f"{answer['version']}): {s(answer['summary'])}"]
    if answer["step"]:
        lines.append(f"steps {','.join(map(str, answer['steps']))}, step {answer['step']}, "
                     f"bake {answer['bake_s']} s"
                     + (f", {answer['bake_left_s']} s left" if answer["bake_left_s"] is not None
                        else ""))
    if answer.get("aborted_routes"):
        lines.append(f"aborted routes (R 0, not sticky, out of the rollout until a start): "
                     f"{', '.join(map(s, answer['aborted_routes']))}")
    rust = answer["rust"]
    live = (f"{s(rust['live'] or 'an unnamed build')} (version {s(rust['live_version'])})"
            if rust["live_version"] is not None else "no alias yet")
    lines.append(f"rust release: {s(rust['release'])}; live on the alias: {live}")
    lines.append("rules (live | recorded):")
    for row in answer["live"]:
        flag = "  " if row["same"] else "! "
        lines.append(f"  {flag}{s(row['route']):<30} {s(row['live']):<44} | "
                     f"{s(row['recorded'])}" + (f"  marked {s(row['mark'])}" if row["mark"]
                                                else ""))
    if answer["drift"]:
        lines.append(f"{len(answer['drift'])} rule(s) differ from the record (the controller "
                     "repairs them)")
    for gate in answer["gates"]:
        lines.append(f"  gate {s(gate['gate']):<7} {s(gate['route']):<26} "
                     f"{s(gate['status']):<12} {s(gate['detail'])}")
    if answer["next"]:
        lines.append(f"next step -> {s(answer['next']['to'])}, on "
                     f"{len(answer['next']['rules'])} rule(s):")
        lines += [f"  {s(line)}" for line in answer["next"]["rules"]]
    controller = answer["controller"]
    scope = ("the failing routes" if controller.get("abort_scope") == "routes"
             else "every rollout route")
    running = (f"on, {controller['schedule']}" if controller["enabled"] else "off") + (
        f"; an automatic abort acts on {scope}")
    lines.append(f"controller ({running}) would {answer['controller_would']['action']}: "
                 f"{s(answer['controller_would']['why'])}")
    lines.append(f"last: {s(answer['last']['actor'])}: {s(answer['last']['reason'])}")
    return "\n".join(lines)


def _history_text(rows: list[dict[str, Any]]) -> str:
    out = []
    for row in rows:  # every field on its own line, control characters escaped
        try:
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["when"]))
        except (OverflowError, OSError, ValueError, TypeError):  # a stored time out of range
            when = _one_line(row["when"])
        who, actor, before, after, why = (_one_line(row[k]) for k in
                                          ("who", "actor", "from", "to", "why"))
        out.append(f"v{row['version']} {when}  {who} ({actor})\n"
                   f"    {before or '(created)'} -> {after}; rust release "
                   f"{_one_line(row['rust'] or '(not recorded)')}\n    why: {why}")
    return "\n".join(out)


def watch(show: Callable[[], dict[str, Any]], every_s: float,
          sleep: Callable[[float], None] = time.sleep, limit: int | None = None,
          out: Callable[[str], None] = print) -> int:
    """Print the status, then again every ``every_s`` seconds until the phase changes (or
    Ctrl-C, or ``limit`` refreshes)."""
    first = show()
    out(_status_text(first))
    shown = 0
    try:
        while limit is None or shown < limit:
            sleep(every_s)
            answer = show()
            shown += 1
            out(f"\n--- {time.strftime('%H:%M:%S')} ---\n{_status_text(answer)}")
            if answer["phase"] != first["phase"]:
                out(f"phase changed: {first['phase']} -> {answer['phase']}")
                return 0
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: list[str] | None = None, clients: AwsClients | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rollout", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {name: sub.add_parser(name) for name in (
        "start", "status", "history", "advance", "pause", "resume", "promote", "abort", "tick",
        "restore")}
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
    commands["restore"].add_argument("--reason", required=True)
    commands["status"].add_argument("--watch", action="store_true",
                                    help="refresh until the phase changes (or Ctrl-C)")
    commands["status"].add_argument("--every", type=float, default=10.0,
                                    help="seconds between refreshes (default 10)")
    args = parser.parse_args(argv)
    if args.command == "status" and not 1 <= args.every <= 3600:
        parser.error(f"--every {args.every:g} must be 1..3600 seconds")
    return run(lambda: _run(args, Rollout.of(environment(args.env), clients)))


def _run(args: argparse.Namespace, rollout: Rollout) -> int:
    if args.command == "status":
        if args.watch:
            return watch(lambda: rollout.status(int(time.time())), args.every)
        answer = rollout.status(int(time.time()))
        print(json.dumps(answer, indent=2) if args.json else _status_text(answer))
        return 0
    if args.command == "history":
        rows = rollout.history()
        print(json.dumps(rows, indent=2) if args.json else _history_text(rows))
        return 0
    now = int(time.time())
    if args.command == "restore":
        problem = reason_problem(args.reason)
        if problem:
            raise RolloutError(problem)
        version = rollout.store.restore(now, args.reason)
        print(f"restored: {rollout.store.where()} head is version {version} again")
        return 0
    outcome = rollout.transition(
        args.command, now, reason=getattr(args, "reason", "") or "",
        steps=getattr(args, "steps", "") or "", bake=getattr(args, "bake", None),
        routes=getattr(args, "routes", None), force=getattr(args, "force", False))
    if args.json:
        print(json.dumps({"what": outcome.what, "action": outcome.action,
                          "state": json.loads(outcome.state.to_json()) if outcome.state
                          else None, "live": outcome.lines}, indent=2))
    else:
        print(_one_line(outcome.what))
        if outcome.lines:
            print("\n".join(f"  {line}" for line in outcome.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
