"""The anytime-valid sequential tests (``model.rollout.stats``): valid under H0 by seeded
simulation (looked at every minute), powerful where the minimum sample says so, not diluted
by the good minutes before a regression, and every bad input refused by name."""

from __future__ import annotations

import math
import random

import pytest

from model.rollout import stats

ALPHA, HORIZON = 0.05, 60


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def crossed_two_sample(rng: random.Random, n_p: int, p_p: float, n_r: int, p_r: float,
                       minutes: int = HORIZON) -> int | None:
    """The first minute the two-sample e-process reaches its threshold (None: never)."""
    process = stats.Process()
    for m in range(1, minutes + 1):
        process = process.step(stats.two_sample_log_ratios(
            n_p, poisson(rng, n_p * p_p), n_r, poisson(rng, n_r * p_r)))
        if process.value >= stats.threshold(ALPHA, HORIZON, m):
            return m
    return None


def test_the_threshold_follows_the_epochs() -> None:
    assert stats.threshold(ALPHA, HORIZON, HORIZON) == 2 * HORIZON / ALPHA  # epoch 0: alpha/2
    assert stats.threshold(ALPHA, HORIZON, HORIZON + 1) == 2 * HORIZON * 4 / ALPHA


@pytest.mark.parametrize(("n_p", "n_r", "p"), [(600, 600, 0.01), (11_400, 600, 0.002),
                                               (60, 60, 0.05)])
def test_under_h0_the_two_sample_test_rarely_crosses_though_looked_at_every_minute(
        n_p: int, n_r: int, p: float) -> None:
    rng, runs = random.Random(17), 400
    false = sum(crossed_two_sample(rng, n_p, p, n_r, p) is not None for _ in range(runs))
    # at most alpha, with three binomial standard deviations of simulation slack
    assert false / runs <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / runs)


def test_under_h0_the_one_sample_test_rarely_crosses() -> None:
    rng, runs, p0, n = random.Random(5), 400, 0.01, 500
    false = 0
    for _ in range(runs):
        process = stats.Process()
        for m in range(1, HORIZON + 1):
            process = process.step(stats.one_sample_log_ratios(n, poisson(rng, n * p0), p0))
            if process.value >= stats.threshold(ALPHA, HORIZON, m):
                false += 1
                break
    assert false / runs <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / runs)


def test_with_the_minimum_sample_a_regression_of_the_smallest_size_is_caught() -> None:
    """600 Python and 600 Rust requests a minute, Python 0.5 %: the minimum says how many
    minutes a +1 point regression needs; at that many minutes it is caught at least about
    as often as the declared power (normal approximation: a margin of 10 points)."""
    rng, runs, power = random.Random(3), 300, 0.8
    needed = stats.minimum_two_sample(0.005, 0.01, 0.5, ALPHA, HORIZON, HORIZON, power)
    minutes = math.ceil(needed / 600)
    assert 1 < minutes < HORIZON
    caught = sum(crossed_two_sample(rng, 600, 0.005, 600, 0.015, minutes) is not None
                 for _ in range(runs))
    assert caught / runs >= power - 0.1


def test_a_late_regression_is_not_diluted_by_the_good_minutes_before_it() -> None:
    """Expected counts, no noise: a +2 point regression found as fast after 200 good
    minutes as from the start (Shiryaev-Roberts), where a product from the start is held
    back by them."""
    good = stats.two_sample_log_ratios(600, 3, 600, 3)
    bad = stats.two_sample_log_ratios(600, 3, 600, 15)

    def delay(before: int) -> int:
        process = stats.Process()
        for _ in range(before):
            process = process.step(good)
        for m in range(1, 200):
            process = process.step(bad)
            if process.value >= stats.threshold(ALPHA, 400, before + m):
                return m
        raise AssertionError("never crossed")

    def product_delay(before: int) -> int:
        """The mixture of plain products from the step's start (what dilution looks like)."""
        for m in range(1, 200):
            logs = [before * g + m * b for g, b in zip(good, bad, strict=True)]
            top = max(logs)
            mixed = top + math.log(sum(math.exp(lg - top) for lg in logs) / len(logs))
            if mixed >= math.log(stats.threshold(ALPHA, 400, before + m)):
                return m
        return 200

    assert delay(200) <= delay(0) + 1
    assert product_delay(200) > delay(200) + 5


@pytest.mark.parametrize(("call", "culprit"), [
    (lambda: stats.two_sample_log_ratios(-1, 0, 10, 0), "Python requests is -1"),
    (lambda: stats.two_sample_log_ratios(10, 11, 10, 0), "events exceed requests"),
    (lambda: stats.one_sample_log_ratios(10, 1, 0.9), "p0 is 0.9; it must be within"),
    (lambda: stats.threshold(0, 60, 1), "alpha is 0; it must be within"),
    (lambda: stats.threshold(0.01, 0, 1), "horizon is 0; it must be at least 1"),
    (lambda: stats.minimum_two_sample(0.01, 0.01, 1.5, 0.01, 60, 1, 0.8),
     "Rust's share of requests is 1.5"),
    (lambda: stats.minimum_one_sample(0.01, 0.01, 0.01, 60, 1, 0.3), "power is 0.3"),
])
def test_bad_inputs_are_refused_naming_the_culprit_and_the_limit(call: object,
                                                                 culprit: str) -> None:
    with pytest.raises(stats.StatsError, match=culprit.replace("(", r"\(")):
        call()  # type: ignore[operator]
