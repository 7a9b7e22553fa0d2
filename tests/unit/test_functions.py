"""The two functions on the fakes, invoked as Lambda invokes them with the variables their
stacks set (``functions/deployed.py``): the controller drives a whole rollout on a clock and
aborts on a red gate; the abort function checks its own event before it acts."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from functions.rollout_abort import handler as abort_function
from functions.rollout_controller import handler as controller
from model.catalog.functions import FUNCTIONS
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.rollout.controls import rust_alarm_prefixes
from ops.adapters.store import RolloutStore
from tests.helpers.fakes import FakeAccount
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

LOCAL = ENVIRONMENTS["local"]
T0 = 1_800_000_000
TOPIC = "arn:aws:sns:us-west-2:123456789012:scorer-local-alarms"
WEIGHTED = sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED)
PREFIXES = rust_alarm_prefixes(LOCAL, ROUTES, FUNCTIONS)


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> FakeAccount:
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.setenv("TOPIC_ARN", TOPIC)
    monkeypatch.setenv("ALARM_PREFIXES", json.dumps(list(PREFIXES)))
    monkeypatch.setenv("AWS_REGION", LOCAL.region)
    found = FakeAccount()
    found.deploy(LOCAL, rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES))
    return found


def store(account: FakeAccount) -> RolloutStore:
    return RolloutStore(account.dynamodb, LOCAL.rollout_table_name())


def healthy(side: str, metric: str, stat: str) -> list[float]:
    """One minute of 20 000 requests a side (enough for every gate to be green), no 5XX,
    0.2 % 4XX, every request faster than the latency thresholds (PR 100); the Rust
    function as busy, without errors or throttles, far below its concurrency limit."""
    return {"RequestCount": [20_000.0], "HTTPCode_Target_5XX_Count": [0.0],
            "HTTPCode_Target_4XX_Count": [40.0], "TargetResponseTime": [100.0],
            "Invocations": [20_000.0], "Errors": [0.0], "Throttles": [],
            "ConcurrentExecutions": [10.0]}[metric]


def rust_5xx(side: str, metric: str, stat: str) -> list[float]:
    if side == "rust" and metric == "HTTPCode_Target_5XX_Count":
        return [2000.0]  # 10 %
    return healthy(side, metric, stat)


def alarm_event(name: str, state: str = "ALARM", region: str | None = None) -> dict:
    return {"detail-type": "CloudWatch Alarm State Change", "region": region or LOCAL.region,
            "detail": {"alarmName": name, "state": {"value": state, "reason": "threshold"}}}


def test_a_five_step_rollout_finishes_by_controller_runs_alone(account: FakeAccount) -> None:
    from ops.controller.rollout import Rollout

    Rollout.of(LOCAL, account, actor="alice").transition(
        "start", T0, steps="5,10,25,50,100", bake="10m")
    account.cloudwatch.series = healthy
    seen = []
    for minute in range(1, 80):
        answer = controller.handler({}, clients=account, now=T0 + 60 * minute)
        seen.append(answer["action"])
        if store(account).require().state.phase == "done":
            break
    head = store(account).require().state
    assert head.phase == "done" and set(head.routes.values()) == {100}
    assert seen.count("advance") == 5  # four steps and the finish
    from ops.adapters.alb import Router

    assert Router(account.elbv2, LOCAL).verify_weights(rs.applied_to(LOCAL, head)) == []
    assert json.loads(account.sns.published[-1]["Message"])["actor"] == "rollout controller"


def test_a_red_gate_at_step_two_ends_with_rust_at_zero_not_sticky_recorded_and_notified(
        account: FakeAccount) -> None:
    from ops.controller.rollout import Rollout

    Rollout.of(LOCAL, account, actor="alice").transition(
        "start", T0, steps="5,10,25,50,100", bake="10m")
    account.cloudwatch.series = healthy
    controller.handler({}, clients=account, now=T0 + 601)  # to step 2
    assert store(account).require().state.step == 1
    account.cloudwatch.series = rust_5xx
    answer = controller.handler({}, clients=account, now=T0 + 661)
    assert answer["action"] == "abort"
    head = store(account).require().state
    # every route red: each rollout route aborted (abort_scope routes), so the phase is
    assert (head.phase, head.emergency, set(head.routes.values())) == ("aborted", False, {0})
    assert set(head.aborted_routes) == set(WEIGHTED)
    for rules in account.elbv2.rules.values():
        for rule in rules:
            forward = rule["Actions"][0].get("ForwardConfig")
            if forward and len(forward["TargetGroups"]) > 1:
                assert forward["TargetGroupStickinessConfig"]["Enabled"] is False
                assert sorted(g["Weight"] for g in forward["TargetGroups"]) == [0, 100]
    note = json.loads(account.sns.published[-1]["Message"])
    assert note["transition"] == "abort" and "5xx" in note["why"] and "(10.000 %)" in (
        note["why"])
    red = [g for g in note["gates"] if g["status"] == "red"]
    assert {g["route"] for g in red} == set(WEIGHTED) and {g["gate"] for g in red} == {"5xx"}
    assert all(g["detail"].startswith("Rust 2000/20000 (10.000 %)") for g in red)  # per route


@pytest.mark.parametrize(("event", "why"), [
    ({"detail-type": "Scheduled Event", "detail": {}}, "not an alarm state change"),
    (alarm_event(PREFIXES[0] + "5xx", state="OK"), "is OK, not ALARM"),
    (alarm_event("scorer-production-l-rust-5xx"), "not one of this environment's Rust alarms"),
    (alarm_event(PREFIXES[0] + "5xx", region="eu-west-1"), "event of region eu-west-1"),
])
def test_the_abort_function_checks_its_own_event(account: FakeAccount, event: dict,
                                                 why: str) -> None:
    from ops.controller.rollout import Rollout

    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="25,100")
    writes = len(account.elbv2.calls)
    answer = abort_function.handler(event, clients=account, now=T0 + 5)
    assert answer["aborted"] is False and why in answer["why"]
    assert len(account.elbv2.calls) == writes
    assert store(account).require().state.phase == "rolling"


def test_the_abort_function_aborts_a_rollout_and_records_who(account: FakeAccount) -> None:
    from ops.controller.rollout import Rollout

    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="25,100")
    answer = abort_function.handler(alarm_event(PREFIXES[0] + "5xx"), clients=account,
                                    now=T0 + 5)
    assert answer["aborted"] is True
    head = store(account).require().state
    assert head.phase == "aborted" and head.actor == "rollout-abort function"
    assert PREFIXES[0] in head.reason
    # a load balancer's alarm is Rust-wide: every rollout route, not the emergency
    assert not head.emergency and set(head.aborted_routes) == set(WEIGHTED)


def test_after_the_final_bake_an_alarm_only_notifies(account: FakeAccount) -> None:
    from ops.controller.rollout import Rollout

    rollout = Rollout.of(LOCAL, account, actor="alice")
    rollout.transition("start", T0, steps="25,100")
    rollout.transition("promote", T0 + 10)
    late = T0 + 10 + LOCAL.controller.final_bake_s
    answer = abort_function.handler(alarm_event(PREFIXES[0] + "5xx"), clients=account,
                                    now=late)
    assert answer["aborted"] is False and "past its final bake" in answer["why"]
    assert store(account).require().state.phase == "done"
    assert json.loads(account.sns.published[-1]["Message"])["transition"] == "alarm"
    early = abort_function.handler(alarm_event(PREFIXES[0] + "5xx"), clients=account,
                                   now=late - 1 - LOCAL.controller.final_bake_s // 2)
    assert early["aborted"] is True


def test_the_abort_function_aborts_over_a_corrupt_state(account: FakeAccount) -> None:
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    table[("rust-rollout", 0)]["document"] = {"S": "not json"}
    answer = abort_function.handler(alarm_event(PREFIXES[0] + "5xx"), clients=account,
                                    now=T0)
    assert answer["aborted"] is True
    assert store(account).require().state.phase == "aborted"


def test_the_abort_function_aborts_when_the_store_cannot_be_read(account: FakeAccount) -> None:
    """A Rust alarm while DynamoDB throttles (or the table is gone): the listeners move to
    Python first, marked, and the controller records the abort later."""
    from ops.controller.rollout import AbortNotRecorded, Rollout

    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="25,100")

    def throttled(**_: object) -> None:
        raise RuntimeError("ProvisionedThroughputExceededException")

    get_item = account.dynamodb.get_item
    account.dynamodb.get_item = throttled  # type: ignore[method-assign]
    with pytest.raises(AbortNotRecorded):
        abort_function.handler(alarm_event(PREFIXES[0] + "5xx"), clients=account, now=T0 + 5)
    account.dynamodb.get_item = get_item  # type: ignore[method-assign]
    rules = [r for rules in account.elbv2.rules.values() for r in rules
             if any(t["Key"] == "RustAbort" for t in r["Tags"])]
    assert len(rules) == len(WEIGHTED)
    controller.handler({}, clients=account, now=T0 + 60)
    assert store(account).require().state.phase == "aborted"


def rust_group_alarm(route_key: str) -> str:
    """A 5XX alarm of one weighted route's own Rust target group."""
    from model.routing.view import target_group_names

    names = target_group_names(LOCAL)
    (split,) = [r.action.split() for r in ROUTES if r.key == route_key]
    return LOCAL.alarm_name(names[split[1]], "target-5xx-ratio-burst")


def test_a_target_group_alarm_aborts_only_the_rollout_route_it_serves(
        account: FakeAccount) -> None:
    """abort_scope routes: the alarm of a route's own Rust target group aborts that route
    (R 0, not sticky, marks cleared); the other rollout routes keep rolling at their R,
    sticky; a route outside the rollout stays where it was."""
    from ops.controller.rollout import Rollout

    public = sorted(r.key for r in ROUTES if r.action.weighted and not r.listener.internal)
    internal = sorted(r.key for r in ROUTES if r.action.weighted and r.listener.internal)
    chosen = ",".join([*public, *internal[1:]])  # internal[0] outside the rollout
    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="25,100",
                                                         routes=chosen)
    hit, *others = [*public, *internal[1:]]
    answer = abort_function.handler(alarm_event(rust_group_alarm(hit)), clients=account,
                                    now=T0 + 5)
    assert answer["aborted"] is True and answer["routes"] == [hit]
    head = store(account).require().state
    assert (head.phase, head.emergency, head.aborted_routes) == ("rolling", False, (hit,))
    assert sorted(head.rollout_routes) == sorted(others)
    live = account.rust_weights(LOCAL)
    assert live[hit] == (0, False)
    assert {live[k] for k in others} == {(25, True)}
    assert live[internal[0]] == (0, True)  # never in the rollout: untouched
    assert account.marked() == []
    again = abort_function.handler(alarm_event(rust_group_alarm(hit)), clients=account,
                                   now=T0 + 65)  # its route is out of the rollout now
    assert again["aborted"] is False and "concerns no route of the rollout" in again["why"]
    outside = abort_function.handler(alarm_event(rust_group_alarm(internal[0])),
                                     clients=account, now=T0 + 70)
    assert outside["aborted"] is False and live[internal[0]] == (0, True)


def test_under_abort_scope_all_a_target_group_alarm_aborts_every_rollout_route(
        account: FakeAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    """abort_scope all: the same alarm aborts every route of the rollout; a route promoted by
    an earlier rollout stays at 100, sticky."""
    import environments
    from ops.controller.rollout import Rollout

    everything = replace(LOCAL, controller=replace(LOCAL.controller, abort_scope="all"))
    monkeypatch.setitem(environments.ENVIRONMENTS, "local", everything)
    promoted, *rest = WEIGHTED
    rollout = Rollout.of(everything, account, actor="alice")
    rollout.transition("start", T0, steps="100", routes=promoted)
    rollout.transition("promote", T0 + 1)
    rollout.transition("start", T0 + 10_000, steps="25,100", routes=",".join(rest))
    answer = abort_function.handler(alarm_event(rust_group_alarm(rest[0])), clients=account,
                                    now=T0 + 10_005)
    assert answer["aborted"] is True
    head = store(account).require().state
    assert (head.phase, head.emergency, set(head.aborted_routes)) == ("aborted", False,
                                                                      set(rest))
    live = account.rust_weights(LOCAL)
    assert live[promoted] == (100, True) and {live[k] for k in rest} == {(0, False)}
