"""Abort the Rust rollout of one environment when a Rust alarm enters ALARM.

Triggered by an EventBridge rule on "CloudWatch Alarm State Change" events of the Rust target
groups', the Rust function's and the load balancers' alarms (docs/rollout.md). Through the
ALB adapter (``ops.adapters.alb``) it sets Rust weight 0 and stickiness off on every rule of
both listeners that forwards to a Rust target group, whether or not Terraform's state knows
the rule (a canary forwards to its route's Python target group instead), then records the
abort with the rollout document's own transition (``model.rollout.state.abort``) in the
rollout state store. The package holds this file and the project modules it imports,
assembled at synth time (``modules/lambda_package.py``). Configuration, from the environment
(set by the monitoring stack):

- ``LISTENER_ARNS``: JSON list of the two listeners' ARNs;
- ``RUST_TARGET_GROUPS``: JSON list of the Rust target groups' names;
- ``CANARY_PYTHON_TARGET_GROUPS``: JSON object, canary rule's ``Route`` tag -> the ARN of its
  route's Python target group;
- ``ROLLOUT_PARAMETER``: the rollout state parameter's name.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from model.rollout.state import abort
from ops.adapters.alb import ListenerRules
from ops.adapters.store import RolloutStore

ACTOR = "rollout-abort function"


def handler(event: dict[str, Any], context: Any = None, elbv2: Any = None,
            ssm: Any = None) -> dict[str, Any]:
    detail = event.get("detail") or {}
    alarm = detail.get("alarmName", "an alarm")
    state = (detail.get("state") or {}).get("value")
    if event.get("detail-type") != "CloudWatch Alarm State Change" or state != "ALARM":
        return {"aborted": False, "why": f"{alarm} is {state}, not ALARM: nothing to do"}
    import boto3

    rules = ListenerRules(elbv2 or boto3.client("elbv2"))
    store = RolloutStore(ssm or boto3.client("ssm"))
    rust = set(json.loads(os.environ["RUST_TARGET_GROUPS"]))
    python_by_tag = json.loads(os.environ["CANARY_PYTHON_TARGET_GROUPS"])
    lines = [line for listener in json.loads(os.environ["LISTENER_ARNS"])
             for line in rules.roll_back(listener, rust,
                                         lambda key: python_by_tag.get(key or ""))]
    name = os.environ["ROLLOUT_PARAMETER"]
    rollout = store.read_name(name)
    if rollout is None:  # the listeners are rolled back; say loudly that nothing recorded it
        raise RuntimeError(f"rolled back {len(lines)} rule(s) but there is no rollout state "
                           f"{name} to record the abort in")
    reason = f"alarm {alarm} entered ALARM: {(detail.get('state') or {}).get('reason', '')}"
    store.write_name(name, abort(rollout, int(time.time()), ACTOR, reason.strip(),
                                 emergency=True))
    print(json.dumps({"aborted": True, "alarm": alarm, "rules": lines}))
    return {"aborted": True, "alarm": alarm, "rules": lines}
