"""The rollout controller and the abort function as synthesized (monitoring stack): the
controller's schedule, configuration and capacity, and both roles' least privilege."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from environments import ENVIRONMENTS
from model.config import ControllerPolicy
from model.routing.listener import LISTENERS
from modules.aws import TerraformStack, Testing
from modules.rollout_controller import RolloutControllerFunction
from tests.helpers.spec_routes import SPEC_ENVIRONMENTS
from tests.helpers.synth import Synthesized

ACCOUNT = "${data.aws_caller_identity.account.account_id}"
# Actions that take "*" because AWS has no resource-level permissions for them: reads, and
# X-Ray's telemetry (written to no resource of the account).
UNSCOPED_READS = ("Describe", "Get")
TELEMETRY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def monitoring(synthesized: Synthesized, env: str = "production") -> dict[str, Any]:
    return synthesized[env]["monitoring"]["resource"]


def policy(stack: dict[str, Any], address: str) -> dict[str, dict[str, Any]]:
    document = json.loads(stack["aws_iam_role_policy"][address]["policy"])
    return {s["Sid"]: s for s in document["Statement"]}


def actions(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return [found] if isinstance(found, str) else found


@pytest.mark.parametrize("env", SPEC_ENVIRONMENTS)
def test_the_controller_runs_on_its_schedule_one_run_at_a_time(
    synthesized: Synthesized, env: str
) -> None:
    config = ENVIRONMENTS[env]
    stack = monitoring(synthesized, env)
    rule = stack["aws_cloudwatch_event_rule"]["rollout_controller"]
    assert rule["schedule_expression"] == config.controller.schedule_expression
    assert rule["state"] == ("ENABLED" if config.controller.enabled else "DISABLED")
    assert "event_pattern" not in rule
    assert stack["aws_cloudwatch_event_target"]["rollout_controller"] == {
        "rule": "${aws_cloudwatch_event_rule.rollout_controller.name}",
        "arn": "${aws_lambda_function.rollout_controller.arn}"}
    permission = stack["aws_lambda_permission"]["rollout_controller"]
    assert (permission["principal"], permission["source_arn"]) == (
        "events.amazonaws.com", "${aws_cloudwatch_event_rule.rollout_controller.arn}")
    function = stack["aws_lambda_function"]["rollout_controller"]
    assert (function["handler"], function["runtime"], function["timeout"],
            function["memory_size"], function["reserved_concurrent_executions"]) == (
        "functions.rollout_controller.handler.handler", "python3.12", 60, 256, 1)
    assert stack["aws_cloudwatch_log_group"]["rollout_controller"]["name"] == (
        f"/aws/lambda/{config.function_name('rollout-controller')}")


def test_the_controller_is_told_its_environment_table_topic_and_listeners(
    synthesized: Synthesized
) -> None:
    config = ENVIRONMENTS["production"]
    variables = monitoring(synthesized)["aws_lambda_function"]["rollout_controller"][
        "environment"]["variables"]
    assert set(variables) == {"ENVIRONMENT", "ROLLOUT_TABLE", "TOPIC_ARN", "LISTENER_ARNS"}
    assert (variables["ENVIRONMENT"], variables["ROLLOUT_TABLE"], variables["TOPIC_ARN"]) == (
        "production", config.rollout_table_name(), "${aws_sns_topic.alarms.arn}")
    listeners = variables["LISTENER_ARNS"]
    assert listeners.startswith("${jsonencode({") and all(
        f'"{listener.name}" = ' in listeners for listener in LISTENERS)


def test_a_controller_switched_off_keeps_its_schedule_disabled(tmp_path: Path) -> None:
    config = replace(ENVIRONMENTS["production"],
                     controller=ControllerPolicy(enabled=False, every_minutes=5))
    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "controller")
    RolloutControllerFunction(stack, config, account_id="123456789012",
                              listener_arns={listener: f"arn:{listener}" for listener in LISTENERS},
                              topic_arn="arn:aws:sns:us-east-1:123456789012:alarms")
    rule = json.loads(Testing.synth(stack))["resource"]["aws_cloudwatch_event_rule"][
        "rollout_controller"]
    assert (rule["state"], rule["schedule_expression"]) == ("DISABLED", "rate(5 minutes)")


@pytest.mark.parametrize("address", ["rollout_controller", "rollout_abort"])
def test_no_write_action_takes_every_resource(synthesized: Synthesized, address: str) -> None:
    for statement in policy(monitoring(synthesized), address).values():
        resources = statement["Resource"]
        if "*" in ([resources] if isinstance(resources, str) else resources):
            unscoped = [a for a in actions(statement)
                        if a not in TELEMETRY and not a.split(":")[1].startswith(UNSCOPED_READS)]
            assert unscoped == [], f"{address} {statement['Sid']}"


@pytest.mark.parametrize("address", ["rollout_controller", "rollout_abort"])
def test_each_role_writes_only_this_environments_table_rules_topic_and_log_group(
    synthesized: Synthesized, address: str
) -> None:
    statements = policy(monitoring(synthesized), address)
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/scorer-production-rust-rollout-state"
    assert statements["ReadRolloutState"] == {
        "Sid": "ReadRolloutState", "Effect": "Allow", "Resource": table,
        "Action": ["dynamodb:GetItem", "dynamodb:Query"]}
    write = statements["WriteRolloutStateInTransactions"]
    assert (write["Resource"], write["Condition"]) == (table, {"ForAnyValue:StringEquals": {
        "dynamodb:EnclosingOperation": ["TransactWriteItems"]}})
    rules = statements["ChangeThisEnvironmentsRules"]
    assert rules["Resource"] == [
        f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener-rule/app/"
        f"scorer-production-{listener.name}/*" for listener in LISTENERS]
    assert {"elasticloadbalancing:ModifyRule", "elasticloadbalancing:AddTags",
            "elasticloadbalancing:RemoveTags"} <= set(rules["Action"])
    assert statements["NotifyAlarmTopic"]["Resource"] == "${aws_sns_topic.alarms.arn}"
    assert statements["WriteOwnLogGroup"]["Resource"] == (
        f"${{aws_cloudwatch_log_group.{address}.arn}}:*")


def test_the_controller_reads_load_balancing_and_gates_and_deletes_no_rule(
    synthesized: Synthesized
) -> None:
    statements = policy(monitoring(synthesized), "rollout_controller")
    assert set(statements["ReadLoadBalancing"]["Action"]) == {
        f"elasticloadbalancing:{a}" for a in ("DescribeRules", "DescribeTags",
                                              "DescribeLoadBalancers", "DescribeListeners",
                                              "DescribeTargetGroups")}
    assert set(statements["ReadGates"]["Action"]) == {"cloudwatch:GetMetricData",
                                                      "cloudwatch:DescribeAlarms"}
    assert not any("DeleteRule" in a for s in statements.values() for a in actions(s))
