"""``rollout``: progressive rollout of Rust on one environment (docs/rollout.md).

    pipenv run python -m ops.rollout start --env E --steps 5,10,25,50,100 [--bake 1h]
                                           [--routes k1,k2]
    pipenv run python -m ops.rollout status  --env E [--json]
    pipenv run python -m ops.rollout history --env E [--json]
    pipenv run python -m ops.rollout advance --env E [--force] [--reason ...]
    pipenv run python -m ops.rollout pause|resume|promote --env E [--reason ...]
    pipenv run python -m ops.rollout abort   --env E --reason ... [--emergency]
    pipenv run python -m ops.rollout tick    --env E        # for a scheduler: idempotent

The state lives in SSM Parameter Store (``/scorer/<env>/rust-rollout``; the routing stack
creates it with the environment's R, then these commands own its value; its version history
is the audit trail). A transition writes the state, then sets the weights of the live rules
through the ELBv2 API (an abort sets the listeners first): no Terraform run, seconds. A later
deploy keeps them: the deploy driver synthesizes with the persisted state, and the routing
stack's rules refuse a plan whose weights differ from it.

Exit status: 0 done (or nothing to do), 1 refused (the reason is printed), 2 error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from typing import Any

import environments
from model import rollout_state as rs
from model.config import EnvironmentConfig
from model.errors import ConfigurationError
from model.functions import FUNCTIONS
from model.gates import DEFAULT_POLICY, SideMetrics, Verdict, alarm_verdict, route_verdicts
from model.listener import LISTENERS
from model.rollout import effective_routes, rust_alarm_prefixes
from model.route_table import ROUTES
from ops.guard import owned_priorities, target_group_arns
from ops.live import aws_client, listener_arns, listener_rules, load_balancer_arn
from ops.route_view import target_group_names
from ops.state import read_rollout, write_rollout


class Clients:
    """The boto3 clients a rollout uses, made from the usual credentials chain."""

    def __init__(self, config: EnvironmentConfig) -> None:
        self._region = config.region
        self._made: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._made:
            self._made[service] = aws_client(service, self._region)
        return self._made[service]


# ---- the persisted state ---------------------------------------------------------------------
def require_state(clients: Any, config: EnvironmentConfig) -> rs.RolloutState:
    state = read_rollout(clients.ssm, config)
    if state is None:
        raise rs.RolloutError(f"no rollout state {rs.parameter_name(config)}: deploy the "
                              f"routing stack of {config.name} first (it creates the state)")
    return state


def history(clients: Any, config: EnvironmentConfig) -> list[dict[str, Any]]:
    """Every transition, oldest first: when, who, from, to, why (from the parameter's versions)."""
    versions: list[dict[str, Any]] = []
    token = None
    while True:
        page = clients.ssm.get_parameter_history(
            Name=rs.parameter_name(config), **({"NextToken": token} if token else {}))
        versions += page["Parameters"]
        token = page.get("NextToken")
        if not token:
            break
    found, before = [], None
    for version in sorted(versions, key=lambda v: v["Version"]):
        state = rs.RolloutState.from_json(version["Value"])
        when = version["LastModifiedDate"]
        found.append({
            "version": version["Version"],
            "when": when.isoformat() if hasattr(when, "isoformat") else str(when),
            "who": state.actor or version.get("LastModifiedUser", ""),
            "identity": version.get("LastModifiedUser", ""),
            "from": before.summary if before else "",
            "to": state.summary,
            "why": state.reason + (" (forced)" if state.forced else ""),
        })
        before = state
    return found


# ---- the live listeners ------------------------------------------------------------------------
def apply_weights(clients: Any, config: EnvironmentConfig, state: rs.RolloutState) -> list[str]:
    """Set every weighted rule (and canary rule) of ``config`` on the live listeners to what
    ``state`` says, as Terraform would render it; one line per rule changed."""
    wanted = effective_routes(rs.applied_to(config, state), ROUTES)
    names = target_group_names(config)
    arns = target_group_arns(clients.elbv2, set(names.values()))
    owned = owned_priorities(config)
    by_place = {(r.listener, r.priority): r for r in wanted
                if r.action.weighted or r.canary_of is not None}
    lines = []
    for listener, listener_arn in listener_arns(clients.elbv2, config).items():
        for rule in listener_rules(clients.elbv2, listener_arn):
            route = by_place.get((listener, int(rule["Priority"])))
            if route is None or owned[listener].get(route.priority) != route.key:
                continue
            view = route.action.view(names)
            targets = [{"TargetGroupArn": arns[name], "Weight": weight if weight is not None
                        else 1} for name, weight in view.targets]
            if route.action.weighted:
                duration = getattr(route.action, "stickiness_seconds", 3600)
                action = {"Type": "forward", "ForwardConfig": {
                    "TargetGroups": targets, "TargetGroupStickinessConfig": {
                        "Enabled": view.stickiness is not None, "DurationSeconds": duration}}}
            else:
                action = {"Type": "forward", "TargetGroupArn": targets[0]["TargetGroupArn"]}
            clients.elbv2.modify_rule(RuleArn=rule["RuleArn"], Actions=[action])
            shown = ", ".join(n if w is None else f"{n}={w}" for n, w in view.targets)
            lines.append(f"{listener} {route.priority} {route.key}: {shown}"
                         + ("" if not route.action.weighted else
                            " sticky" if view.stickiness else " not sticky"))
    return lines


# ---- gates ---------------------------------------------------------------------------------
def _dimension(arn: str) -> str:
    """An ARN as CloudWatch's ALB dimensions name it: ``app/<lb>/<id>`` for a load
    balancer, ``targetgroup/<name>/<id>`` for a target group."""
    if ":targetgroup/" in arn:
        return "targetgroup/" + arn.split(":targetgroup/", 1)[1]
    return arn.split(":loadbalancer/", 1)[1]


def gate_verdicts(clients: Any, config: EnvironmentConfig, state: rs.RolloutState,
                  now: int) -> list[Verdict]:
    """The alarm gate and, per route in the rollout, the 5XX and p99 gates over the bake
    window (the current step's start to ``now``)."""
    verdicts = [alarm_verdict(rust_alarms_in_alarm(clients, config))]
    start = state.step_started_at or now - state.bake_s
    period = max(60, -(-(now - start) // 60) * 60)
    names = target_group_names(config)
    arns = target_group_arns(clients.elbv2, {names[b] for r in ROUTES
                                             if (split := r.action.split()) for b in split})
    balancers = {listener: arn for listener in LISTENERS
                 if (arn := load_balancer_arn(clients.elbv2, config, listener))}
    by_key = {r.key: r for r in ROUTES}
    queries, sides = [], {}
    for n, key in enumerate(state.rollout_routes):
        route = by_key[key]
        split = route.action.split()
        if split is None or route.listener not in balancers:
            continue
        for side, backend in zip(("python", "rust"), split, strict=True):
            arn = arns.get(names[backend])
            if arn is None:
                continue
            dimensions = [
                {"Name": "LoadBalancer",
                 "Value": _dimension(balancers[route.listener])},
                {"Name": "TargetGroup", "Value": _dimension(arn)}]
            for metric, stat, label in (("RequestCount", "Sum", "requests"),
                                        ("HTTPCode_Target_5XX_Count", "Sum", "errors"),
                                        ("TargetResponseTime", "p99", "p99")):
                query_id = f"q{n}_{side}_{label}"
                sides[query_id] = (key, side, label)
                queries.append({"Id": query_id, "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": metric,
                               "Dimensions": dimensions},
                    "Period": period, "Stat": stat}})
    values: dict[tuple[str, str, str], list[float]] = {}
    for start_at in range(0, len(queries), 500):
        result = clients.cloudwatch.get_metric_data(
            MetricDataQueries=queries[start_at:start_at + 500],
            StartTime=start, EndTime=now + 1)
        for item in result["MetricDataResults"]:
            values[sides[item["Id"]]] = [v for v in item.get("Values", []) if v is not None]
    for key in state.rollout_routes:
        if by_key[key].action.split() is None:
            continue

        def side(name: str, key: str = key) -> SideMetrics:
            p99 = values.get((key, name, "p99")) or []
            return SideMetrics(sum(values.get((key, name, "requests")) or []),
                               sum(values.get((key, name, "errors")) or []),
                               max(p99) if p99 else None)

        verdicts += route_verdicts(key, side("python"), side("rust"), DEFAULT_POLICY)
    return verdicts


def rust_alarms_in_alarm(clients: Any, config: EnvironmentConfig) -> list[str]:
    """Alarms in ALARM of the Rust target groups, the Rust function and the load balancers."""
    prefixes = rust_alarm_prefixes(config, ROUTES, FUNCTIONS)
    found, token = [], None
    while True:
        page = clients.cloudwatch.describe_alarms(
            StateValue="ALARM", AlarmNamePrefix=config.resource_name(""),
            **({"NextToken": token} if token else {}))
        # StateValue filters on AWS; the local emulator ignores it beside a name prefix
        found += [a["AlarmName"] for a in page["MetricAlarms"] if a.get("StateValue") == "ALARM"]
        token = page.get("NextToken")
        if not token:
            break
    return sorted(a for a in found if a.startswith(prefixes))


# ---- commands ------------------------------------------------------------------------------
def _actor(clients: Any) -> str:
    try:
        arn = clients.sts.get_caller_identity()["Arn"]
    except Exception:
        arn = "unknown identity"
    return f"{getpass.getuser()} ({arn})"


def status(clients: Any, config: EnvironmentConfig, now: int) -> dict[str, Any]:
    state = require_state(clients, config)
    verdicts = gate_verdicts(clients, config, state, now) if state.phase == "rolling" else []
    decision = rs.decide(state, now, verdicts)
    return {
        "environment": config.name, "parameter": rs.parameter_name(config),
        "phase": state.phase, "summary": state.summary,
        "step": (f"{state.step + 1}/{len(state.steps)}" if state.steps else None),
        "steps": list(state.steps), "routes": state.routes, "emergency": state.emergency,
        "rollout_routes": list(state.rollout_routes),
        "bake_s": state.bake_s, "bake_left_s": state.bake_left(now) if state.phase == "rolling"
        else None,
        "gates": [{"route": v.route, "gate": v.gate, "status": v.status, "detail": v.detail}
                  for v in verdicts],
        "tick_would": {"action": decision.action, "why": decision.why},
        "last": {"actor": state.actor, "reason": state.reason, "at": state.at},
    }


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


def transition(clients: Any, config: EnvironmentConfig, args: argparse.Namespace,
               now: int) -> tuple[rs.RolloutState, list[str], str]:
    """Apply the command's transition: (new state, live lines, what happened)."""
    state = require_state(clients, config)
    actor = _actor(clients)
    reason = getattr(args, "reason", "") or ""
    if args.command == "start":
        bake = rs.parse_duration(args.bake) if args.bake else max(  # the stickiness duration
            (getattr(r.action, "stickiness_seconds", 0) for r in ROUTES), default=3600)
        routes = tuple(k.strip() for k in (args.routes or "").split(",") if k.strip())
        new = rs.start(state, rs.parse_steps(args.steps), bake, routes, now, actor, reason)
    elif args.command == "advance":
        verdicts = gate_verdicts(clients, config, state, now) if state.phase == "rolling" else []
        new = rs.advance(state, now, verdicts, actor, reason, force=args.force)
    elif args.command == "pause":
        new = rs.pause(state, now, actor, reason)
    elif args.command == "resume":
        new = rs.resume(state, now, actor, reason)
    elif args.command == "promote":
        new = rs.promote(state, now, actor, reason)
    elif args.command == "abort":
        new = rs.abort(state, now, actor, reason, emergency=args.emergency)
    else:  # tick
        verdicts = gate_verdicts(clients, config, state, now) if state.phase == "rolling" else []
        new, decision = rs.tick(state, now, verdicts, f"tick by {actor}")
        if new == state:
            return state, [], f"tick: {decision.action}: {decision.why}"
    if args.command == "abort" or new.phase == "aborted":  # listeners first: safety
        lines = apply_weights(clients, config, new)
        write_rollout(clients.ssm, config, new)
    else:
        write_rollout(clients.ssm, config, new)
        lines = apply_weights(clients, config, new)
    return new, lines, f"{args.command}: {state.summary} -> {new.summary}"


def main(argv: list[str] | None = None) -> int:
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
    try:
        if args.env not in environments.ENVIRONMENTS:
            raise ConfigurationError(f"--env {args.env!r} is not an environment; known: "
                                     f"{', '.join(environments.ENVIRONMENTS)}")
        config = environments.ENVIRONMENTS[args.env]
        return run(args, config, Clients(config), int(time.time()))
    except rs.RolloutError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # credentials, endpoint, API errors: say what, exit 2
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, config: EnvironmentConfig, clients: Any, now: int) -> int:
    if args.command == "status":
        answer = status(clients, config, now)
        print(json.dumps(answer, indent=2) if args.json else _status_text(answer))
        return 0
    if args.command == "history":
        rows = history(clients, config)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['when']}  {row['who']}\n    {row['from'] or '(created)'} -> "
                      f"{row['to']}\n    why: {row['why']}")
        return 0
    new, lines, what = transition(clients, config, args, now)
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
