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

ADDRESS = "rollout_abort"


class RolloutAbortFunction(Construct):
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
        super().__init__(scope, "rollout-abort")
        name = config.function_name("rollout-abort")
        entry = PROJECT_ROOT / "functions" / "rollout_abort" / "handler.py"
        package = TerraformAsset(self, "package", path=str(assemble(entry)),
                                 type=AssetType.ARCHIVE)
        log_group = addressed(CloudwatchLogGroup(
            self, "log-group", name=f"/aws/lambda/{name}",
            retention_in_days=config.log_retention_days), ADDRESS)
        role = addressed(IamRole(self, "role", name=config.role_name("rollout-abort"),
                                 assume_role_policy=ASSUME_LAMBDA), ADDRESS)
        addressed(IamRolePolicy(self, "policy", name="abort-this-environments-rollout",
                                role=role.id, policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
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
            memory_size=128,
            # Capacity of its own: an abort must run when the scorer functions take the rest.
            reserved_concurrent_executions=1,
            timeout=60,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            environment=LambdaFunctionEnvironment(variables={
                "LISTENER_ARNS": Fn.jsonencode(
                    {listener.name: listener_arns[listener] for listener in LISTENERS}),
                "ENVIRONMENT": config.name,
                "ROLLOUT_TABLE": config.rollout_table_name(),
                "TOPIC_ARN": topic_arn,
                "ALARM_PREFIXES": json.dumps(list(alarm_prefixes)),
            }),
            depends_on=[log_group],
        ), ADDRESS)
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
        addressed(CloudwatchEventTarget(self, "target", rule=rule.name,
                                        arn=self.function.arn), ADDRESS)
        addressed(LambdaPermission(
            self, "permission", statement_id="AllowEventBridgeRule",
            action="lambda:InvokeFunction", function_name=self.function.function_name,
            principal="events.amazonaws.com", source_arn=rule.arn), ADDRESS)
