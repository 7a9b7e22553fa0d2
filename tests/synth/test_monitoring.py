"""docs/monitoring.md against the synthesized monitoring stacks: alarms, topic, rollout view.

The expected values are transcribed from the spec here, independently of
model/catalog/alarm_policy.py. Alarm sets use ``for_each``; ``alarms()`` expands them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.spec_functions import SPEC_FUNCTIONS
from tests.helpers.spec_routes import SPEC_R, SPEC_ROUTES, SPEC_RUST_TARGET_GROUPS
from tests.helpers.synth import (
    EMERGENCY,
    ROLLOUT,
    Synth,
    Synthesized,
    resources,
)

ENVS = tuple(SPEC_R)

# docs/monitoring.md, per target group: kind -> (threshold, M, N, period, missing data)
TARGET_DEFAULTS = {
    "target-5xx-ratio-burst": (0.2, 3, 5, 60, "missing"),
    "target-5xx-ratio-sustain": (0.01, 3, 4, 600, "missing"),
    "target-4xx-ratio-burst": (0.85, 4, 5, 60, "missing"),
    "target-4xx-ratio-sustain": (0.5, 3, 4, 600, "missing"),
    "response-time-burst": (20, 3, 5, 60, "notBreaching"),
    "response-time-sustain": (2, 30, 40, 60, "notBreaching"),
}
RATIO_METRIC = {"target-5xx": "HTTPCode_Target_5XX_Count",
                "target-4xx": "HTTPCode_Target_4XX_Count", "elb-5xx": "HTTPCode_ELB_5XX_Count"}
OVERRIDES = {  # target group -> kind -> (threshold, M, N)
    "l-passport-analysis-GET-0": {"response-time-burst": (50, 8, 10),
                                  "response-time-sustain": (30, 30, 40)},
    "l-submit-passport-0": {"response-time-burst": (20, 10, 15)},
    "l-cc-v1-st-bulk-PATCH-0": {"response-time-burst": (20, 10, 15)},
    "l-cc-v1-st-bulk-DELETE-0": {"response-time-burst": (20, 7, 10)},
    "l-passport-v2-stamp-score": {"response-time-burst": (20, 7, 10),
                                  "response-time-sustain": (4, 30, 40)},
    "l-passport-v2-model-score": {"response-time-burst": (20, 7, 10)},
}
# every target group and the load balancer it serves, and the stack that creates it
TARGET_GROUPS = {
    **{f"l-{name}": (alb, "lambdas")
       for name, (*_, alb) in SPEC_FUNCTIONS.items() if alb != "both"},
    **{SPEC_RUST_TARGET_GROUPS[key]: (listener, "lambdas")  # a Rust one per weighted route
       for (listener, _), (key, *_, action) in SPEC_ROUTES.items() if action[0] == "weighted"},
    "svc-default": ("public", "public-alb"),
    "svc-registry": ("public", "public-alb"),
    "svc-internal": ("internal", "internal-alb"),
}


def alarms(stack: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(alarm set, key) -> the alarm with ``each.value.*`` and ``each.key`` substituted."""
    found = {}
    for set_name, alarm in resources(stack, "aws_cloudwatch_metric_alarm").items():
        for key, value in alarm["for_each"].items():
            def resolve(item: Any, key: str = key, value: dict[str, Any] = value) -> Any:
                if isinstance(item, dict):
                    return {k: resolve(v) for k, v in item.items() if k not in ("for_each", "//")}
                if isinstance(item, list):
                    return [resolve(v) for v in item]
                if isinstance(item, str):
                    whole = re.fullmatch(r"\$\{each\.value\.(\w+)\}", item)
                    if whole:
                        return value[whole.group(1)]
                    return item.replace("${each.key}", key)
                return item
            found[(set_name, key)] = resolve(alarm)
    return found


def ref(env: str, producer: str, output: str) -> str:
    return (f"${{data.terraform_remote_state.cross-stack-reference-input-scorer-{env}-{producer}"
            f".outputs.cross-stack-output-{output}}}")


def lb_ref(env: str, alb: str) -> str:
    return ref(env, f"{alb}-alb", "aws_lbload_balancerarn_suffix")


def tg_ref(env: str, target_group: str) -> str:
    _, producer = TARGET_GROUPS[target_group]
    return ref(env, producer, f"aws_lb_target_group{re.sub(r'[^A-Za-z0-9_]', '_', target_group)}"
                              "arn_suffix")


def dashboard_json(body: str) -> dict[str, Any]:
    """The dashboard body as Terraform will compute it: ``${replace(replace("<json>",
    "{{arn-suffix:KEY}}", REF), ...)}`` with each placeholder turned into ``${REF}``."""
    assert body.startswith("${") and body.endswith("}"), body[:80]
    expression = body[2:-1]
    depth = len(re.match(r"(replace\()*", expression).group(0)) // len("replace(")
    template, end = json.JSONDecoder().raw_decode(expression, depth * len("replace("))
    pairs = re.findall(r', "(\{\{arn-suffix:[^"]+\}\})", ("[^"]*"|[\w.-]+)\)',
                       expression[end:])
    assert len(pairs) == depth and expression[end:].endswith(")")
    for placeholder, value in pairs:  # a literal, or a reference Terraform interpolates
        template = template.replace(
            placeholder, json.loads(value) if value.startswith('"') else f"${{{value}}}")
    assert "{{arn-suffix:" not in template
    return json.loads(template)


def metrics_of(alarm: dict[str, Any]) -> tuple[str, ...]:
    if "metric_query" not in alarm:
        return (alarm["metric_name"],)
    return tuple(q["metric"]["metric_name"] for q in alarm["metric_query"] if "metric" in q)


def dimensions_of(alarm: dict[str, Any]) -> dict[str, str]:
    if "metric_query" not in alarm:
        return alarm["dimensions"]
    (dims,) = {json.dumps(q["metric"]["dimensions"], sort_keys=True)
               for q in alarm["metric_query"] if "metric" in q}
    return json.loads(dims)


@pytest.mark.parametrize("env", ENVS)
def test_six_alarms_per_target_group_on_the_load_balancer_it_serves(
    synthesized: Synthesized, env: str
) -> None:
    found = alarms(synthesized[env]["monitoring"])
    for kind, (threshold, m, n, period, missing) in TARGET_DEFAULTS.items():
        set_name = kind.replace("-", "_")
        keys = {key for (s, key) in found if s == set_name}
        assert keys == set(TARGET_GROUPS), kind
        for target_group, (alb, _) in TARGET_GROUPS.items():
            alarm = found[(set_name, target_group)]
            t, dm, dn = OVERRIDES.get(target_group, {}).get(kind, (threshold, m, n))
            assert (alarm["threshold"], alarm["datapoints_to_alarm"],
                    alarm["evaluation_periods"]) == (t, dm, dn), (kind, target_group)
            assert alarm["comparison_operator"] == "GreaterThanThreshold"
            assert alarm["treat_missing_data"] == missing
            assert dimensions_of(alarm) == {"LoadBalancer": lb_ref(env, alb),
                                            "TargetGroup": tg_ref(env, target_group)}
            assert alarm["alarm_name"] == f"scorer-{env}-{target_group}-{kind}"
            if kind.startswith("response-time"):
                assert (alarm["metric_name"], alarm["statistic"], alarm["period"]) == (
                    "TargetResponseTime", "Average", period)
            else:
                queries = alarm["metric_query"]
                assert metrics_of(alarm) == (RATIO_METRIC[kind[:10]], "RequestCount")
                assert {q["metric"]["stat"] for q in queries if "metric" in q} == {"Sum"}
                assert {q["metric"]["period"] for q in queries if "metric" in q} == {period}
                (returned,) = [q for q in queries if q.get("return_data")]
                assert returned["expression"] == "numerator / denominator"


@pytest.mark.parametrize("env", ENVS)
def test_load_balancer_5xx_and_function_errors_alarms(synthesized: Synthesized, env: str) -> None:
    found = alarms(synthesized[env]["monitoring"])
    for kind, (threshold, m, n, period) in {"elb-5xx-ratio-burst": (0.2, 3, 5, 60),
                                            "elb-5xx-ratio-sustain": (0.01, 3, 4, 600)}.items():
        for alb in ("public", "internal"):
            alarm = found[(kind.replace("-", "_"), alb)]
            assert (alarm["threshold"], alarm["datapoints_to_alarm"],
                    alarm["evaluation_periods"]) == (threshold, m, n)
            assert metrics_of(alarm) == ("HTTPCode_ELB_5XX_Count", "RequestCount")
            assert {q["metric"]["period"] for q in alarm["metric_query"] if "metric" in q} == {
                period}
            assert dimensions_of(alarm) == {"LoadBalancer": lb_ref(env, alb)}
            assert alarm["alarm_name"] == f"scorer-{env}-{alb}-alb-{kind}"
    errors = {key: a for (s, key), a in found.items() if s == "function_errors"}
    assert set(errors) == set(SPEC_FUNCTIONS)  # the Rust function included
    for function, alarm in errors.items():
        assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
            "AWS/Lambda", "Errors", "Sum")
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert (alarm["threshold"], alarm["datapoints_to_alarm"], alarm["evaluation_periods"],
                alarm["period"]) == (1, 3, 5, 60)
        assert alarm["treat_missing_data"] == "notBreaching"
        assert "unit" not in alarm
        assert alarm["dimensions"] == {"FunctionName": function}
    assert len(found) == 6 * len(TARGET_GROUPS) + 2 * 2 + len(SPEC_FUNCTIONS)
    assert len({a["alarm_name"] for a in found.values()}) == len(found)


@pytest.mark.parametrize("env", ENVS)
def test_every_alarm_notifies_the_one_topic_and_only_production_pages(
    synthesized: Synthesized, env: str
) -> None:
    stack = synthesized[env]["monitoring"]
    (topic_id,) = resources(stack, "aws_sns_topic")
    for alarm in alarms(stack).values():
        topic = f"${{aws_sns_topic.{topic_id}.arn}}"
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [topic]
    subscriptions = resources(stack, "aws_sns_topic_subscription")
    if env != "production":
        assert subscriptions == {}
        return
    (subscription,) = subscriptions.values()
    assert subscription["protocol"] == "https"
    assert subscription["endpoint"] == (
        "${data.aws_secretsmanager_secret_version.paging_endpoint.secret_string}")
    secret = stack["data"]["aws_secretsmanager_secret_version"]["paging_endpoint"]
    assert secret["secret_id"] == "scorer-production-pagerduty-endpoint"
    assert "https://" not in json.dumps(stack)  # the endpoint is never in the code


@pytest.mark.parametrize("env", ENVS)
def test_rollout_dashboard_puts_python_and_rust_side_by_side(
    synthesized: Synthesized, env: str
) -> None:
    (dashboard,) = resources(synthesized[env]["monitoring"], "aws_cloudwatch_dashboard").values()
    assert dashboard["dashboard_name"] == f"scorer-{env}-rust-rollout"
    widgets = dashboard_json(dashboard["dashboard_body"])["widgets"]
    assert len(widgets) <= 500  # CloudWatch's limit per dashboard
    weighted = {key: (listener, action[1], action[2])
                for (listener, _), (key, *_, action) in SPEC_ROUTES.items()
                if action[0] == "weighted"}
    by_route: dict[str, dict[str, Any]] = {}
    for widget in widgets:
        route, panel = widget["properties"]["title"].split(": ")
        by_route.setdefault(route, {})[panel] = widget
    assert set(by_route) == set(weighted)
    for route, (listener, python, _) in weighted.items():
        panels = by_route[route]
        assert {p: (w["properties"]["metrics"][0][1], w["properties"]["stat"])
                for p, w in panels.items()} == {
            "requests": ("RequestCount", "Sum"),
            "target 5XX": ("HTTPCode_Target_5XX_Count", "Sum"),
            "response time p50": ("TargetResponseTime", "p50"),
            "response time p99": ("TargetResponseTime", "p99")}
        assert len({w["y"] for w in panels.values()}) == 1  # one row per route
        rust_tg = SPEC_RUST_TARGET_GROUPS[route]  # the route's own, not the listener's
        python_tg = f"l-{python[3:]}" if python.startswith("py:") else python.replace(":", "-")
        for widget in panels.values():
            python_series, rust_series = widget["properties"]["metrics"]
            assert python_series[2:6] == ["LoadBalancer", lb_ref(env, listener),
                                          "TargetGroup", tg_ref(env, python_tg)]
            assert rust_series[2:6] == ["LoadBalancer", lb_ref(env, listener),
                                        "TargetGroup", tg_ref(env, rust_tg)]
            assert python_series[6]["label"].startswith("Python")
            assert rust_series[6]["label"].startswith("Rust")


def test_rollout_and_rollback_leave_monitoring_untouched(
    synthesized: Synthesized, synthesize_with: Synth
) -> None:
    """R, per-route R, canaries and the emergency rollback change only the routing stack
    (the functions find the canary rules on the listeners by their tags; the builds are the
    rollout tests' own, made once per session)."""
    baseline = synthesized["production"]["monitoring"]
    variants = [synthesize_with(ROLLOUT), synthesize_with(EMERGENCY)]
    for variant in variants:
        assert variant["production"]["monitoring"] == baseline


def test_more_weighted_routes_than_one_dashboard_holds_continue_on_a_second(
    tmp_path: Path,
) -> None:
    """CloudWatch holds 500 graphs per dashboard: 125 routes of four graphs each."""
    from modules.aws import TerraformStack, Testing
    from modules.dashboard import RolloutRow, TargetSeries, rollout_dashboards

    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "dashboards")
    rows = [RolloutRow(f"route-{i}", "lb", TargetSeries("Python", f"py-{i % 3}"),
                       TargetSeries("Rust", "rust")) for i in range(130)]
    suffixes = {"lb": "app/x/1", "rust": "targetgroup/rust/2",
                **{f"py-{i}": f"targetgroup/py-{i}/3" for i in range(3)}}
    rollout_dashboards(stack, "scorer-x-rust-rollout", "us-east-1", rows, suffixes)
    found = json.loads(Testing.synth(stack))["resource"]["aws_cloudwatch_dashboard"]
    assert {k: d["dashboard_name"] for k, d in found.items()} == {
        "rollout_dashboard": "scorer-x-rust-rollout",
        "rollout_dashboard_2": "scorer-x-rust-rollout-2"}
    first, second = (dashboard_json(found[k]["dashboard_body"])["widgets"]
                     for k in ("rollout_dashboard", "rollout_dashboard_2"))
    assert (len(first), len(second)) == (500, 20)
    assert second[0]["properties"]["title"] == "route-125: requests"
    assert second[0]["properties"]["metrics"][1][5] == "targetgroup/rust/2"


def test_a_rust_alarm_in_alarm_invokes_the_abort_function(synthesized: Synthesized) -> None:
    """The EventBridge rule takes the alarms of the Rust target groups, the Rust function and
    the load balancers entering ALARM to the abort function, whose role may change only this
    environment's listener rules and rollout table (tests/synth/test_rollout_functions.py
    checks that no write action takes "*")."""
    stack = synthesized["production"]["monitoring"]["resource"]
    rule = stack["aws_cloudwatch_event_rule"]["rollout_abort"]
    pattern = json.loads(rule["event_pattern"])
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"]["state"] == {"value": ["ALARM"]}
    prefixes = {p["prefix"] for p in pattern["detail"]["alarmName"]}
    rust = {f"scorer-production-{name}-" for name in SPEC_RUST_TARGET_GROUPS.values()}
    assert prefixes == {*rust, "scorer-production-passport-v2-rust-scorer-",
                        "scorer-production-public-alb-", "scorer-production-internal-alb-"}
    alarms = {name for kind in stack["aws_cloudwatch_metric_alarm"].values()
              for name in (v["alarm_name"] for v in kind["for_each"].values())}
    watched = {a for a in alarms if a.startswith(tuple(prefixes))}
    assert watched and all("rust" in a or "-alb-" in a or "-rs-" in a for a in watched)
    assert all(any(f"-{name}-" in a for a in watched)
               for name in SPEC_RUST_TARGET_GROUPS.values())  # every route's Rust alarms
    assert stack["aws_cloudwatch_event_target"]["rollout_abort"]["arn"] == (
        "${aws_lambda_function.rollout_abort.arn}")
    function = stack["aws_lambda_function"]["rollout_abort"]
    assert (function["handler"], function["runtime"]) == (
        "functions.rollout_abort.handler.handler", "python3.12")
    variables = function["environment"]["variables"]
    assert (variables["ENVIRONMENT"], variables["ROLLOUT_TABLE"], variables["TOPIC_ARN"]) == (
        "production", "scorer-production-rust-rollout-state", "${aws_sns_topic.alarms.arn}")
    assert set(json.loads(variables["ALARM_PREFIXES"])) == prefixes
    assert {"LISTENER_ARNS", "ENVIRONMENT", "ROLLOUT_TABLE", "TOPIC_ARN",
            "ALARM_PREFIXES"} == set(variables)
    policy = json.loads(stack["aws_iam_role_policy"]["rollout_abort"]["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ChangeThisEnvironmentsRules"]["Resource"] == [
        "arn:aws:elasticloadbalancing:us-east-1:${data.aws_caller_identity.account.account_id}"
        f":listener-rule/app/scorer-production-{which}/*" for which in ("public", "internal")]
    assert set(statements["ChangeThisEnvironmentsRules"]["Action"]) >= {
        "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"}
    table = ("arn:aws:dynamodb:us-east-1:${data.aws_caller_identity.account.account_id}"
             ":table/scorer-production-rust-rollout-state")
    assert statements["ReadRolloutState"]["Resource"] == table
    assert statements["WriteRolloutStateInTransactions"]["Resource"] == table
    assert statements["NotifyAlarmTopic"] == {
        "Sid": "NotifyAlarmTopic", "Effect": "Allow", "Action": "sns:Publish",
        "Resource": "${aws_sns_topic.alarms.arn}"}
    assert not any(s["Action"][0].startswith("ssm:") for s in policy["Statement"])
    assert set(statements["ReadRules"]["Action"]) == {
        "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups"}  # the Python target group of a canary
