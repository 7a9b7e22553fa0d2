"""The application load balancer both ALB stacks create, with the settings they share:
invalid header fields dropped, deletion protection per environment, access logs to a
private, encrypted, expiring bucket of its own."""

from __future__ import annotations

from typing import Literal

from modules.access_logs import AccessLogBucket
from modules.aws import DataAwsCallerIdentity, Lb, LbAccessLogs
from stacks.base import EnvironmentStack


def application_load_balancer(
    stack: EnvironmentStack,
    which: Literal["public", "internal"],
    *,
    security_group_id: str,
    subnet_ids: list[str],
) -> Lb:
    config = stack.config
    account_id = DataAwsCallerIdentity(stack, "account").account_id
    logs = AccessLogBucket(
        stack,
        name=config.access_log_bucket_name(which, account_id),
        account_id=account_id,
        retention_days=config.access_log_retention_days,
        # Where the ALB is protected, so are its logs; elsewhere a destroy may empty them.
        force_destroy=not config.deletion_protection,
    )
    return Lb(
        stack, "load_balancer",
        name=config.load_balancer_name(which),
        internal=which == "internal",
        load_balancer_type="application",
        security_groups=[security_group_id],
        subnets=subnet_ids,
        drop_invalid_header_fields=True,
        enable_deletion_protection=config.deletion_protection,
        access_logs=LbAccessLogs(bucket=logs.bucket_name, enabled=True),
        depends_on=[logs.policy],
    )
