"""The rollout-abort function: a Rust alarm entering ALARM sets Rust's weight to 0.

The function (``functions/rollout_abort/handler.py`` and the project modules it imports,
assembled at synth time by ``modules/lambda_package.py``), its log group, a
least-privilege role (``modules/rollout_access.py``: read rules; modify, delete and tag only
the rules of this environment's two load balancers; read this environment's rollout table and
write it in transactions only; publish to its alarm topic; write its own log group), and the
EventBridge rule on "CloudWatch Alarm State Change" events of the alarms
whose names start with ``alarm_prefixes`` (the Rust target groups, the Rust function, the
load balancers) entering ALARM. Addresses: ``<type>.rollout_abort``.
"""

from __future__ import annotations

import json

from model.config import EnvironmentConfig
from model.routing.listener import LISTENERS, Listener
from modules.address import addressed
from modules.aws import CloudwatchEventRule, Construct, Fn
from modules.rollout_access import RolloutFunction, publish, rollout_state, rule_arns

ADDRESS = "rollout_abort"


class RolloutAbortFunction(RolloutFunction):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        account_id: str,
        listener_arns: dict[Listener, str],
        topic_arn: str,
        alarm_prefixes: tuple[str, ...],
    ) -> None:
        super().__init__(
            scope, config, base_name="rollout-abort", address=ADDRESS,
            policy_name="abort-this-environments-rollout", memory_size=128,
            statements=[
                # Describe calls have no resource-level permissions in ELBv2.
                {"Sid": "ReadRules", "Effect": "Allow", "Resource": "*",
                 "Action": ["elasticloadbalancing:DescribeRules",
                            "elasticloadbalancing:DescribeTags",
                            "elasticloadbalancing:DescribeTargetGroups"]},
                {"Sid": "ChangeThisEnvironmentsRules", "Effect": "Allow",
                 "Resource": rule_arns(config, account_id),
                 "Action": ["elasticloadbalancing:ModifyRule",
                            "elasticloadbalancing:DeleteRule",
                            "elasticloadbalancing:AddTags",
                            "elasticloadbalancing:RemoveTags"]},
                *rollout_state(config, account_id),
                publish(topic_arn),
            ],
            variables={
                "LISTENER_ARNS": Fn.jsonencode(
                    {listener.name: listener_arns[listener] for listener in LISTENERS}),
                "ENVIRONMENT": config.name,
                "ROLLOUT_TABLE": config.rollout_table_name(),
                "TOPIC_ARN": topic_arn,
                "ALARM_PREFIXES": json.dumps(list(alarm_prefixes)),
            })
        rule = addressed(CloudwatchEventRule(
            self, "rule", name=config.resource_name("rust-alarm-abort"),
            description="A Rust or load balancer alarm entered ALARM: abort the Rust rollout",
            event_pattern=json.dumps({
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "detail": {"alarmName": [{"prefix": p} for p in alarm_prefixes],
                           "state": {"value": ["ALARM"]}},
            }),
        ), ADDRESS)
        self.invoked_by(rule, "AllowEventBridgeRule")
