"""Gate samples for the gate and rollout-state tests."""

from __future__ import annotations

from model.catalog.alarm_policy import REQUESTS, RESPONSE_TIME, TARGET_4XX, TARGET_5XX
from model.rollout.gates import Sample, Series


def sample(requests: float, errors_5xx: float, errors_4xx: float,
           p99_s: float | None) -> Sample:
    """One side's values over a window, keyed by the series the gates read."""
    return {Series(REQUESTS): requests, Series(TARGET_5XX): errors_5xx,
            Series(TARGET_4XX): errors_4xx,
            Series(RESPONSE_TIME, stat="p99", combine="max"): p99_s}
