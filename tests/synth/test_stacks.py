"""What the ALB and Lambda stacks synthesize: functions, target groups, listeners, backends."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS, all_backends
from model.catalog.route_table import ROUTES
from model.config import AdoptedListener
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.registry import TargetGroupRegistry
from model.validation import environment_problems
from modules.aws import Testing
from stacks.internal_alb import InternalAlbStack
from stacks.routing import RoutingStack
from tests.helpers.spec_functions import SPEC_FUNCTIONS
from tests.helpers.spec_routes import (
    SPEC_R,
    SPEC_RUST_TARGET_GROUPS,
    SPEC_SHARED_RUST_TARGET_GROUPS,
)
from tests.helpers.synth import Synthesized, resources, without_metadata

ENVS = tuple(SPEC_R)


@pytest.mark.parametrize("env", ENVS)
def test_every_function_as_specified(synthesized: Synthesized, env: str) -> None:
    functions = resources(synthesized[env]["lambdas"], "aws_lambda_function")
    assert len(functions) == len(SPEC_FUNCTIONS)
    for name, (memory, timeout, arch, _) in SPEC_FUNCTIONS.items():
        function = functions[name.replace("-", "_")]
        assert function["function_name"] == name
        assert (function["memory_size"], function["timeout"], function["architectures"]) == (
            memory, timeout, [arch])
        variables = function["environment"]["variables"]
        assert variables["DEBUG"] == "off"
        assert variables["LOGGING_STRATEGY"] == "structlog_json"
        assert variables["SCORER_SERVER_SSM_ARN"].startswith("${")
        assert function["vpc_config"]["subnet_ids"]


def test_image_functions_use_the_shared_image_and_handler_command(synthesized: Synthesized) -> None:
    function = synthesized["production"]["lambdas"]["resource"]["aws_lambda_function"][
        "passport_v2_stamp_score"]
    assert function["package_type"] == "Image"
    assert function["image_uri"] == (
        "${data.aws_caller_identity.account.account_id}.dkr.ecr.us-east-1.amazonaws.com/"
        "submit-passport-lambdas:production")
    assert function["image_config"] == {"command": ["v2.aws_lambdas.stamp_score_GET.handler"]}


def test_rust_function(synthesized: Synthesized) -> None:
    function = synthesized["staging"]["lambdas"]["resource"]["aws_lambda_function"][
        "passport_v2_rust_scorer"]
    assert (function["runtime"], function["handler"]) == ("provided.al2023", "bootstrap")
    assert function["layers"] == [
        "arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1"]
    variables = function["environment"]["variables"]
    assert variables["ENVIRONMENT"] == "staging"
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument"
    assert variables["OTEL_SERVICE_NAME"] == "rust-scorer"
    assert (function["s3_bucket"], function["s3_key"]) == (
        "passport-scorer-staging-lambda-artifacts",
        f"rust/{ENVIRONMENTS['staging'].rust_version}/passport-v2-rust-scorer.zip")


def test_zip_functions_of_local_use_the_stub_packages(synthesized: Synthesized) -> None:
    lambdas = synthesized["local"]["lambdas"]
    function = lambdas["resource"]["aws_lambda_function"]["embed_st_lambda"]
    assert function["filename"].startswith("assets/")
    assert function["source_code_hash"].startswith("${filebase64sha256(")
    assert function["runtime"] == "python3.12"
    assert function["layers"] == ["${aws_lambda_layer_version.api_dependencies_layer.arn}"]
    rust = lambdas["resource"]["aws_lambda_function"]["passport_v2_rust_scorer"]
    assert rust["layers"] == ["${aws_lambda_layer_version.otel_collector_layer.arn}"]


@pytest.mark.parametrize("env", ENVS)
def test_lambda_target_groups_permissions_and_attachments(
    synthesized: Synthesized, env: str
) -> None:
    lambdas = synthesized[env]["lambdas"]
    groups = resources(lambdas, "aws_lb_target_group")
    permissions = resources(lambdas, "aws_lambda_permission")
    attachments = resources(lambdas, "aws_lb_target_group_attachment")
    expected = {f"l_{n.replace('-', '_')}" for n in SPEC_FUNCTIONS
                if n != "passport-v2-rust-scorer"} | {
        name.replace("-", "_") for name in SPEC_RUST_TARGET_GROUPS.values()}
    assert set(groups) == set(permissions) == set(attachments) == expected
    for address, group in groups.items():
        assert group["target_type"] == "lambda"
        assert "health_check" not in group  # off by default for target type lambda
        assert group["lambda_multi_value_headers_enabled"] is False
        assert group["name"].replace("-", "_") == address
        permission = permissions[address]
        assert permission["principal"] == "elasticloadbalancing.amazonaws.com"
        assert permission["action"] == "lambda:InvokeFunction"
        assert permission["source_arn"] == f"${{aws_lb_target_group.{address}.arn}}"
        assert attachments[address]["depends_on"] == [f"aws_lambda_permission.{address}"]
    rust = lambdas["resource"]["aws_lambda_function"]["passport_v2_rust_scorer"]
    for key, name in SPEC_RUST_TARGET_GROUPS.items():  # the one Rust function in each
        address = name.replace("-", "_")
        assert groups[address]["name"] == name, key
        assert attachments[address]["target_id"] == (  # at the release's alias
            "${aws_lambda_alias.passport_v2_rust_scorer.arn}")
        assert permissions[address]["function_name"] == (
            "${aws_lambda_function.passport_v2_rust_scorer.function_name}")
        assert permissions[address]["qualifier"] == (
            "${aws_lambda_alias.passport_v2_rust_scorer.name}")
    assert rust["function_name"] == "passport-v2-rust-scorer"


@pytest.mark.parametrize("env", ENVS)
def test_roles_read_only_the_one_secret_and_write_only_their_log_group(
    synthesized: Synthesized, env: str
) -> None:
    lambdas = synthesized[env]["lambdas"]
    for address, policy in resources(lambdas, "aws_iam_role_policy").items():
        statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
        assert statements["ReadTheOneSecret"]["Resource"].endswith("api_secret.arn}")
        assert statements["WriteOwnLogGroup"]["Resource"] == (
            f"${{aws_cloudwatch_log_group.{address}.arn}}:*")
    functions = resources(lambdas, "aws_lambda_function")
    for address, group in resources(lambdas, "aws_cloudwatch_log_group").items():
        assert group["retention_in_days"] == 14
        assert group["name"] == f"/aws/lambda/{functions[address]['function_name']}"


@pytest.mark.parametrize("env", ENVS)
def test_public_alb(synthesized: Synthesized, env: str) -> None:
    stack = synthesized[env]["public-alb"]
    (alb,) = resources(stack, "aws_lb").values()
    assert alb["internal"] is False  # invalid headers, deletion protection: test_hardening.py
    listeners = resources(stack, "aws_lb_listener")
    assert listeners["http_listener"]["default_action"] == [{
        "type": "redirect",
        "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}]
    https = listeners["https_listener"]
    assert (https["port"], https["protocol"]) == (443, "HTTPS")  # TLS policy: test_hardening.py
    assert https["default_action"] == [{
        "type": "forward", "target_group_arn": "${aws_lb_target_group.svc_default.arn}"}]
    groups = resources(stack, "aws_lb_target_group")
    assert set(groups) == {"svc_default", "svc_registry"}
    for group in groups.values():
        assert (group["target_type"], group["port"], group["protocol"]) == ("ip", 80, "HTTP")
        assert group["health_check"]["path"] == "/health/"
        assert group["health_check"]["unhealthy_threshold"] == 5
    assert set(stack["output"]) >= {"svc_default_target_group_arn", "svc_registry_target_group_arn"}


@pytest.mark.parametrize("env", ENVS)
def test_internal_alb(synthesized: Synthesized, env: str) -> None:
    stack = synthesized[env]["internal-alb"]
    (alb,) = resources(stack, "aws_lb").values()
    assert alb["internal"] is True
    (listener,) = resources(stack, "aws_lb_listener").values()
    assert (listener["port"], listener["protocol"]) == (80, "HTTP")
    assert listener["default_action"] == [{
        "type": "fixed-response",
        "fixed_response": {"content_type": "application/json",
                           "message_body": '{"detail": "Not Found"}', "status_code": "404"}}]
    assert set(resources(stack, "aws_lb_target_group")) == {"svc_internal"}
    assert "svc_internal_target_group_arn" in stack["output"]


def test_local_keeps_state_on_disk(synthesized: Synthesized) -> None:
    for part, stack in synthesized["local"].items():
        assert stack["terraform"]["backend"] == {
            "local": {"path": f"../../../terraform-state/scorer-local-{part}.tfstate"}}


def test_adopted_internal_listener_creates_no_alb(tmp_path: Path) -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/1/2"
    config = replace(ENVIRONMENTS["production"],
                     adopt_internal_listener=AdoptedListener(arn, (1011,)))
    app = Testing.app(outdir=str(tmp_path))
    registry: TargetGroupRegistry[Any] = TargetGroupRegistry(config.name)
    internal_stack = InternalAlbStack(app, config, registry, SERVICE_BACKENDS)
    for function in FUNCTIONS:  # stand-ins for the Lambda stack's target groups
        for backend in function.backends:
            registry.register(backend.listener, backend.key,
                              SimpleNamespace(arn=f"arn:{backend.target_group}"))
    internal_routes = tuple(r for r in ROUTES if r.listener == INTERNAL)
    routing_stack = RoutingStack(app, config, registry, internal_routes,
                                 {PUBLIC: "unused", INTERNAL: internal_stack.listener_arn})
    app.synth()
    internal = json.loads(Testing.synth(internal_stack))
    assert "aws_lb" not in internal["resource"]
    assert "aws_lb_listener" not in internal["resource"]
    assert internal["data"]["aws_lb_listener"]["http_listener"]["arn"] == arn
    routing = json.loads(Testing.synth(routing_stack))
    rule = routing["resource"]["aws_lb_listener_rule"]["embed_add_stamps"]
    assert rule["listener_arn"].endswith(
        "scorer-production-internal-alb.outputs.cross-stack-output-"
        "dataaws_lb_listenerhttp_listenerarn}")


def test_testing_synth_and_the_synthesized_files_hold_the_same_json(
    synthesized: Synthesized,
) -> None:
    """The session reads production's stacks with ``Testing.synth`` and the other
    environments' from the files the app's synth wrote (without cdktf's metadata): the
    same JSON."""
    for part, stack in synthesized["production"].items():
        path = synthesized.outdir / "stacks" / f"scorer-production-{part}" / "cdk.tf.json"
        assert without_metadata(path.read_text()) == stack, part


def test_every_name_takes_the_environments_prefix(tmp_path: Path) -> None:
    """Alarm, security group, layer, role, load balancer, target group and function names all
    come from the naming helpers, so an environment's name prefix reaches each of them."""
    from model.catalog.route_table import ROUTES
    from stacks.app import build_environment

    config = replace(ENVIRONMENTS["local"], name_prefix="pr-")
    app = Testing.app(outdir=str(tmp_path))
    stacks = build_environment(app, config, ROUTES, FUNCTIONS, SERVICE_BACKENDS)
    names = []
    for stack in stacks.all():
        for kind, items in json.loads(Testing.synth(stack)).get("resource", {}).items():
            # an inline policy's name is its role's business; a secret's is the environment's;
            # an alias's is its (prefixed) function's
            if kind in ("aws_iam_role_policy", "aws_secretsmanager_secret", "aws_lambda_alias"):
                continue
            for resource in items.values():
                for field in ("name", "function_name", "layer_name", "alarm_name",
                              "dashboard_name"):
                    value = resource.get(field)
                    if isinstance(value, str) and not value.startswith(("${", "/aws/lambda/")):
                        names.append((kind, value.removeprefix("/")))  # SSM: /<name>
    assert names and all(value.startswith("pr-") for _, value in names), [
        n for n in names if not n[1].startswith("pr-")]
    assert {kind for kind, _ in names} >= {"aws_security_group", "aws_lambda_layer_version",
                                           "aws_iam_role", "aws_lb", "aws_lb_target_group",
                                           "aws_lambda_function", "aws_sns_topic",
                                           "aws_cloudwatch_dashboard"}


def test_a_renamed_route_moves_its_rule_instead_of_replacing_it(tmp_path: Path) -> None:
    """former_keys becomes a Terraform ``moved`` block: no window without the rule, no second
    rule at its priority."""
    routes = tuple(replace(r, key="ceramic-cache-stamp-get", former_keys=("ceramic-cache-stamp",))
                   if r.key == "ceramic-cache-stamp" else r for r in ROUTES)
    config = ENVIRONMENTS["production"]
    assert environment_problems(config, routes, FUNCTIONS, SERVICE_BACKENDS) == []
    app = Testing.app(outdir=str(tmp_path))
    registry: TargetGroupRegistry[Any] = TargetGroupRegistry(config.name)
    for backend in all_backends():
        registry.register(backend.listener, backend.key,
                          SimpleNamespace(arn=f"arn:{backend.target_group}"))
    routing = json.loads(Testing.synth(RoutingStack(
        app, config, registry, routes, {PUBLIC: "arn:public", INTERNAL: "arn:internal"})))
    assert routing["moved"] == [{"from": "aws_lb_listener_rule.ceramic_cache_stamp",
                                 "to": "aws_lb_listener_rule.ceramic_cache_stamp_get"}]
    assert "ceramic_cache_stamp_get" in routing["resource"]["aws_lb_listener_rule"]
    renamed_silently = tuple(replace(r, former_keys=()) for r in routes)
    assert any("route key 'ceramic-cache-stamp' was deployed and is gone" in p for p in
               environment_problems(config, renamed_silently, FUNCTIONS, SERVICE_BACKENDS))


def test_kept_rust_target_groups_stay_in_the_lambda_stack_without_alarms_or_rules(
    synthesized: Synthesized, synthesize_with: Any
) -> None:
    """``RUST_KEPT_TARGET_GROUPS`` (what the deploy driver sets while live rules still forward
    to the shared Rust target groups): the Lambda stack keeps them, with the one Rust function
    registered and its own permission; the routing and monitoring stacks are as without them."""
    kept = synthesize_with({"ENVIRONMENTS": "production",
                            "RUST_KEPT_TARGET_GROUPS": "rust,rust-int"})["production"]
    base = synthesized["production"]
    groups = resources(kept["lambdas"], "aws_lb_target_group")
    shared = {name.replace("-", "_"): name for name in SPEC_SHARED_RUST_TARGET_GROUPS.values()}
    assert set(groups) - set(resources(base["lambdas"], "aws_lb_target_group")) == set(shared)
    for address, name in shared.items():
        assert groups[address]["name"] == name
        assert resources(kept["lambdas"], "aws_lb_target_group_attachment")[address][
            "target_id"] == "${aws_lambda_function.passport_v2_rust_scorer.arn}"
        # as deployed before releases: changing a live Lambda target group's one target would
        # leave its rules without one for a moment (docs/runbook.md)
        assert "qualifier" not in resources(kept["lambdas"], "aws_lambda_permission")[address]
    assert kept["routing"] == base["routing"] and kept["monitoring"] == base["monitoring"]
