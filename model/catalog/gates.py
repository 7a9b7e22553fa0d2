"""THE rollout gates (docs/rollout.md, generated from here): what each compares between Rust
and Python on a weighted route over the current step, declared once. Adding a gate is one
declaration here (its metric from the alarm policy) and its test."""

from __future__ import annotations

from model.catalog.alarm_policy import REQUESTS, RESPONSE_TIME, TARGET_4XX, TARGET_5XX
from model.rollout.gates import Gate, Series

REQUEST_COUNT = Series(REQUESTS)  # the sample size of a side
MIN_REQUESTS = 100  # on each side, before any gate may pass

GATES: tuple[Gate, ...] = (
    Gate("5xx", Series(TARGET_5XX), denominator=REQUEST_COUNT, margin=0.5, unit="pp"),
    Gate("4xx", Series(TARGET_4XX), denominator=REQUEST_COUNT, margin=1.0, unit="pp"),
    Gate("p99", Series(RESPONSE_TIME, stat="p99", combine="max"), factor=1.25, unit="s"),
)
