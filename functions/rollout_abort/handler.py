"""Abort the Rust rollout of one environment when a Rust alarm enters ALARM.

Triggered by an EventBridge rule on "CloudWatch Alarm State Change" events of the Rust target
groups', the Rust function's and the load balancers' alarms (docs/rollout.md). It checks its
own event first: the event type, the ALARM state, an alarm of this environment
(``ALARM_PREFIXES``), this region. Then, unless the rollout is idle, aborted, or done and past
its final bake (an alarm then only notifies), it aborts through the same code as
``rollout abort`` (``ops.controller.rollout.Rollout.abort``): every rule of both listeners that
forwards to Rust marked, then at Python and not sticky, then the abort recorded (over a
missing or unreadable state too), then every rule read back. The package holds this file and
the project modules it imports, assembled at synth time (``modules/lambda_package.py``).
Configuration: ``functions.deployed``, and ``ALARM_PREFIXES`` (JSON list).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from functions.deployed import deployed_rollout
from model.rollout.state import bounded, in_final_bake

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
    reason = bounded(f"alarm {alarm} entered ALARM: "
                     f"{(detail.get('state') or {}).get('reason', '')}".strip())
    outcome = rollout.abort(now, reason, automatic=True)
    answer = {"aborted": True, "alarm": alarm, "rules": outcome.lines,
              "state": outcome.state.summary if outcome.state else None}
    print(json.dumps(answer))
    return answer
