"""Security hardening of the synthesized stacks (issue: monitoring and security, part 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.spec_functions import SPEC_FUNCTIONS
from tests.helpers.spec_routes import SPEC_R
from tests.helpers.synth import Synthesized, resources

ENVS = tuple(SPEC_R)
ALBS = ("public-alb", "internal-alb")
VPC_CIDR = "${data.aws_vpc.vpc.cidr_block}"


def rules_of(stack: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list(resources(stack, f"aws_vpc_security_group_{kind}_rule").values())


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("part", ALBS)
def test_albs_drop_invalid_headers_and_production_ones_are_protected(
    synthesized: Synthesized, env: str, part: str
) -> None:
    (alb,) = resources(synthesized[env][part], "aws_lb").values()
    assert alb["drop_invalid_header_fields"] is True
    assert alb["enable_deletion_protection"] is (env == "production")


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("part", ALBS)
def test_alb_access_logs_go_to_a_private_encrypted_expiring_bucket(
    synthesized: Synthesized, env: str, part: str
) -> None:
    stack = synthesized[env][part]
    (alb,) = resources(stack, "aws_lb").values()
    assert alb["access_logs"] == {"bucket": "${aws_s3_bucket.access_logs.bucket}", "enabled": True}
    assert "aws_s3_bucket_policy.access_logs" in alb["depends_on"]
    bucket = resources(stack, "aws_s3_bucket")["access_logs"]
    which = part.removesuffix("-alb")
    assert bucket["bucket"] == (
        f"scorer-{env}-{which}-alb-logs-${{data.aws_caller_identity.account.account_id}}")
    assert bucket["force_destroy"] is (env != "production")
    ref = "${aws_s3_bucket.access_logs.id}"
    block = resources(stack, "aws_s3_bucket_public_access_block")["access_logs"]
    assert block == {**block, "bucket": ref, "block_public_acls": True,
                     "block_public_policy": True, "ignore_public_acls": True,
                     "restrict_public_buckets": True}
    (encryption,) = resources(
        stack, "aws_s3_bucket_server_side_encryption_configuration")["access_logs"]["rule"]
    assert encryption["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"
    (lifecycle,) = resources(stack, "aws_s3_bucket_lifecycle_configuration")["access_logs"]["rule"]
    assert lifecycle["status"] == "Enabled" and lifecycle["expiration"] == [{"days": 90}]
    ownership = resources(stack, "aws_s3_bucket_ownership_controls")["access_logs"]
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    policy = json.loads(resources(stack, "aws_s3_bucket_policy")["access_logs"]["policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert {s["Action"] for s in allows} == {"s3:PutObject"}
    assert {s["Resource"] for s in allows} == {
        "${aws_s3_bucket.access_logs.arn}/AWSLogs/${data.aws_caller_identity.account.account_id}/*"}
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("env", ENVS)
def test_https_listener_tls_policy(synthesized: Synthesized, env: str) -> None:
    https = resources(synthesized[env]["public-alb"], "aws_lb_listener")["https_listener"]
    assert https["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"


@pytest.mark.parametrize("env", ENVS)
def test_functions_trace_with_xray_in_private_subnets(synthesized: Synthesized, env: str) -> None:
    stack = synthesized[env]["lambdas"]
    functions = resources(stack, "aws_lambda_function")
    assert len(functions) == len(SPEC_FUNCTIONS)
    private = ("${data.aws_subnets.subnets.ids}" if env == "local"  # the default VPC's
               else "${data.aws_subnets.private-subnets.ids}")
    for function in functions.values():
        assert function["tracing_config"] == {"mode": "Active"}
        assert function["vpc_config"]["subnet_ids"] == private
        assert function["vpc_config"]["security_group_ids"] == [
            "${aws_security_group.security_group.id}"]
    if env != "local":
        private_lookup = stack["data"]["aws_subnets"]["private-subnets"]
        assert private_lookup["tags"] == {"Tier": "private"}


@pytest.mark.parametrize("env", ENVS)
def test_lambda_security_group_no_inbound_only_needed_outbound(
    synthesized: Synthesized, env: str
) -> None:
    stack = synthesized[env]["lambdas"]
    assert rules_of(stack, "ingress") == []
    assert "ingress" not in resources(stack, "aws_security_group")["security_group"]
    egress = {(r["ip_protocol"], r.get("from_port"), r.get("to_port"), r["cidr_ipv4"])
              for r in rules_of(stack, "egress")}
    assert egress == {("tcp", 5432, 5432, VPC_CIDR), ("tcp", 6379, 6379, VPC_CIDR),
                      ("tcp", 80, 80, VPC_CIDR), ("tcp", 443, 443, "0.0.0.0/0")}


@pytest.mark.parametrize("env", ENVS)
def test_only_the_public_alb_is_open_to_the_world(synthesized: Synthesized, env: str) -> None:
    public = {(r["from_port"], r.get("cidr_ipv4") or r.get("cidr_ipv6"))
              for r in rules_of(synthesized[env]["public-alb"], "ingress")}
    assert public == {(80, "0.0.0.0/0"), (80, "::/0"), (443, "0.0.0.0/0"), (443, "::/0")}
    internal = [(r["ip_protocol"], r["from_port"], r["to_port"], r.get("cidr_ipv4"),
                 r.get("cidr_ipv6")) for r in rules_of(synthesized[env]["internal-alb"], "ingress")]
    assert internal == [("tcp", 80, 80, VPC_CIDR, None)]
    for part in ALBS:
        for rule in rules_of(synthesized[env][part], "egress"):
            assert rule["cidr_ipv4"] == VPC_CIDR


@pytest.mark.parametrize("env", ENVS)
def test_roles_read_only_the_one_secret_and_write_only_their_own_log_group(
    synthesized: Synthesized, env: str
) -> None:
    stack = synthesized[env]["lambdas"]
    secret = ("${aws_secretsmanager_secret.api_secret.arn}" if env == "local"
              else "${data.aws_secretsmanager_secret.api_secret.arn}")
    policies = resources(stack, "aws_iam_role_policy")
    assert len(policies) == len(SPEC_FUNCTIONS)
    for address, policy in policies.items():
        assert policy["role"] == f"${{aws_iam_role.{address}.id}}"
        statements = json.loads(policy["policy"])["Statement"]
        for statement in statements:
            actions = statement["Action"]
            services = {a.split(":")[0] for a in actions}
            if services & {"secretsmanager"}:
                assert services == {"secretsmanager"}
                assert statement["Resource"] == secret
                assert set(actions) <= {"secretsmanager:GetSecretValue",
                                        "secretsmanager:DescribeSecret"}
            elif services & {"logs"}:
                assert services == {"logs"}
                assert statement["Resource"] == f"${{aws_cloudwatch_log_group.{address}.arn}}:*"
            else:
                assert services <= {"ec2", "xray"}, statement
            assert "*" not in actions and not any(a.endswith(":*") for a in actions)


def test_real_environments_keep_state_in_encrypted_locked_s3(synthesized: Synthesized) -> None:
    """Locked with S3 lock files, not with the DynamoDB table Terraform has deprecated."""
    for env in ("staging", "review", "production"):
        for part, stack in synthesized[env].items():
            s3 = stack["terraform"]["backend"]["s3"]
            assert s3["encrypt"] is True and s3["use_lockfile"] is True
            assert "dynamodb_table" not in s3
            assert s3["key"] == f"scorer-routing/scorer-{env}-{part}.tfstate"
