"""Checks of the live listeners before the routing stack is applied (the deploy driver runs
them; ``routes diff`` and ``routes repair`` use them too).

- ``find_orphans``: rules live at a priority this project owns (its routes, its canaries and
  its listeners' canary ranges) that the routing stack's state does not know: what a killed
  deploy leaves. Every later deploy would fail with ``PriorityInUse`` at those priorities.
  ``repair_commands`` says how to adopt them (``routes repair --adopt``) or delete them.
- ``priority_moves``/``move_priorities``: priority permutations among this project's rules in
  one atomic ``SetRulePriorities`` call, before Terraform runs, so that swapping two routes'
  priorities deploys (Terraform's two in-place updates each hit ``PriorityInUse``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.names import terraform_id
from model.rollout.controls import canary_key, effective_routes
from model.routing.listener import LISTENERS, Listener
from ops.adapters.alb import ListenerRules, Router
from ops.adapters.tfstate import state_rules

Say = Callable[[str], None]


class Refused(RuntimeError):
    """The deploy was refused before anything was applied; the message says what to run."""


@dataclass(frozen=True)
class Orphan:
    listener: Listener
    priority: int
    rule_arn: str
    route_key: str | None  # the environment's route (or canary) there, if any

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


def find_orphans(router: Router, config: EnvironmentConfig,
                 state: dict[str, Any]) -> list[Orphan]:
    """Rules live at a priority this project owns that the state does not know (a priority
    clash, so found by priority; named by their ``Route`` tag where they carry one)."""
    known = {arn for arn, _ in state_rules(state).values()}
    owned = owned_priorities(config)
    found = []
    for listener, rules in router.live().items():
        for rule in rules:
            if rule.priority in owned[listener] and rule.arn not in known:
                found.append(Orphan(listener, rule.priority, rule.arn,
                                    owned[listener][rule.priority] or rule.key))
    return sorted(found, key=lambda o: (o.listener.name, o.priority))


def repair_commands(config: EnvironmentConfig, orphans: list[Orphan]) -> list[str]:
    """What an operator runs: adopt each orphan the environment has a route for into state,
    or delete them all."""
    intended = {r.key for r in effective_routes(config, ROUTES)}
    lines = []
    adoptable = [o for o in orphans if o.route_key in intended]
    if adoptable:
        lines.append("adopt into state (then deploy: the plan updates them in place):")
        lines.append(f"  pipenv run routes repair --env {config.name} --adopt")
    lines.append("delete them (their requests fall through to the next rule):")
    lines.append(f"  pipenv run routes repair --env {config.name} --delete")
    return lines


def delete_orphans(router: Router, orphans: list[Orphan]) -> list[str]:
    lines = []
    for orphan in orphans:
        router.rules.delete(orphan.rule_arn)
        lines.append(f"deleted     {orphan.listener} {orphan.priority} {orphan.rule_arn}")
    return lines


def priority_moves(router: Router, state: dict[str, Any],
                   intended: dict[str, int]) -> list[tuple[str, str, int, int]]:
    """(address, rule ARN, live priority, intended priority) of every rule in state whose
    intended priority differs from its live one."""
    in_state = state_rules(state)
    wanted = {address: (in_state[address][0], priority)
              for address, priority in intended.items() if address in in_state}
    if not wanted:
        return []
    live = router.rules.priorities([arn for arn, _ in wanted.values()])
    return sorted((address, arn, live[arn], priority)
                  for address, (arn, priority) in wanted.items()
                  if arn in live and live[arn] != priority)


def move_priorities(rules: ListenerRules, moves: list[tuple[str, str, int, int]]) -> list[str]:
    """Apply ``moves`` (from ``priority_moves``) through the ALB adapter; one line each."""
    if not moves:
        return []
    atomic = rules.set_priorities([(arn, old, new) for _, arn, old, new in moves])
    return [f"moved       {address}: priority {old} -> {new}"
            + ("" if atomic else " (one rule at a time)") for address, _, old, new in moves]


def intended_priorities(stack_dir: Path) -> dict[str, int]:
    """Address -> priority of every rule in a synthesized routing stack."""
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    rules = document.get("resource", {}).get("aws_lb_listener_rule", {})
    return {f"aws_lb_listener_rule.{name}": int(rule["priority"]) for name, rule in rules.items()}


def check_routing(router: Router, config: EnvironmentConfig, stack_dir: Path,
                  state: dict[str, Any], say: Say) -> None:
    """Before the routing stack is applied: refuse on orphans, permute priorities."""
    orphans = find_orphans(router, config, state)
    if orphans:
        lines = [f"  orphaned    {o.listener} {o.priority} {o.rule_arn}"
                 + (f" ({o.route_key})" if o.route_key else "") for o in orphans]
        raise Refused(
            f"{len(orphans)} rule(s) are live at priorities this project owns but absent from "
            f"the routing state; Terraform would fail with PriorityInUse:\n" + "\n".join(lines)
            + "\n" + "\n".join(repair_commands(config, orphans)))
    for line in move_priorities(router.rules, priority_moves(router, state,
                                                       intended_priorities(stack_dir))):
        say(line)
