"""The rollout-abort function: a Rust alarm entering ALARM sets Rust's weight to 0.

The function (``functions/rollout_abort/handler.py`` and the project modules it imports,
assembled at synth time by ``modules/lambda_package.py``), its log group, a
least-privilege role (read rules; modify and delete only the rules of this environment's two
load balancers; read and write only this environment's rollout parameter; write its own log
group), and the EventBridge rule on "CloudWatch Alarm State Change" events of the alarms
whose names start with ``alarm_prefixes`` (the Rust target groups, the Rust function, the
load balancers) entering ALARM. Addresses: ``<type>.rollout_abort``.
"""

from __future__ import annotations

import json

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

ADDRESS = "rollout_abort"
_ASSUME_LAMBDA = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


class RolloutAbortFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        account_id: str,
        listener_arns: list[str],
        rust_target_groups: list[str],
        canary_python_target_groups: dict[str, str],
        parameter_name: str,
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
                                 assume_role_policy=_ASSUME_LAMBDA), ADDRESS)
        region = config.region
        rules = [f"arn:aws:elasticloadbalancing:{region}:{account_id}:listener-rule/app/"
                 f"{config.load_balancer_name(listener)}/*" for listener in LISTENERS]
        addressed(IamRolePolicy(self, "policy", name="abort-this-environments-rollout",
                                role=role.id, policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                # Describe calls have no resource-level permissions in ELBv2.
                {"Sid": "ReadRules", "Effect": "Allow", "Resource": "*",
                 "Action": ["elasticloadbalancing:DescribeRules",
                            "elasticloadbalancing:DescribeTags"]},
                {"Sid": "ChangeThisEnvironmentsRules", "Effect": "Allow", "Resource": rules,
                 "Action": ["elasticloadbalancing:ModifyRule",
                            "elasticloadbalancing:DeleteRule"]},
                {"Sid": "RolloutState", "Effect": "Allow",
                 "Action": ["ssm:GetParameter", "ssm:PutParameter"],
                 "Resource": f"arn:aws:ssm:{region}:{account_id}:parameter{parameter_name}"},
                {"Sid": "WriteOwnLogGroup", "Effect": "Allow",
                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": f"{log_group.arn}:*"},
                {"Sid": "WriteTraces", "Effect": "Allow", "Resource": "*",
                 "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]},
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
                "LISTENER_ARNS": Fn.jsonencode(listener_arns),
                "RUST_TARGET_GROUPS": json.dumps(sorted(rust_target_groups)),
                "CANARY_PYTHON_TARGET_GROUPS": Fn.jsonencode(canary_python_target_groups),
                "ROLLOUT_PARAMETER": parameter_name,
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
