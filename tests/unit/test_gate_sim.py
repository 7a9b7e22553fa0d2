"""The gate benchmark (``bench/gate_sim.py``) drives the real engine and ``decide``: a
healthy rollout at 20 and 200 req/s goes through every step; a +1 point 5XX regression at
200 req/s is aborted within the first step, naming its route; the fixed margins it compares
with still abort on one 5XX in 100 Rust requests."""

from __future__ import annotations

from bench import gate_sim
from model.catalog.gates import SLOW_S


def test_a_healthy_rollout_goes_through_every_step() -> None:
    run = gate_sim.simulate(gate_sim.Scenario("A/A"), 1, False, gate_sim.RATES[1:])
    assert (run.outcome, run.r) == ("done", 100)


def test_a_regression_at_200_per_second_is_aborted_in_the_first_step_naming_its_route() -> None:
    scenario = gate_sim.Scenario("5xx", 200, rust_5xx=gate_sim.P_5XX + 0.01)
    run = gate_sim.simulate(scenario, 1, False)
    assert run.outcome == "aborted" and run.r == gate_sim.STEPS[0]
    assert run.minutes < gate_sim.BAKE_S // 60


def test_the_fixed_margins_abort_on_one_5xx_in_100_rust_requests() -> None:
    python, rust = gate_sim.Side(n=1000, groups={1.0: 1000}), gate_sim.Side(
        n=100, x5=1, groups={1.0: 100})
    statuses = {v.gate: v.status for v in gate_sim.Legacy.verdicts("r", python, rust)}
    assert statuses["5xx"] == "red"  # 1 % > 0 % + 0.5 points
    assert gate_sim.slower(SLOW_S, 1.0) < gate_sim.slower(SLOW_S, gate_sim.LATENCY_REGRESSION)
