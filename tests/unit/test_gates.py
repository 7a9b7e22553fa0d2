"""The gates as data (``model/catalog/gates.py``) judged by the one engine
(``model.rollout.gates.route_verdicts``) over per-minute evidence. Expected statuses are
worked out by hand from the declarations: the thresholds from ``stats.threshold``'s epoch
rule, the samples well above or below what a one-point regression needs."""

from __future__ import annotations

import re

import pytest

from model.catalog.alarm_policy import RESPONSE_TIME
from model.catalog.gates import GATES, REQUEST_COUNT
from model.rollout import stats
from model.rollout.gates import FUNCTION, Budget, Gate, Series, alarm_verdict, reads, route_verdicts
from tests.helpers.gates import T0, function_minute, minute, stream, window

ROUTE_GATES = tuple(g for g in GATES if g.scope == "route")
FUNCTION_GATES = tuple(g for g in GATES if g.scope == "function")
BUDGET = Budget(alpha=1e-4, horizon=240, power=0.8, limits={"concurrency": 1000.0})
MINUTES = 30
# 20 000 requests a minute a side: 0.1 % 5XX, 2 % 4XX, 0.5 % slower than 1 s, 0.3 % than 0.5 s
PYTHON = minute(20_000, 20, 400, 100, 60)


def judged(rust: dict, python: dict | None = None, count: int = MINUTES) -> dict[str, str]:
    verdicts = route_verdicts("r", window(count), stream(python or PYTHON, count),
                              stream(rust, count), ROUTE_GATES, BUDGET)
    return {v.gate: v.status for v in verdicts}


def test_rust_like_python_with_ample_sample_is_green_on_every_route_gate() -> None:
    assert judged(PYTHON) == dict.fromkeys((g.name for g in ROUTE_GATES), "green")


@pytest.mark.parametrize(("rust", "red"), [
    (minute(20_000, 220, 400, 100, 60), "5xx"),  # +1 point of 5XX
    (minute(20_000, 20, 600, 100, 60), "4xx"),  # +1 point of 4XX
    (minute(20_000, 20, 400, 300, 60), "latency"),  # +1 point slower than 1 s
    (minute(20_000, 20, 400, 100, 600), "p99"),  # 3 % slower than 0.5 s: p99 above 500 ms
])
def test_each_gate_judges_its_own_metric(rust: dict, red: str) -> None:
    assert [g for g, status in judged(rust).items() if status == "red"] == [red]


def test_a_verdict_names_its_numbers() -> None:
    (errors,) = [v for v in route_verdicts("r", window(1), stream(PYTHON, 1),
                                           stream(minute(20_000, 220, 400, 100, 60), 1),
                                           ROUTE_GATES, BUDGET) if v.gate == "5xx"]
    assert errors.status == "red"
    assert errors.detail.startswith(
        "Rust 220/20000 (1.100 %) vs Python 20/20000 (0.100 %): e ")
    e, bar = map(float, re.search(r"e (\S+) >= (\S+) ", errors.detail).groups())
    assert e >= bar == stats.threshold(BUDGET.alpha, BUDGET.horizon, 1)
    assert "(alpha 0.0001, 1 of 240 min)" in errors.detail


def test_few_requests_are_inconclusive_and_say_what_sample_is_needed() -> None:
    few = route_verdicts("r", window(3), stream(minute(100), 3), stream(minute(100), 3),
                         ROUTE_GATES, BUDGET)
    assert {v.status for v in few} == {"inconclusive"}
    assert all(re.search(r"sample Rust 300 < \d+ for \+\d+ pp at 80 % power", v.detail)
               for v in few), [v.detail for v in few]


def test_without_python_traffic_a_comparison_is_inconclusive_the_targets_still_judge() -> None:
    found = judged(minute(20_000, 20, 400, 100, 60), python=minute(0))
    assert {g: s for g, s in found.items()} == {
        **{g.name: "inconclusive" for g in ROUTE_GATES if g.test == "relative"},
        **{g.name: "green" for g in ROUTE_GATES if g.test == "absolute"}}


def test_the_function_gates_judge_the_rust_function() -> None:
    def statuses(each: dict) -> dict[str, str]:
        return {v.gate: v.status for v in route_verdicts(
            FUNCTION, window(MINUTES), {}, stream(each, MINUTES), FUNCTION_GATES, BUDGET)}

    names = [g.name for g in FUNCTION_GATES]
    assert statuses(function_minute(20_000, 20)) == dict.fromkeys(names, "green")
    red = statuses(function_minute(20_000, 1000, throttles=3, concurrency=801))
    assert red == dict.fromkeys(names, "red")  # 5 % errors; a throttle; 801 > 0.8 x 1000
    assert statuses(function_minute(20_000, 20, throttles=0, concurrency=800))[
        "concurrency"] == "green"  # at 80 % of the limit, not above it


def test_the_false_abort_budget_is_split_over_every_test_of_a_rollout() -> None:
    steps, routes = 5, 11
    per_route = sum(1 for g in GATES if g.scope == "route" and g.test != "ceiling")
    per_function = sum(1 for g in GATES if g.scope == "function" and g.test != "ceiling")
    alpha = Budget.split(0.01, steps + 1, routes, GATES)
    assert alpha * (steps + 1) * (routes * per_route + per_function) == pytest.approx(0.01)


def test_a_new_gate_is_read_and_judged_without_new_code() -> None:
    """A gate declared here, not in the catalog: the engine reads its series and judges it."""
    slow = Gate("p50", "absolute", Series(RESPONSE_TIME, stat="PR(:0.1)"), REQUEST_COUNT,
                p0=0.4, smallest=0.05)
    assert reads((slow,)) == (slow.events, REQUEST_COUNT)
    rust = {REQUEST_COUNT: 20_000.0, slow.events: 30.0}  # 70 % slower than 100 ms
    (verdict,) = route_verdicts("r", window(5), {}, stream(rust, 5), (slow,), BUDGET)
    assert verdict.status == "red" and "target 40 %" in verdict.detail
    assert alarm_verdict(["a-alarm"]).status == "red"


def test_at_r_100_the_relative_gates_stand_aside() -> None:
    from model.rollout.gates import gates_at

    assert gates_at(ROUTE_GATES, 50) == ROUTE_GATES
    assert {g.test for g in gates_at(ROUTE_GATES, 100)} == {"absolute"}


def test_minutes_without_data_fold_at_once_as_one_look_each() -> None:
    """A run of minutes without datapoints is taken at once: the same evidence as a look per
    minute, so a step watched for weeks (a paused rollout) costs the minutes with data."""
    from model.rollout.gates import fold

    gate = next(g for g in GATES if g.name == "5xx")
    python, rust = {T0 + 120: minute(1000, 1)}, {T0 + 120: minute(1000, 30)}
    few = window(5)
    by_look = gate.start()
    for at in few:
        by_look = gate.add(by_look, python.get(at, {}), rust.get(at, {}))
    assert fold(gate, few, python, rust) == by_look
    assert fold(gate, range(T0, T0 + 300, 60), python, rust) == by_look
    weeks = fold(gate, range(T0, T0 + 60 * 40_000, 60), python, rust)
    assert weeks.process.minutes == 40_000 and weeks.n_r == 1000
