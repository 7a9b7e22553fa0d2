"""Abort the Rust rollout of one environment when a Rust alarm enters ALARM.

Triggered by an EventBridge rule on "CloudWatch Alarm State Change" events of the Rust target
groups', the Rust function's and the load balancers' alarms (docs/rollout.md). Through the
ELBv2 API it sets Rust weight 0 and stickiness off on every rule of both listeners that
forwards to a Rust target group, whether or not Terraform's state knows the rule (a canary
forwards to its route's Python target group instead), then records the abort in the rollout
state parameter. Configuration, from the environment (set by the monitoring stack):

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

try:  # in Lambda the folder is the package root
    from rollback import roll_back  # type: ignore[import-not-found]
except ImportError:  # in this repository
    from functions.rollout_abort.rollback import roll_back

ACTOR = "rollout-abort function"


def handler(event: dict[str, Any], context: Any = None, elbv2: Any = None,
            ssm: Any = None) -> dict[str, Any]:
    detail = event.get("detail") or {}
    alarm = detail.get("alarmName", "an alarm")
    state = (detail.get("state") or {}).get("value")
    if event.get("detail-type") != "CloudWatch Alarm State Change" or state != "ALARM":
        return {"aborted": False, "why": f"{alarm} is {state}, not ALARM: nothing to do"}
    import boto3

    elbv2 = elbv2 or boto3.client("elbv2")
    ssm = ssm or boto3.client("ssm")
    rust = set(json.loads(os.environ["RUST_TARGET_GROUPS"]))
    python_by_tag = json.loads(os.environ["CANARY_PYTHON_TARGET_GROUPS"])

    def python_of(rule: dict[str, Any]) -> str | None:
        tags = elbv2.describe_tags(ResourceArns=[rule["RuleArn"]])["TagDescriptions"]
        route = next((t["Value"] for d in tags for t in d.get("Tags", [])
                      if t["Key"] == "Route"), "")
        return python_by_tag.get(route)

    lines = [line for listener in json.loads(os.environ["LISTENER_ARNS"])
             for line in roll_back(elbv2, listener, rust, python_of)]
    name = os.environ["ROLLOUT_PARAMETER"]
    rollout = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    rollout.update(routes=dict.fromkeys(rollout.get("routes", {}), 0), emergency=True,
                   phase="aborted", actor=ACTOR, forced=False, at=int(time.time()),
                   reason=f"alarm {alarm} entered ALARM: "
                          f"{(detail.get('state') or {}).get('reason', '')}".strip())
    ssm.put_parameter(Name=name, Value=json.dumps(rollout, sort_keys=True,
                                                  separators=(",", ":")),
                      Type="String", Overwrite=True)
    print(json.dumps({"aborted": True, "alarm": alarm, "rules": lines}))
    return {"aborted": True, "alarm": alarm, "rules": lines}
