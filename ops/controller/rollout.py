"""Rollout transitions on one environment: read the persisted state, compute the transition
(``model.rollout.state``), write it, and set the live weights to match (docs/rollout.md).

A transition writes the state, then sets the weights of the live rules through the ALB
adapter (an abort sets the listeners first): no Terraform run, seconds. A later deploy keeps
them: the deploy driver synthesizes with the persisted state, and the routing stack's rules
refuse a plan whose weights differ from it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout import state as rs
from model.rollout.gates import Verdict
from ops.adapters.alb import Router
from ops.adapters.aws import Clients
from ops.adapters.clients import AwsClients, StsClient
from ops.adapters.metrics import Metrics
from ops.adapters.store import RolloutStore
from ops.controller.gates import gate_verdicts


@dataclass
class Rollout:
    """One environment's rollout with the adapters it acts through."""

    config: EnvironmentConfig
    router: Router
    store: RolloutStore
    metrics: Metrics
    sts: StsClient | None = None

    @classmethod
    def of(cls, config: EnvironmentConfig, clients: AwsClients | None = None) -> Rollout:
        clients = clients or Clients(config.region)
        return cls(config, Router(clients.elbv2, config), RolloutStore(clients.ssm),
                   Metrics(clients.cloudwatch), clients.sts)

    def actor(self) -> str:
        try:
            assert self.sts is not None
            arn = self.sts.get_caller_identity()["Arn"]
        except Exception:
            arn = "unknown identity"
        return f"{getpass.getuser()} ({arn})"

    def verdicts(self, state: rs.RolloutState, now: int) -> list[Verdict]:
        if state.phase != "rolling":
            return []
        return gate_verdicts(self.router, self.metrics, self.config, state, now)

    def history(self) -> list[dict[str, Any]]:
        """Every transition, oldest first: when, who, from, to, why (from the stored
        versions)."""
        found, before = [], None
        for version in self.store.versions(self.config):
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

    def status(self, now: int) -> dict[str, Any]:
        state = self.store.require(self.config)
        verdicts = self.verdicts(state, now)
        decision = rs.decide(state, now, verdicts)
        return {
            "environment": self.config.name, "parameter": rs.parameter_name(self.config),
            "phase": state.phase, "summary": state.summary,
            "step": (f"{state.step + 1}/{len(state.steps)}" if state.steps else None),
            "steps": list(state.steps), "routes": state.routes, "emergency": state.emergency,
            "rollout_routes": list(state.rollout_routes),
            "bake_s": state.bake_s,
            "bake_left_s": state.bake_left(now) if state.phase == "rolling" else None,
            "gates": [{"route": v.route, "gate": v.gate, "status": v.status, "detail": v.detail}
                      for v in verdicts],
            "tick_would": {"action": decision.action, "why": decision.why},
            "last": {"actor": state.actor, "reason": state.reason, "at": state.at},
        }

    def transition(self, command: str, now: int, *, reason: str = "", steps: str = "",
                   bake: str | None = None, routes: str | None = None, force: bool = False,
                   emergency: bool = False) -> tuple[rs.RolloutState, list[str], str]:
        """Apply one command's transition: (new state, live lines, what happened). Bad input
        is refused before anything is read or changed."""
        problem = rs.reason_problem(reason)
        if problem:
            raise rs.RolloutError(problem)
        state = self.store.require(self.config)
        actor = self.actor()
        if command == "start":
            bake_s = rs.parse_duration(bake) if bake else max(  # the stickiness duration
                (getattr(r.action, "stickiness_seconds", 0) for r in ROUTES), default=3600)
            keys = tuple(k.strip() for k in (routes or "").split(",") if k.strip())
            new = rs.start(state, rs.parse_steps(steps), bake_s, keys, now, actor, reason)
        elif command == "advance":
            new = rs.advance(state, now, self.verdicts(state, now), actor, reason, force=force)
        elif command == "pause":
            new = rs.pause(state, now, actor, reason)
        elif command == "resume":
            new = rs.resume(state, now, actor, reason)
        elif command == "promote":
            new = rs.promote(state, now, actor, reason)
        elif command == "abort":
            new = rs.abort(state, now, actor, reason, emergency=emergency)
        elif command == "tick":
            new, decision = rs.tick(state, now, self.verdicts(state, now), f"tick by {actor}")
            if new == state:
                return state, [], f"tick: {decision.action}: {decision.why}"
        else:
            raise ValueError(f"unknown rollout command {command!r}")
        applied = rs.applied_to(self.config, new)
        if command == "abort" or new.phase == "aborted":  # listeners first: safety
            lines = self.router.set_weights(applied)
            self.store.write(self.config, new)
        else:
            self.store.write(self.config, new)
            lines = self.router.set_weights(applied)
        return new, lines, f"{command}: {state.summary} -> {new.summary}"
