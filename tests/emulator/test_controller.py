"""The rollout controller on the emulator (docs/rollout.md): the deployed function's handler,
invoked on a clock with the deployed configuration (the emulator cannot run functions), drives
a rollout to the end by itself, aborts on a red gate with every rule at Rust 0, not sticky,
recorded and notified (through an SQS subscription to the environment's topic), and repairs
a hand edit; operators racing it cannot undo an abort; a deploy refuses a deleted state.

The emulator answers percentile queries with HTTP 500 once response-time data exists, so
latency (the gates' percentile ranks ``PR(:t)``) is answered by a small proxy in front of its
CloudWatch (``Percentiles``: every request faster than t); counts, the load balancers' and
the Rust function's, are its own.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.rollout_controller.handler import handler as controller
from model.catalog.functions import RUST_SCORER
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.routing.view import target_group_names
from ops.controller.rollout import Rollout
from ops.driver.preflight import Refused
from tests.helpers.emulator import LOCAL, Cli, Deployment, weights
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

REQUESTS = 10_000  # a side and run: enough for every gate to reach its minimum sample
RUST_5XX = 1000  # of them: 10 %, where Python answers none


class Percentiles:
    """The emulator's CloudWatch, but percentile ranks answered here: ``percent`` of the
    requests at or below every threshold, in every period from the query's start (as the
    emulator's own periods)."""

    def __init__(self, cloudwatch: Any, percent: float = 100.0) -> None:
        self.cloudwatch = cloudwatch
        self.percent = percent

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cloudwatch, name)

    def get_metric_data(self, MetricDataQueries: list[dict[str, Any]], **kwargs: Any
                        ) -> dict[str, Any]:
        local = [q for q in MetricDataQueries if q["MetricStat"]["Stat"].startswith("PR(")]
        asked = [q for q in MetricDataQueries if q not in local]
        answer = self.cloudwatch.get_metric_data(MetricDataQueries=asked, **kwargs) if asked \
            else {"MetricDataResults": []}
        start, end = kwargs["StartTime"], kwargs["EndTime"]
        periods = [datetime.fromtimestamp(at, UTC) for at in range(int(start), int(end), 60)]
        answer["MetricDataResults"] += [{"Id": q["Id"], "Values": [self.percent] * len(periods),
                                         "Timestamps": periods} for q in local]
        return answer


def clients(deployment: Deployment) -> Any:
    found = deployment.clients()
    found.cloudwatch = Percentiles(found.cloudwatch)
    return found


def traffic(deployment: Deployment, rust_5xx: float = 0) -> None:
    """``REQUESTS`` on every weighted route's Python and Rust target group, now, and as many
    invocations of the Rust function."""
    groups = deployment.target_groups()
    names = target_group_names(LOCAL)
    balancers = {b["LoadBalancerName"]: b["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
                 for b in deployment.client.describe_load_balancers()["LoadBalancers"]}
    cloudwatch = deployment.aws("cloudwatch")
    sent = set()
    for route in ROUTES:
        split = route.action.split()
        if split is None:
            continue
        lb = balancers[LOCAL.load_balancer_name(route.listener)]
        for backend, errors in ((split[0], 0), (split[1], rust_5xx)):
            group = groups[names[backend]].split(":", 5)[5]
            if (lb, group) in sent:
                continue
            sent.add((lb, group))
            dimensions = [{"Name": "LoadBalancer", "Value": lb},
                          {"Name": "TargetGroup", "Value": group}]
            cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
                {"MetricName": "RequestCount", "Dimensions": dimensions, "Value": REQUESTS},
                {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dimensions,
                 "Value": errors}])
    function = [{"Name": "FunctionName", "Value": LOCAL.function_name(RUST_SCORER.name)}]
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Invocations", "Dimensions": function, "Value": REQUESTS},
        {"MetricName": "Errors", "Dimensions": function, "Value": 0}])


@pytest.fixture
def deployed_controller(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The controller's handler with the deployed function's variables and the emulator's
    clients: call it with no argument for one run."""
    variables = deployment.aws("lambda").get_function_configuration(
        FunctionName=LOCAL.function_name("rollout-controller"))["Environment"]["Variables"]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    found = clients(deployment)
    return lambda: controller({}, clients=found)


@pytest.fixture
def notifications(deployment: Deployment) -> Any:
    """An SQS queue subscribed to the environment's topic; returns its messages' bodies."""
    sqs, sns = deployment.aws("sqs"), deployment.aws("sns")
    url = sqs.create_queue(QueueName="rollout-notifications")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]
                if t["TopicArn"].endswith(f":{LOCAL.alarm_topic_name()}")]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)[
        "SubscriptionArn"]

    def received() -> list[dict[str, Any]]:
        found = []
        while True:
            page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
            if not page:
                return found
            found += [json.loads(json.loads(m["Body"])["Message"]) for m in page]

    yield received
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=url)


def run_until(step: Any, done: Any, limit: int = 12) -> list[str]:
    actions = []
    for _ in range(limit):
        time.sleep(1.1)  # the bake: one second
        actions.append(step()["action"])
        if done():
            return actions
    raise AssertionError(f"not done after {limit} runs: {actions}")


def test_a_five_step_rollout_finishes_by_controller_runs_alone(
        deployment: Deployment, cli: Cli, deployed_controller: Any, notifications: Any) -> None:
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "5,10,25,50,100",
                                  "--bake", "1s", "--reason", "by the controller alone"])
    assert code == 0, out + err

    def step() -> dict[str, Any]:
        traffic(deployment)
        return deployed_controller()

    actions = run_until(step, lambda: deployment.store().require().state.phase == "done")
    assert actions.count("advance") == 5, actions  # four steps and the finish
    assert weights(deployment.ours()) == {(0, 100)}
    cli.assert_in_sync()
    sent = notifications()
    assert [m["transition"] for m in sent] == ["start"] + ["advance"] * 5
    assert {m["actor"] for m in sent[1:]} == {"rollout controller"}


def test_a_red_gate_at_step_2_ends_with_rust_0_not_sticky_recorded_and_notified(
        deployment: Deployment, cli: Cli, deployed_controller: Any, notifications: Any) -> None:
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "5,10,25,50,100",
                                  "--bake", "1s", "--reason", "to be aborted"])
    assert code == 0, out + err
    time.sleep(1.1)
    traffic(deployment)
    assert deployed_controller()["action"] == "advance"
    assert weights(deployment.ours()) == {(90, 10)}
    traffic(deployment, rust_5xx=RUST_5XX)
    answer = deployed_controller()
    assert answer["action"] == "abort" and answer["problems"] == [], answer
    live = deployment.ours()
    assert weights(live) == {(100, 0)} and all(v.stickiness is None for v in live)
    head = deployment.store().require().state
    # every route red (abort_scope routes): each rollout route aborted, so the rollout is
    assert (head.phase, head.emergency, head.actor) == ("aborted", False, "rollout controller")
    assert set(head.aborted_routes) == {SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED}
    assert "gate 5xx" in head.reason or "gates 5xx" in head.reason
    cli.assert_in_sync()
    (abort,) = [m for m in notifications() if m["transition"] == "abort"]
    assert abort["to"].startswith("R 0 (") and abort["to"].endswith(
        "R 0, not sticky); aborted")
    assert f"({len(SPEC_WEIGHTED)} route(s) aborted: " in abort["to"]
    red = [g for g in abort["gates"] if g["status"] == "red"]  # each with its numbers
    assert red and {g["gate"] for g in red} == {"5xx"} and all(
        g["detail"].startswith("Rust ") and " vs Python 0/" in g["detail"] for g in red), abort


def test_a_hand_edit_is_repaired_and_recorded(deployment: Deployment, cli: Cli,
                                              deployed_controller: Any) -> None:
    code, out, err = cli.rollout(["start", "--env", "local", "--steps", "10,100",
                                  "--bake", "1h", "--reason", "hand edit"])
    assert code == 0, out + err
    rollout = Rollout.of(LOCAL, clients(deployment))
    key = next(r.key for r in ROUTES if r.action.weighted)
    (rule,) = [r for rules in rollout.router.live().values() for r in rules if r.key == key]
    action = json.loads(json.dumps(rule.action))
    for group in action["ForwardConfig"]["TargetGroups"]:
        group["Weight"] = 50
    deployment.client.modify_rule(RuleArn=rule.arn, Actions=[action])
    answer = deployed_controller()
    assert answer["action"] == "repair", answer
    assert weights(deployment.ours()) == {(90, 10)}
    assert cli.history()[-1]["why"].startswith("repaired 1 rule(s) that differed")


def test_an_advance_and_an_abort_started_together_end_aborted_on_every_rule(
        deployment: Deployment, cli: Cli) -> None:
    """The race of the issue, as two operators run it: both commands at once, three times."""
    for attempt in range(3):
        code, out, err = cli.rollout(["start", "--env", "local", "--steps", "10,50,100",
                                      "--bake", "1h", "--reason", f"race {attempt}"])
        assert code == 0, out + err
        outcomes: dict[str, Any] = {}
        now = int(time.time())
        acts = {"bob": lambda r, t=now: r.transition("advance", t, force=True, reason="race"),
                "pager": lambda r, t=now: r.abort(t, "race: Rust 5XX")}
        rollouts = {name: Rollout.of(LOCAL, clients(deployment), actor=name) for name in acts}
        threads = [threading.Thread(target=_act, args=(rollouts[name], name, act, outcomes))
                   for name, act in acts.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not isinstance(outcomes["pager"], Exception), outcomes
        head = deployment.store().require().state
        assert head.phase == "aborted", (attempt, outcomes)
        live = deployment.ours()
        assert weights(live) == {(100, 0)} and all(v.stickiness is None for v in live), (
            attempt, outcomes)
        cli.assert_in_sync()


def test_a_deleted_state_refuses_the_deploy_and_restore_brings_it_back(
        deployment: Deployment, cli: Cli) -> None:
    before = deployment.store().require()
    deployment.aws("dynamodb").delete_item(TableName=LOCAL.rollout_table_name(),
                                           Key=rs.head_key())
    with pytest.raises(Refused, match=r"history holds .* rollout restore"):
        deployment.deploy(["routing"])
    code, out, err = cli.rollout(["status", "--env", "local"])
    assert code == 2 and "no rollout state" in err, out + err
    code, out, err = cli.rollout(["restore", "--env", "local", "--reason", "deleted by hand"])
    assert code == 0, out + err
    assert deployment.store().require().state.routes == before.state.routes
    said = deployment.deploy(["routing"])
    assert any("keeping the persisted rollout state" in line for line in said), said
    cli.assert_in_sync()


def _act(rollout: Rollout, name: str, act: Any, outcomes: dict[str, Any]) -> None:
    """(boto3 clients are made before the threads start: making them is not thread-safe)"""
    try:
        outcomes[name] = act(rollout)
    except Exception as error:  # the refusals the library documents
        outcomes[name] = error
