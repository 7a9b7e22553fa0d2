"""The gates as data (``model/catalog/gates.py``) judged by the one engine
(``model.rollout.gates.route_verdicts``); expected values are worked out by hand from the
declared thresholds (5XX and 4XX: Python's ratio + 0.5 and + 1 points; p99: 1.25 x)."""

from __future__ import annotations

import pytest

from model.catalog.alarm_policy import RESPONSE_TIME, TARGET_4XX
from model.catalog.gates import GATES, MIN_REQUESTS, REQUEST_COUNT
from model.rollout.gates import Gate, Sample, Series, alarm_verdict, reads, route_verdicts
from tests.helpers.gates import sample

BY_NAME = {g.name: g for g in GATES}


def judged(python: Sample, rust: Sample) -> dict[str, str]:
    return {v.gate: v.status for v in route_verdicts("r", python, rust, GATES, REQUEST_COUNT,
                                                     MIN_REQUESTS)}


PYTHON = sample(1000, 10, 20, 0.400)  # 1 % 5XX, 2 % 4XX, p99 400 ms


def test_rust_within_every_bound_is_green_and_just_past_it_red() -> None:
    assert judged(PYTHON, sample(1000, 14, 29, 0.500)) == {  # 1.4 <= 1.5, 2.9 <= 3, 0.5 <= 0.5
        "5xx": "green", "4xx": "green", "p99": "green"}
    assert judged(PYTHON, sample(1000, 16, 31, 0.501)) == {  # 1.6 > 1.5, 3.1 > 3, 0.501 > 0.5
        "5xx": "red", "4xx": "red", "p99": "red"}


@pytest.mark.parametrize(("rust", "red"), [
    (sample(1000, 16, 20, 0.4), "5xx"), (sample(1000, 10, 31, 0.4), "4xx"),
    (sample(1000, 10, 20, 0.6), "p99")])
def test_each_gate_judges_its_own_metric(rust: Sample, red: str) -> None:
    assert [g for g, status in judged(PYTHON, rust).items() if status == "red"] == [red]


def test_the_4xx_gate_is_one_declaration() -> None:
    gate = BY_NAME["4xx"]
    assert (gate.numerator.metric, gate.denominator, gate.margin) == (
        TARGET_4XX, REQUEST_COUNT, 1.0)
    assert gate.rule() == "Rust's HTTPCode_Target_4XX_Count / RequestCount <= Python's + 1 pp"


def test_a_verdict_names_its_numbers() -> None:
    (errors,) = [v for v in route_verdicts("r", PYTHON, sample(1000, 16, 0, 0.4), GATES,
                                           REQUEST_COUNT, MIN_REQUESTS) if v.gate == "5xx"]
    assert errors.detail == ("Rust 1.600 % > 1.500 % (Rust's HTTPCode_Target_5XX_Count / "
                             "RequestCount <= Python's + 0.5 pp; Python 1.000 %)")


def test_few_requests_or_a_missing_value_are_inconclusive() -> None:
    few = judged(PYTHON, sample(MIN_REQUESTS - 1, 0, 0, 0.1))
    assert set(few.values()) == {"inconclusive"}
    assert judged(PYTHON, sample(1000, 0, 0, None))["p99"] == "inconclusive"
    assert alarm_verdict(["a-alarm"]).status == "red"


def test_a_new_gate_is_read_and_judged_without_new_code() -> None:
    """A gate declared here, not in the catalog: the engine reads its series and judges it."""
    slow = Gate("p50", Series(RESPONSE_TIME, stat="p50", combine="max"), factor=1.1, unit="s")
    assert reads((slow,), REQUEST_COUNT) == (REQUEST_COUNT, slow.numerator)
    python = {REQUEST_COUNT: 500.0, slow.numerator: 0.100}
    (verdict,) = route_verdicts("r", python, {REQUEST_COUNT: 500.0, slow.numerator: 0.111},
                                (slow,), REQUEST_COUNT, MIN_REQUESTS)
    assert verdict.status == "red"  # 0.111 > 1.1 x 0.100
