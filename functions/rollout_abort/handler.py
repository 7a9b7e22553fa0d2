"""Abort the Rust rollout of one environment when a Rust alarm enters ALARM.

Triggered by an EventBridge rule on "CloudWatch Alarm State Change" events of the Rust target
groups', the Rust function's and the load balancers' alarms (docs/rollout.md). It checks its
own event first: the event type, the ALARM state, an alarm of this environment
(``ALARM_PREFIXES``), this region. Then, unless the rollout is idle, aborted, or done and past
its final bake (an alarm then only notifies), it aborts through the same code as
``rollout abort`` (``ops.controller.rollout.Rollout.abort``): the rules marked, then at Python
and not sticky, then the abort recorded (over a missing or unreadable state too), then every
rule read back. Which rules: the alarm is mapped to its routes through the model
(``model.rollout.controls.alarm_routes``: a Rust target group's alarm -> the routes that
forward to it; anything else Rust-wide); under ``ControllerPolicy.abort_scope`` ``routes``
those of the rollout's routes, under ``all`` (or for a Rust-wide alarm) every route of the
rollout; an alarm of routes outside the rollout only notifies. Over an unreadable state:
every rule that forwards to Rust (the emergency). The package holds this file and
the project modules it imports, assembled at synth time (``modules/lambda_package.py``).
Configuration: ``functions.deployed``, and ``ALARM_PREFIXES`` (JSON list).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from functions.deployed import deployed_rollout
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout.controls import alarm_routes
from model.rollout.state import RolloutState, bounded, in_final_bake

ACTOR = "rollout-abort function"


def refusal(event: dict[str, Any], environ: dict[str, str] | os._Environ[str]) -> str | None:
    """Why this event is not one to act on (None: it is)."""
    detail = event.get("detail") or {}
    alarm = str(detail.get("alarmName", ""))
    state = (detail.get("state") or {}).get("value")
    if event.get("detail-type") != "CloudWatch Alarm State Change":
        return f"event type {event.get('detail-type')!r} is not an alarm state change"
    if state != "ALARM":
        return f"{alarm or 'the alarm'} is {state}, not ALARM: nothing to do"
    prefixes = tuple(json.loads(environ.get("ALARM_PREFIXES") or "[]"))
    if not prefixes or not alarm.startswith(prefixes):
        return f"alarm {alarm!r} is not one of this environment's Rust alarms"
    region = environ.get("AWS_REGION")
    if region and event.get("region") and event["region"] != region:
        return f"event of region {event['region']}, this function runs in {region}"
    return None


def abort_scope(config: EnvironmentConfig, state: RolloutState,
                alarm: str) -> tuple[str, ...] | None:
    """The rollout routes an alarm aborts: those its Rust target group serves under the
    ``routes`` scope, every rollout route under ``all`` or for a Rust-wide alarm; () when it
    concerns no route of the rollout (it only notifies); None when the state names no rollout
    route (every weighted rule, the emergency)."""
    if not state.rollout_routes:
        return None
    mapped = alarm_routes(config, alarm, ROUTES)
    if mapped is None:
        return state.rollout_routes
    inside = tuple(k for k in state.rollout_routes if k in mapped)
    if not inside or config.controller.abort_scope == "routes":
        return inside
    return state.rollout_routes


def handler(event: dict[str, Any], context: Any = None, clients: Any = None,
            now: int | None = None) -> dict[str, Any]:
    why_not = refusal(event, os.environ)
    if why_not:
        print(json.dumps({"aborted": False, "why": why_not}))
        return {"aborted": False, "why": why_not}
    now = int(time.time()) if now is None else now
    rollout = deployed_rollout(os.environ, ACTOR, clients)
    detail = event["detail"]
    alarm = detail["alarmName"]
    try:
        stored = rollout.store.read()
    except Exception:  # an unreadable state, or a store that cannot be read: abort (fails
        stored = None  # safe: the listeners move first, the controller records it later)
    if stored is not None and not in_final_bake(stored.state, now,
                                                rollout.config.controller.final_bake_s):
        why = (f"alarm {alarm} entered ALARM; the rollout is {stored.state.phase}"
               + (" and past its final bake" if stored.state.phase == "done" else "")
               + ": nothing to abort")
        rollout.notifier.send({"environment": rollout.config.name, "transition": "alarm",
                               "to": stored.state.summary, "who": rollout.identity(),
                               "actor": ACTOR, "why": why, "gates": []})
        print(json.dumps({"aborted": False, "why": why}))
        return {"aborted": False, "why": why}
    routes = None if stored is None else abort_scope(rollout.config, stored.state, alarm)
    if routes == ():
        assert stored is not None
        why = (f"alarm {alarm} entered ALARM; it concerns no route of the rollout "
               f"({', '.join(stored.state.rollout_routes)}): nothing to abort")
        rollout.notifier.send({"environment": rollout.config.name, "transition": "alarm",
                               "to": stored.state.summary, "who": rollout.identity(),
                               "actor": ACTOR, "why": why, "gates": []})
        print(json.dumps({"aborted": False, "why": why}))
        return {"aborted": False, "why": why}
    reason = bounded(f"alarm {alarm} entered ALARM: "
                     f"{(detail.get('state') or {}).get('reason', '')}".strip())
    outcome = rollout.abort(now, reason, automatic=True, routes=routes)
    answer = {"aborted": True, "alarm": alarm, "rules": outcome.lines,
              "routes": list(routes) if routes is not None else "every weighted route",
              "state": outcome.state.summary if outcome.state else None}
    print(json.dumps(answer))
    return answer
