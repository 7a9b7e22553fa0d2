"""Guards of the live listeners that work with the ELBv2 API alone, not through Terraform.

- ``find_orphans``: rules live at a priority this project owns (its routes, its canaries and
  its listeners' canary ranges) that the routing stack's state does not know: what a killed
  deploy leaves. Every later deploy would fail with ``PriorityInUse`` at those priorities.
  ``repair_commands`` says how to adopt them (``terraform import``) or delete them.
- ``emergency_rollback``: every rule on both listeners that forwards to a Rust target group,
  in state or not, gets Rust weight 0 and stickiness off (a rule that forwards to Rust alone,
  a canary, forwards to its route's Python target group instead, or is deleted when no route
  owns it). Works when the state is locked, broken or behind.
- ``priority_moves``/``move_priorities``: priority permutations among this project's rules in
  one atomic ``SetRulePriorities`` call, before Terraform runs, so that swapping two routes'
  priorities deploys (Terraform's two in-place updates each hit ``PriorityInUse``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.rollout_abort.rollback import roll_back
from model.config import EnvironmentConfig
from model.listener import LISTENERS, Listener
from model.names import terraform_id
from model.rollout import canary_key, effective_routes
from model.route_table import ROUTES
from ops.live import listener_arns, listener_rules
from ops.route_view import target_group_names
from ops.state import state_rules


@dataclass(frozen=True)
class Orphan:
    listener: Listener
    priority: int
    rule_arn: str
    route_key: str | None  # the environment's route (or canary) at that priority, if any

    @property
    def address(self) -> str | None:
        return f"aws_lb_listener_rule.{terraform_id(self.route_key)}" if self.route_key else None


def owned_priorities(config: EnvironmentConfig) -> dict[Listener, dict[int, str | None]]:
    """Per listener, every priority this project owns -> the route key there (None for a
    canary slot no route declares)."""
    owned: dict[Listener, dict[int, str | None]] = {
        listener: dict.fromkeys(listener.canary_priorities) for listener in LISTENERS}
    for route in ROUTES:
        if route.canary is not None:
            owned[route.listener][route.canary] = canary_key(route.key)
    for route in effective_routes(config, ROUTES):
        owned[route.listener][route.priority] = route.key
    return owned


def find_orphans(client: Any, config: EnvironmentConfig,
                 state: dict[str, Any]) -> list[Orphan]:
    known = {arn for arn, _ in state_rules(state).values()}
    owned = owned_priorities(config)
    found = []
    for listener, arn in listener_arns(client, config).items():
        for rule in listener_rules(client, arn):
            priority = int(rule["Priority"])
            if priority in owned[listener] and rule["RuleArn"] not in known:
                found.append(Orphan(listener, priority, rule["RuleArn"], owned[listener][priority]))
    return sorted(found, key=lambda o: (o.listener.name, o.priority))


def repair_commands(config: EnvironmentConfig, orphans: list[Orphan],
                    stack_dir: str = "cdktf.out/stacks/<routing stack>") -> list[str]:
    """What an operator runs: adopt each orphan the environment has a route for into state,
    or delete them all."""
    intended = {r.key for r in effective_routes(config, ROUTES)}
    lines = []
    adoptable = [o for o in orphans if o.route_key in intended]
    if adoptable:
        lines.append("adopt into state (then deploy: the plan updates them in place):")
        lines += [f"  terraform -chdir={stack_dir} import '{o.address}' {o.rule_arn}"
                  for o in adoptable]
        lines.append(f"  or: pipenv run python -m ops.routes repair --env {config.name} --adopt")
    lines.append("delete them (their requests fall through to the next rule):")
    lines.append(f"  pipenv run python -m ops.routes repair --env {config.name} --delete")
    return lines


def delete_orphans(client: Any, orphans: list[Orphan]) -> list[str]:
    lines = []
    for orphan in orphans:
        client.delete_rule(RuleArn=orphan.rule_arn)
        lines.append(f"deleted     {orphan.listener} {orphan.priority} {orphan.rule_arn}")
    return lines


def target_group_arns(client: Any, names: set[str]) -> dict[str, str]:
    """Target group name -> ARN, for those of ``names`` that exist."""
    found = {}
    for name in sorted(names):
        try:
            (group,) = client.describe_target_groups(Names=[name])["TargetGroups"]
        except client.exceptions.TargetGroupNotFoundException:
            continue
        found[name] = group["TargetGroupArn"]
    return found


def emergency_rollback(client: Any, config: EnvironmentConfig) -> list[str]:
    """Rust weight 0 and stickiness off on every rule that forwards to Rust; one line each
    (the abort function does the same in Lambda: ``functions/rollout_abort``)."""
    names = target_group_names(config)
    splits = {r.key: split for r in ROUTES if (split := r.action.split())}
    rust = {names[rust] for _, rust in splits.values()}
    python_of = {key: names[python] for key, (python, _) in splits.items()}
    python_of |= {canary_key(key): name for key, name in python_of.items()}
    arns = target_group_arns(client, set(python_of.values()))
    owned = owned_priorities(config)
    lines = []
    for listener, listener_arn in listener_arns(client, config).items():
        def python_arn(rule: dict[str, Any], listener: Listener = listener) -> str | None:
            return arns.get(python_of.get(owned[listener].get(int(rule["Priority"])) or "", ""))

        lines += [f"{line[:12]}{listener} {line[12:]}"
                  for line in roll_back(client, listener_arn, rust, python_arn)]
    return lines


def priority_moves(client: Any, state: dict[str, Any],
                   intended: dict[str, int]) -> list[tuple[str, str, int, int]]:
    """(address, rule ARN, live priority, intended priority) of every rule in state whose
    intended priority differs from its live one."""
    in_state = state_rules(state)
    wanted = {address: (in_state[address][0], priority)
              for address, priority in intended.items() if address in in_state}
    if not wanted:
        return []
    live = {}
    arns = [arn for arn, _ in wanted.values()]
    for start in range(0, len(arns), 20):
        for rule in client.describe_rules(RuleArns=arns[start:start + 20])["Rules"]:
            live[rule["RuleArn"]] = int(rule["Priority"])
    return sorted((address, arn, live[arn], priority)
                  for address, (arn, priority) in wanted.items()
                  if arn in live and live[arn] != priority)


def move_priorities(client: Any, moves: list[tuple[str, str, int, int]]) -> list[str]:
    """Apply ``moves`` (from ``priority_moves``): in one ``SetRulePriorities`` call, atomic,
    where the API accepts a permutation in one call (AWS); where it answers PriorityInUse
    because a target is still held by a rule that is itself moving (the local emulator checks
    each target against the current priorities), one rule at a time, parking one rule of
    each cycle on the nearest free priority for the moment it takes."""
    if not moves:
        return []
    lines = [f"moved       {address}: priority {old} -> {new}" for address, _, old, new in moves]
    try:
        client.set_rule_priorities(RulePriorities=[
            {"RuleArn": arn, "Priority": new} for _, arn, _, new in moves])
        return lines
    except client.exceptions.PriorityInUseException:
        pass
    _move_one_at_a_time(client, moves)
    return [f"{line} (one rule at a time)" for line in lines]


def _listener_of(rule_arn: str) -> str:
    """``...:listener-rule/app/<lb>/<id>/<listener id>/<rule id>`` -> the listener's ARN."""
    return rule_arn.replace(":listener-rule/", ":listener/").rsplit("/", 1)[0]


def _move_one_at_a_time(client: Any, moves: list[tuple[str, str, int, int]]) -> None:
    taken: dict[str, set[int]] = {}
    for _, arn, _, _ in moves:
        listener = _listener_of(arn)
        if listener not in taken:
            taken[listener] = {int(r["Priority"]) for r in listener_rules(client, listener)}
    current = {arn: old for _, arn, old, _ in moves}
    pending = {arn: new for _, arn, _, new in moves}

    def move(arn: str, priority: int) -> None:
        client.set_rule_priorities(RulePriorities=[{"RuleArn": arn, "Priority": priority}])
        held = taken[_listener_of(arn)]
        held.discard(current[arn])
        held.add(priority)
        current[arn] = priority

    while pending:
        ready = [arn for arn, new in pending.items() if new not in taken[_listener_of(arn)]]
        if ready:
            move(ready[0], pending.pop(ready[0]))
            continue
        arn = next(iter(pending))  # every target is held: a cycle; park one of its rules
        held = taken[_listener_of(arn)]
        park = min((p for p in range(1, 50_001) if p not in held),
                   key=lambda p: abs(p - current[arn]))
        move(arn, park)
