"""What the rollout functions (the abort function, the controller) may touch, as IAM policy
statements shared by both: this environment's rollout table, its listener rules, its alarm
topic, their own log group. Only Describe calls, CloudWatch reads and X-Ray take ``*``: AWS
offers no resource-level permissions for them."""

from __future__ import annotations

import json
from typing import Any

from model.config import EnvironmentConfig
from model.routing.listener import LISTENERS

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
