"""The rollout controller: a function on an EventBridge schedule that moves the rollout of one
environment (advance, pause, abort on its gates; docs/rollout.md).

The function (``functions/rollout_controller/handler.py`` and the project modules it imports,
assembled at synth time by ``modules/lambda_package.py``), its log group, a least-privilege
role (``modules/rollout_access.py``: read this environment's rollout table and write it in
transactions only; read rules, load balancers, listeners and target groups; modify and tag
only the rules of this environment's two load balancers; read metrics and alarms; publish to
the alarm topic; write its own log group), and the scheduled rule (``ControllerPolicy``:
``schedule_expression``, disabled when ``enabled`` is off) with its target and permission.
One run at a time per environment (reserved concurrency 1). Addresses:
``<type>.rollout_controller``.
"""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.routing.listener import LISTENERS, Listener
from modules.address import addressed
from modules.aws import CloudwatchEventRule, Construct, Fn
from modules.rollout_access import (
    RolloutFunction,
    publish,
    released_function_arn,
    rollout_state,
    rule_arns,
)

ADDRESS = "rollout_controller"
BASE_NAME = "rollout-controller"


class RolloutControllerFunction(RolloutFunction):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        account_id: str,
        listener_arns: dict[Listener, str],
        topic_arn: str,
    ) -> None:
        super().__init__(
            scope, config, base_name=BASE_NAME, address=ADDRESS,
            policy_name="run-this-environments-rollout", memory_size=256,
            statements=[
                *rollout_state(config, account_id),
                # Describe calls have no resource-level permissions in ELBv2.
                {"Sid": "ReadLoadBalancing", "Effect": "Allow", "Resource": "*",
                 "Action": ["elasticloadbalancing:DescribeRules",
                            "elasticloadbalancing:DescribeTags",
                            "elasticloadbalancing:DescribeLoadBalancers",
                            "elasticloadbalancing:DescribeListeners",
                            "elasticloadbalancing:DescribeTargetGroups"]},
                {"Sid": "ChangeThisEnvironmentsRules", "Effect": "Allow",
                 "Resource": rule_arns(config, account_id),
                 "Action": ["elasticloadbalancing:ModifyRule",
                            "elasticloadbalancing:AddTags",
                            "elasticloadbalancing:RemoveTags"]},
                # Neither call has resource-level permissions.
                {"Sid": "ReadGates", "Effect": "Allow", "Resource": "*",
                 "Action": ["cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms"]},
                # The Rust release on the alias (a rollout validates one release).
                {"Sid": "ReadRustRelease", "Effect": "Allow",
                 "Resource": [released_function_arn(config, account_id),
                              f"{released_function_arn(config, account_id)}:*"],
                 "Action": ["lambda:GetAlias", "lambda:GetFunctionConfiguration"]},
                publish(topic_arn),
            ],
            variables={
                "ENVIRONMENT": config.name,
                "ROLLOUT_TABLE": config.rollout_table_name(),
                "TOPIC_ARN": topic_arn,
                "LISTENER_ARNS": Fn.jsonencode(
                    {listener.name: listener_arns[listener] for listener in LISTENERS}),
            })
        policy = config.controller
        self.schedule = addressed(CloudwatchEventRule(
            self, "rule", name=config.resource_name(BASE_NAME),
            description="Run the Rust rollout controller (advance, pause or abort on its gates)",
            schedule_expression=policy.schedule_expression,
            state="ENABLED" if policy.enabled else "DISABLED",
        ), ADDRESS)
        self.invoked_by(self.schedule, "AllowEventBridgeSchedule")
