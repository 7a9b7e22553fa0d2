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

import json

from model.config import EnvironmentConfig
from model.paths import PROJECT_ROOT
from model.routing.listener import LISTENERS, Listener
from modules.address import addressed
from modules.aws import (
    AssetType,
    CloudwatchEventRule,
    CloudwatchEventTarget,
    CloudwatchLogGroup,
    Construct,
    Fn,
    IamRole,
    IamRolePolicy,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
    LambdaPermission,
    TerraformAsset,
)
from modules.lambda_package import assemble, handler_name
from modules.rollout_access import (
    ASSUME_LAMBDA,
    TRACES,
    own_log_group,
    publish,
    rollout_state,
    rule_arns,
)

ADDRESS = "rollout_controller"
BASE_NAME = "rollout-controller"


class RolloutControllerFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        account_id: str,
        listener_arns: dict[Listener, str],
        topic_arn: str,
    ) -> None:
        super().__init__(scope, BASE_NAME)
        name = config.function_name(BASE_NAME)
        entry = PROJECT_ROOT / "functions" / "rollout_controller" / "handler.py"
        package = TerraformAsset(self, "package", path=str(assemble(entry)),
                                 type=AssetType.ARCHIVE)
        log_group = addressed(CloudwatchLogGroup(
            self, "log-group", name=f"/aws/lambda/{name}",
            retention_in_days=config.log_retention_days), ADDRESS)
        role = addressed(IamRole(self, "role", name=config.role_name(BASE_NAME),
                                 assume_role_policy=ASSUME_LAMBDA), ADDRESS)
        addressed(IamRolePolicy(self, "policy", name="run-this-environments-rollout",
                                role=role.id, policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
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
                publish(topic_arn),
                own_log_group(log_group.arn),
                TRACES,
            ],
        })), ADDRESS)
        self.function = addressed(LambdaFunction(
            self, "function",
            function_name=name,
            role=role.arn,
            runtime="python3.12",
            handler=handler_name(entry),
            filename=package.path,
            source_code_hash=Fn.filebase64sha256(package.path),
            architectures=["arm64"],
            memory_size=256,
            # One run at a time per environment: two runs would race for the same transition
            # (the store's conditional writes would refuse the second; this avoids the try).
            reserved_concurrent_executions=1,
            timeout=60,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            environment=LambdaFunctionEnvironment(variables={
                "ENVIRONMENT": config.name,
                "ROLLOUT_TABLE": config.rollout_table_name(),
                "TOPIC_ARN": topic_arn,
                "LISTENER_ARNS": Fn.jsonencode(
                    {listener.name: listener_arns[listener] for listener in LISTENERS}),
            }),
            depends_on=[log_group],
        ), ADDRESS)
        policy = config.controller
        self.schedule = addressed(CloudwatchEventRule(
            self, "rule", name=config.resource_name(BASE_NAME),
            description="Run the Rust rollout controller (advance, pause or abort on its gates)",
            schedule_expression=policy.schedule_expression,
            state="ENABLED" if policy.enabled else "DISABLED",
        ), ADDRESS)
        addressed(CloudwatchEventTarget(self, "target", rule=self.schedule.name,
                                        arn=self.function.arn), ADDRESS)
        addressed(LambdaPermission(
            self, "permission", statement_id="AllowEventBridgeSchedule",
            action="lambda:InvokeFunction", function_name=self.function.function_name,
            principal="events.amazonaws.com", source_arn=self.schedule.arn), ADDRESS)
