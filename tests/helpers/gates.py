"""Per-minute gate samples for the gate, rollout-state and controller tests."""

from __future__ import annotations

from model.catalog.alarm_policy import LAMBDA_ERRORS, RESPONSE_TIME, TARGET_4XX, TARGET_5XX
from model.catalog.gates import CONCURRENCY, INVOCATIONS, REQUEST_COUNT, THROTTLES
from model.rollout.gates import Minute, Series

T0 = 1_800_000_000 - 1_800_000_000 % 60  # a minute's start


def minute(requests: float, errors_5xx: float = 0, errors_4xx: float = 0,
           slow: float = 0, slow_target: float | None = None) -> Minute:
    """One side's minute on a route: ``slow`` requests slower than the relative latency
    threshold, ``slow_target`` slower than the p99 target (default: as many), as CloudWatch
    gives them: the percentile rank PR(:t) of the requests at or below t."""
    from model.catalog.gates import SLOW_S, TARGET_P99_S

    at_target = slow if slow_target is None else slow_target
    found: dict[Series, float] = {REQUEST_COUNT: requests, Series(TARGET_5XX): errors_5xx,
                                  Series(TARGET_4XX): errors_4xx}
    if requests:
        found[Series(RESPONSE_TIME, stat=f"PR(:{SLOW_S:g})")] = 100 * (1 - slow / requests)
        found[Series(RESPONSE_TIME, stat=f"PR(:{TARGET_P99_S:g})")] = (
            100 * (1 - at_target / requests))
    return found


def function_minute(invocations: float, errors: float = 0, throttles: float | None = None,
                    concurrency: float | None = None) -> Minute:
    found: dict[Series, float] = {INVOCATIONS: invocations, Series(LAMBDA_ERRORS): errors}
    if throttles is not None:
        found[THROTTLES] = throttles
    if concurrency is not None:
        found[CONCURRENCY] = concurrency
    return found


def stream(each: Minute, count: int, start: int = T0) -> dict[int, Minute]:
    """``each`` in every one of ``count`` minutes from ``start``."""
    return {start + 60 * n: each for n in range(count)}


def window(count: int, start: int = T0) -> list[int]:
    return [start + 60 * n for n in range(count)]
