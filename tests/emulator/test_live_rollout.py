"""The progressive rollout (docs/rollout.md) on the emulator: ``rollout start`` sets the
step live and a plain deploy keeps it; ``advance`` waits for the bake and ``tick`` aborts on a
red gate; the deployed abort function aborts on a Rust alarm; ``promote`` reaches 100.
``routes diff --live`` is in sync with the persisted state at every stage.

Every test starts from the session's deploy at its baseline (R 50, phase idle, every alarm
OK) and leaves it so (``tests/emulator/conftest.py``); what a test needs before that (a
rollout rolling, an emergency abort) it does itself, with the ``rollout`` command.
"""

from __future__ import annotations

from typing import Any

import pytest

import ops.driver.deploy as driver
from functions.rollout_abort.handler import handler as abort_handler
from model.routing.listener import PUBLIC
from ops.driver.terraform import DeployError, plan, synth
from tests.helpers.emulator import LOCAL, ROUTING, Cli, Deployment, weights


def test_a_rollout_starts_live_and_a_plain_deploy_keeps_it(
    deployment: Deployment, cli: Cli
) -> None:
    code, out, err = cli.rollout([
        "start", "--env", "local", "--steps", "5,10,25,50,100", "--bake", "1h",
        "--reason", "first production-like step"])
    assert code == 0, out + err
    assert out.startswith("start: R 50; idle -> R 5; rolling 1/5"), out
    assert weights(deployment.ours()) == {(95, 5)}
    cli.assert_in_sync()
    # A plain deploy, without any variable, keeps the live weights (the driver synthesizes
    # with the persisted state) ...
    plain = {k: v for k, v in deployment.env.items() if k not in driver.ROLLOUT_VARIABLES}
    said = deployment.deploy(["routing"], plain)
    assert "keeping the persisted rollout state of local: R 5; rolling 1/5" in said
    assert weights(deployment.ours()) == {(95, 5)}
    cli.assert_in_sync()
    # ... a deploy of JSON synthesized with more Rust is refused by Terraform itself ...
    synth(deployment.with_r(25), deployment.outdir)
    with pytest.raises(DeployError) as refused:
        plan(deployment.outdir / "stacks" / ROUTING, deployment.env)
    said = " ".join(str(refused.value).split())  # Terraform wraps its messages
    assert (f"The rollout state (DynamoDB table {LOCAL.rollout_table_name()}, head item) "
            "records R=5 (emergency false)") in said
    assert "this deploy would set R=25 (emergency false)" in said
    # ... and one with less may go through (a deploy may lower Rust, never raise it).
    synth(deployment.with_r(0), deployment.outdir)
    plan(deployment.outdir / "stacks" / ROUTING, deployment.env)


def test_advance_waits_for_the_bake_and_tick_aborts_on_a_red_gate(
    deployment: Deployment, cli: Cli
) -> None:
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "5,10,25,50,100",
                                  "--bake", "1h", "--reason", "first production-like step"])
    assert code == 0 and out.startswith("start: R 50; idle -> R 5; rolling 1/5"), out + err
    code, _, err = cli.rollout(["advance", "--env", "local"])
    assert code == 1 and err.startswith("refused: advance refused: bake: "), err
    # Rust answers 10 % 5XX where Python answers 0.1 %, on the bulk POST route
    groups = {name: arn.split(":", 5)[5] for name, arn in deployment.target_groups().items()}
    (balancer,) = deployment.client.describe_load_balancers(
        Names=[LOCAL.load_balancer_name(PUBLIC)])["LoadBalancers"]
    lb = balancer["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    cloudwatch = deployment.aws("cloudwatch")
    for group, requests, errors in (("l-cc-v1-st-bulk-POST-0", 1000, 1),
                                    ("rs-ceramic-cache-bulk-post", 1000, 100)):
        dimensions = [{"Name": "LoadBalancer", "Value": lb},
                      {"Name": "TargetGroup", "Value": groups[group]}]
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": dimensions, "Value": requests},
            {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dimensions,
             "Value": errors}])
    code, out, err = cli.rollout(["tick", "--env", "local"])
    assert code == 0, out + err
    # abort_scope routes: the red route alone to Python, not sticky; the others roll on
    bulk = "ceramic-cache-bulk-post"
    said = f"(1 route(s) aborted: {bulk}, R 0, not sticky); rolling 1/5"
    assert out.startswith("abort: R 5; rolling 1/5 -> ") and said in out, out
    live = {v.key: v for v in deployment.ours() if len(v.targets) > 1}
    aborted = live.pop(bulk)
    assert weights([aborted]) == {(100, 0)} and aborted.stickiness is None
    assert weights(list(live.values())) == {(95, 5)}
    assert all(v.stickiness for v in live.values())
    last = cli.history()[-1]
    assert last["from"] == "R 5; rolling 1/5" and last["to"].endswith(said)
    assert last["why"].startswith(
        "controller: gate 5xx of ceramic-cache-bulk-post is red: Rust 100/1000 (10.000 %) vs "
        "Python 1/1000 (0.100 %): e "), last["why"]
    cli.assert_in_sync()


def test_the_abort_function_given_a_rust_alarm_aborts_a_healthy_step(
    deployment: Deployment, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deployed abort function's handler, called as EventBridge calls it (the emulator
    cannot run functions) with the deployed configuration and the real event shape."""
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "25,100",
                                  "--reason", "after the fix"])
    assert code == 0, out + err
    assert weights(deployment.ours()) == {(75, 25)}
    client = deployment.aws
    alarm = LOCAL.alarm_name("rs-ceramic-cache-bulk-post", "target-5xx-ratio-burst")
    client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM",
                                         StateReason="Threshold Crossed: 3 datapoints")
    event: dict[str, Any] = {
        "version": "0", "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2026-11-27T15:00:00Z", "region": LOCAL.region,
        "resources": [f"arn:aws:cloudwatch:{LOCAL.region}:123456789012:alarm:{alarm}"],
        "detail": {
            "alarmName": alarm,
            "state": {"value": "ALARM", "reason": "Threshold Crossed: 3 datapoints",
                      "timestamp": "2026-11-27T15:00:00.000+0000"},
            "previousState": {"value": "OK", "reason": "Threshold not crossed",
                              "timestamp": "2026-11-27T14:00:00.000+0000"},
            "configuration": {"description": "target 5XX ratio burst"}},
    }
    rule = client("events").describe_rule(Name=LOCAL.resource_name("rust-alarm-abort"))
    # the deployed rule takes this event (moto's own EventBridge matching; its
    # TestEventPattern API answers nothing)
    from moto.events.models import EventPattern

    assert EventPattern.load(rule["EventPattern"]).matches_event(event)
    healthy = {**event, "detail": {**event["detail"], "alarmName": LOCAL.alarm_name(
        "l-cc-v1-st-bulk-POST-0", "target-5xx-ratio-burst")}}
    assert not EventPattern.load(rule["EventPattern"]).matches_event(healthy)
    targets = client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [LOCAL.function_name("rollout-abort")]
    variables = client("lambda").get_function_configuration(
        FunctionName=LOCAL.function_name("rollout-abort"))["Environment"]["Variables"]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    answer = abort_handler(event, None, clients=deployment.clients())
    assert answer["aborted"] is True, answer  # its speed: make bench
    # the alarm of one route's own Rust target group: that route to Python, not sticky; every
    # other weighted rule keeps its step
    live = {v.key: v for v in deployment.ours() if len(v.targets) > 1}
    hit = live.pop("ceramic-cache-bulk-post")
    assert weights([hit]) == {(100, 0)} and hit.stickiness is None
    assert weights(list(live.values())) == {(75, 25)}
    assert all(v.stickiness for v in live.values())
    state = deployment.store().require().state
    assert (state.phase, state.emergency, state.actor) == ("rolling", False,
                                                           "rollout-abort function")
    assert state.aborted_routes == ("ceramic-cache-bulk-post",)
    assert state.reason == f"alarm {alarm} entered ALARM: Threshold Crossed: 3 datapoints"
    cli.assert_in_sync()
    ok = {**event, "detail": {**event["detail"], "state": {"value": "OK"}}}
    assert abort_handler(ok, None, clients=deployment.clients())["aborted"] is False


def test_a_rollout_restarted_after_an_emergency_abort_is_promoted_to_100(
    deployment: Deployment, cli: Cli
) -> None:
    code, out, err = cli.rollout(["abort", "--env", "local", "--reason", "Rust answers 5XX"])
    assert code == 0 and out.startswith("abort: R 50; idle -> emergency: R 0, not sticky; "
                                        "aborted"), out + err
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "50,100",
                                  "--reason", "retry after the fix"])
    assert code == 0 and out.startswith("start: emergency: R 0, not sticky; aborted -> R 50; "
                                        "rolling 1/2"), out + err
    code, out, err = cli.rollout(["promote", "--env", "local", "--reason", "Rust is better"])
    assert code == 0 and out.startswith("promote: R 50; rolling 1/2 -> R 100; done"), out + err
    assert weights(deployment.ours()) == {(0, 100)}
    cli.assert_in_sync()
    code, out, _ = cli.rollout(["status", "--env", "local"])
    assert code == 0 and out.startswith(
        f"rollout of local ({LOCAL.rollout_table_name()}, version "), out
    assert out.splitlines()[0].endswith("): R 100; done"), out
