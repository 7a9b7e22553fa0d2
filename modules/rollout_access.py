"""What the rollout functions (the abort function, the controller) share: the IAM policy
statements of what they may touch (this environment's rollout table, its listener rules, its
alarm topic, their own log group; only Describe calls, CloudWatch reads and X-Ray take ``*``:
AWS offers no resource-level permissions for them), and ``RolloutFunction``, the function,
log group and role both are."""

from __future__ import annotations

import json
from typing import Any

from model.catalog.functions import FUNCTIONS
from model.config import EnvironmentConfig
from model.paths import PROJECT_ROOT
from model.routing.listener import LISTENERS
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

ASSUME_LAMBDA = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})

Statement = dict[str, Any]


def rule_arns(config: EnvironmentConfig, account_id: str) -> list[str]:
    """The listener rules of this environment's two load balancers."""
    return [f"arn:aws:elasticloadbalancing:{config.region}:{account_id}:listener-rule/app/"
            f"{config.load_balancer_name(listener)}/*" for listener in LISTENERS]


def released_function_arn(config: EnvironmentConfig, account_id: str) -> str:
    """The released (Rust) function of this environment (its versions and aliases are
    ``<arn>:<qualifier>``)."""
    (spec,) = [spec for spec in FUNCTIONS if spec.released]
    return (f"arn:aws:lambda:{config.region}:{account_id}:function:"
            f"{config.function_name(spec.name)}")


def table_arn(config: EnvironmentConfig, account_id: str) -> str:
    return f"arn:aws:dynamodb:{config.region}:{account_id}:table/{config.rollout_table_name()}"


def rollout_state(config: EnvironmentConfig, account_id: str) -> list[Statement]:
    """Read the rollout table and write it in transactions only. IAM authorizes a
    TransactWriteItems by its items' own actions (a Put is ``dynamodb:PutItem``, an Update
    ``dynamodb:UpdateItem``); the condition allows those inside a transaction alone (an absent
    key fails ``ForAnyValue``, so a plain PutItem is denied)."""
    table = table_arn(config, account_id)
    return [
        {"Sid": "ReadRolloutState", "Effect": "Allow", "Resource": table,
         "Action": ["dynamodb:GetItem", "dynamodb:Query"]},
        {"Sid": "WriteRolloutStateInTransactions", "Effect": "Allow", "Resource": table,
         "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
         "Condition": {"ForAnyValue:StringEquals": {
             "dynamodb:EnclosingOperation": ["TransactWriteItems"]}}},
    ]


def publish(topic_arn: str) -> Statement:
    return {"Sid": "NotifyAlarmTopic", "Effect": "Allow", "Action": "sns:Publish",
            "Resource": topic_arn}


def own_log_group(log_group_arn: str) -> Statement:
    return {"Sid": "WriteOwnLogGroup", "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*"}


TRACES: Statement = {"Sid": "WriteTraces", "Effect": "Allow", "Resource": "*",
                     "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]}


class RolloutFunction(Construct):
    """What both rollout functions are: the function (its handler and the project modules it
    imports, assembled at synth time by ``modules/lambda_package.py``), its log group, its
    role with ``statements``, its own log group and X-Ray, one run at a time
    (reserved concurrency 1), 60 s; and ``invoked_by`` an EventBridge rule. Every resource is
    ``<type>.<address>``."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, base_name: str,
                 address: str, policy_name: str,
                 statements: list[Statement], memory_size: int,
                 variables: dict[str, str]) -> None:
        super().__init__(scope, base_name)
        self.address = address
        name = config.function_name(base_name)
        entry = PROJECT_ROOT / "functions" / base_name.replace("-", "_") / "handler.py"
        package = TerraformAsset(self, "package", path=str(assemble(entry)),
                                 type=AssetType.ARCHIVE)
        log_group = addressed(CloudwatchLogGroup(
            self, "log-group", name=f"/aws/lambda/{name}",
            retention_in_days=config.log_retention_days), address)
        role = addressed(IamRole(self, "role", name=config.role_name(base_name),
                                 assume_role_policy=ASSUME_LAMBDA), address)
        addressed(IamRolePolicy(self, "policy", name=policy_name, role=role.id,
                                policy=json.dumps({
                                    "Version": "2012-10-17",
                                    "Statement": [*statements,
                                                  own_log_group(log_group.arn), TRACES]})),
                  address)
        self.function = addressed(LambdaFunction(
            self, "function",
            function_name=name,
            role=role.arn,
            runtime="python3.12",
            handler=handler_name(entry),
            filename=package.path,
            source_code_hash=Fn.filebase64sha256(package.path),
            architectures=["arm64"],
            memory_size=memory_size,
            # One run at a time, and capacity of its own: an abort must run when the scorer
            # functions take the rest; two controller runs would race for one transition.
            reserved_concurrent_executions=1,
            timeout=60,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            environment=LambdaFunctionEnvironment(variables=variables),
            depends_on=[log_group],
        ), address)

    def invoked_by(self, rule: CloudwatchEventRule, statement_id: str) -> None:
        addressed(CloudwatchEventTarget(self, "target", rule=rule.name,
                                        arn=self.function.arn), self.address)
        addressed(LambdaPermission(
            self, "permission", statement_id=statement_id,
            action="lambda:InvokeFunction", function_name=self.function.function_name,
            principal="events.amazonaws.com", source_arn=rule.arn), self.address)
