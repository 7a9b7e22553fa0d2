"""The gates' reads (``ops/controller/gates.py`` through ``ops/adapters/metrics.py``) on the
fakes: per-minute datapoints with their timestamps, aligned by minute between the sides, the
latency as CloudWatch's percentile rank, the Rust function's Lambda metrics by its name, the
environment's concurrency limit, every page of an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from environments import ENVIRONMENTS
from model.catalog.functions import RUST_SCORER
from model.catalog.gates import GATES
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.rollout.gates import FUNCTION
from ops.adapters.alb import Router
from ops.adapters.metrics import Metrics
from ops.controller.gates import gate_verdicts
from tests.helpers.fakes import FakeAccount
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

LOCAL = replace(ENVIRONMENTS["local"], canary_routes=())
T0 = 1_800_000_000 - 1_800_000_000 % 60
WEIGHTED = sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED)
ROUTE_GATES = [g.name for g in GATES if g.scope == "route"]
FUNCTION_GATES = [g.name for g in GATES if g.scope == "function"]


def rolling(r: int = 5) -> rs.RolloutState:
    state = rs.start(rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES),
                     (5, 10, 100), 3600, (), T0, "alice", "start")
    return replace(state, routes=dict.fromkeys(state.routes, r))


def verdicts(account: FakeAccount, state: rs.RolloutState, now: int,
             config: Any = LOCAL) -> dict[tuple[str, str], Any]:
    account.deploy(LOCAL, state)
    found = gate_verdicts(Router(account.elbv2, LOCAL), Metrics(account.cloudwatch), config,
                          state, now)
    return {(v.route, v.gate): v for v in found}


def steady(side: str, metric: str, stat: str) -> list[Any]:
    """Ten minutes of 20 000 requests a side and minute, nothing wrong; the function alike."""
    each = {"RequestCount": 20_000.0, "TargetResponseTime": 100.0, "Invocations": 20_000.0,
            "ConcurrentExecutions": 10.0}.get(metric, 0.0)
    return [(T0 + 60 * m, each) for m in range(10)]


def test_every_gate_of_every_route_and_of_the_function_is_judged_per_minute() -> None:
    account = FakeAccount()
    asked: list[dict[str, Any]] = []
    answer = account.cloudwatch.get_metric_data

    def recording(**kwargs: Any) -> dict[str, Any]:
        asked.extend(kwargs["MetricDataQueries"])
        return answer(**kwargs)

    account.cloudwatch.series = steady
    account.cloudwatch.get_metric_data = recording  # type: ignore[method-assign]
    found = verdicts(account, rolling(), T0 + 600)
    assert {(k, g) for k, g in found if k != "(all)"} == (
        {(k, g) for k in WEIGHTED for g in ROUTE_GATES} | {(FUNCTION, g) for g in FUNCTION_GATES})
    assert {v.status for v in found.values()} == {"green"}, [
        v.line() for v in found.values() if v.status != "green"]
    assert {q["MetricStat"]["Period"] for q in asked} == {60}
    assert {q["MetricStat"]["Stat"] for q in asked if
            q["MetricStat"]["Metric"]["MetricName"] == "TargetResponseTime"} == {
        g.events.stat for g in GATES if g.events.percent_rank is not None}
    lambdas = [q for q in asked if q["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"]
    assert lambdas and all(q["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": LOCAL.function_name(RUST_SCORER.name)}]
        for q in lambdas)


def test_the_sides_are_aligned_by_minute_so_a_late_regression_is_judged_on_its_minutes() -> None:
    """Rust's 5XX in the last two minutes only (10 % of them), its other minutes clean: the
    5XX gate is red on the counts of the whole window, every route."""
    def late(side: str, metric: str, stat: str) -> list[Any]:
        if side == "rust" and metric == "HTTPCode_Target_5XX_Count":
            return [(T0 + 60 * m, 2000.0) for m in (8, 9)]
        return steady(side, metric, stat)

    account = FakeAccount()
    account.cloudwatch.series = late
    found = verdicts(account, rolling(), T0 + 600)
    for key in WEIGHTED:
        assert found[(key, "5xx")].status == "red"
        assert found[(key, "5xx")].detail.startswith(
            "Rust 4000/200000 (2.000 %) vs Python 0/200000 (0.000 %)")


def test_at_r_100_only_the_gates_against_targets_judge_a_route() -> None:
    account = FakeAccount()
    account.cloudwatch.series = steady
    found = verdicts(account, rolling(100), T0 + 600)
    assert {g for k, g in found if k == WEIGHTED[0]} == {
        g.name for g in GATES if g.scope == "route" and g.test != "relative"}


def test_the_concurrency_gate_reads_the_environments_limit() -> None:
    def busy(side: str, metric: str, stat: str) -> list[Any]:
        if metric == "ConcurrentExecutions":
            return [(T0, 90.0)]
        return steady(side, metric, stat)

    account = FakeAccount()
    account.cloudwatch.series = busy
    assert verdicts(account, rolling(), T0 + 600)[(FUNCTION, "concurrency")].status == "green"
    small = replace(LOCAL, rust_concurrency_limit=100)  # 90 > 80 % of 100
    red = verdicts(account, rolling(), T0 + 600, small)[(FUNCTION, "concurrency")]
    assert red.status == "red" and red.detail == (
        "highest ConcurrentExecutions Maximum 90 > 80")
    assert replace(LOCAL, rust_concurrency_limit=0).problems() == [
        "rust_concurrency_limit 0 must be an integer of at least 1"]


def test_every_page_of_an_answer_is_read() -> None:
    class Paged:
        def __init__(self) -> None:
            self.tokens: list[str | None] = []

        def get_metric_data(self, MetricDataQueries: list[dict[str, Any]], StartTime: int,
                            EndTime: int, NextToken: str | None = None) -> dict[str, Any]:
            self.tokens.append(NextToken)
            at = datetime.fromtimestamp(T0 + (60 if NextToken else 0), UTC)
            return {"MetricDataResults": [{"Id": "a", "Values": [1.0 if NextToken else 2.0],
                                           "Timestamps": [at]}],
                    **({} if NextToken else {"NextToken": "more"})}

    cloudwatch = Paged()
    found = Metrics(cloudwatch).datapoints([{"Id": "a"}], T0, T0 + 120)  # type: ignore[arg-type]
    assert found == {"a": {T0: 2.0, T0 + 60: 1.0}} and cloudwatch.tokens == [None, "more"]
