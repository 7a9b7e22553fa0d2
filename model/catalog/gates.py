"""THE rollout gates (docs/rollout.md, generated from here): what each tests, per weighted
route (Rust against Python, or Rust against the service targets) or for the Rust function as
a whole, declared once, with the false-abort budget they share. Adding a gate is one
declaration here and its test."""

from __future__ import annotations

from model.catalog.alarm_policy import (
    LAMBDA_ERRORS,
    REQUESTS,
    RESPONSE_TIME,
    TARGET_4XX,
    TARGET_5XX,
)
from model.monitoring.alarm_model import Metric
from model.rollout.gates import Gate, Series

REQUEST_COUNT = Series(REQUESTS)  # the trials of a route side
INVOCATIONS = Series(Metric("AWS/Lambda", "Invocations", "Sum"))
THROTTLES = Series(Metric("AWS/Lambda", "Throttles", "Sum"))
CONCURRENCY = Series(Metric("AWS/Lambda", "ConcurrentExecutions", "Maximum"), stat="Maximum")

FALSE_ABORTS_PER_ROLLOUT = 0.01  # the probability that a healthy Rust is aborted, at most
POWER = 0.8  # a gate is green once its smallest regression would have been caught this often
SLOW_S = 1.0  # the relative latency gate: share of requests slower than this, per side
TARGET_P99_S = 0.5  # the Rust service's target: p99 under 500 ms


GATES: tuple[Gate, ...] = (
    Gate("5xx", "relative", Series(TARGET_5XX), REQUEST_COUNT, smallest=0.01),
    # 4XX are mostly the clients' (a baseline of a few %): two points is the regression
    Gate("4xx", "relative", Series(TARGET_4XX), REQUEST_COUNT, smallest=0.02),
    Gate("latency", "relative", Series(RESPONSE_TIME, stat=f"PR(:{SLOW_S:g})"), REQUEST_COUNT,
         smallest=0.01),
    Gate("p99", "absolute", Series(RESPONSE_TIME, stat=f"PR(:{TARGET_P99_S:g})"),
         REQUEST_COUNT, p0=0.01, smallest=0.01),
    Gate("fn-errors", "absolute", Series(LAMBDA_ERRORS), INVOCATIONS, p0=0.005, smallest=0.01,
         scope="function"),
    Gate("throttles", "ceiling", THROTTLES, limit=0, scope="function"),
    Gate("concurrency", "ceiling", CONCURRENCY, limit=0.8, of_limit="concurrency",
         scope="function"),
)
