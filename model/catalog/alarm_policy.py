"""THE alarm policy (docs/monitoring.md), declared once: what is watched, thresholds, overrides.

Every target group (Lambda, Python and Rust, and container service) gets the six
``TARGET_ALARMS`` with the dimensions of the load balancer it serves; every load balancer
the two ``LOAD_BALANCER_ALARMS``; every function ``FUNCTION_ALARMS``. All alarm and OK
actions go to the environment's one SNS topic.
"""

from __future__ import annotations

from model.monitoring.alarm_model import AlarmKind, Evaluation, Metric

_ELB = "AWS/ApplicationELB"
REQUESTS = Metric(_ELB, "RequestCount", "Sum")
TARGET_5XX = Metric(_ELB, "HTTPCode_Target_5XX_Count", "Sum")
TARGET_4XX = Metric(_ELB, "HTTPCode_Target_4XX_Count", "Sum")
ELB_5XX = Metric(_ELB, "HTTPCode_ELB_5XX_Count", "Sum")
RESPONSE_TIME = Metric(_ELB, "TargetResponseTime", "Average")  # seconds
LAMBDA_ERRORS = Metric("AWS/Lambda", "Errors", "Sum")  # a count

# Ratio alarms treat missing data as missing; response-time alarms as not breaching (a
# target group without traffic has no response time and is not slow).
TARGET_ALARMS: tuple[AlarmKind, ...] = (
    AlarmKind("target-5xx-ratio-burst", TARGET_5XX, Evaluation(0.2, 3, 5, 60), "missing",
              denominator=REQUESTS),
    AlarmKind("target-5xx-ratio-sustain", TARGET_5XX, Evaluation(0.01, 3, 4, 600), "missing",
              denominator=REQUESTS),
    AlarmKind("target-4xx-ratio-burst", TARGET_4XX, Evaluation(0.85, 4, 5, 60), "missing",
              denominator=REQUESTS),
    AlarmKind("target-4xx-ratio-sustain", TARGET_4XX, Evaluation(0.5, 3, 4, 600), "missing",
              denominator=REQUESTS),
    AlarmKind("response-time-burst", RESPONSE_TIME, Evaluation(20, 3, 5, 60), "notBreaching"),
    AlarmKind("response-time-sustain", RESPONSE_TIME, Evaluation(2, 30, 40, 60), "notBreaching"),
)

# Per function (base name), the alarm kinds whose evaluation differs from the default,
# for every target group of that function. Slow endpoints by design:
RESPONSE_TIME_OVERRIDES: dict[str, dict[str, Evaluation]] = {
    # scores a whole passport against the model service; tens of seconds are normal
    "passport-analysis-GET-0": {"response-time-burst": Evaluation(50, 8, 10),
                                "response-time-sustain": Evaluation(30, 30, 40)},
    # large submissions and bulk updates run long in bursts
    "submit-passport-0": {"response-time-burst": Evaluation(20, 10, 15)},
    "cc-v1-st-bulk-PATCH-0": {"response-time-burst": Evaluation(20, 10, 15)},
    "cc-v1-st-bulk-DELETE-0": {"response-time-burst": Evaluation(20, 7, 10)},
    # v2 scoring calls external model and stamp services
    "passport-v2-stamp-score": {"response-time-burst": Evaluation(20, 7, 10),
                                "response-time-sustain": Evaluation(4, 30, 40)},
    "passport-v2-model-score": {"response-time-burst": Evaluation(20, 7, 10)},
}

LOAD_BALANCER_ALARMS: tuple[AlarmKind, ...] = (
    AlarmKind("elb-5xx-ratio-burst", ELB_5XX, Evaluation(0.2, 3, 5, 60), "missing",
              denominator=REQUESTS),
    AlarmKind("elb-5xx-ratio-sustain", ELB_5XX, Evaluation(0.01, 3, 4, 600), "missing",
              denominator=REQUESTS),
)

FUNCTION_ALARMS: tuple[AlarmKind, ...] = (
    AlarmKind("function-errors", LAMBDA_ERRORS, Evaluation(1, 3, 5, 60), "notBreaching",
              comparison="GreaterThanOrEqualToThreshold"),
)


def override_problems(
    function_names: set[str],
    overrides: dict[str, dict[str, Evaluation]] = RESPONSE_TIME_OVERRIDES,
) -> list[str]:
    """Overrides that name no function or no alarm kind, change the period of their alarm
    kind, or ask for more breaching datapoints than periods."""
    kinds = {k.name: k for k in TARGET_ALARMS}
    found = []
    for function, evaluations in overrides.items():
        if function not in function_names:
            found.append(f"alarm override for unknown function {function!r}")
        for kind, evaluation in evaluations.items():
            if kind not in kinds:
                found.append(f"alarm override of {function!r} names unknown alarm {kind!r}")
            elif evaluation.period_s != kinds[kind].evaluation.period_s:
                found.append(f"alarm override {kind!r} of {function!r} changes the period")
            if not 1 <= evaluation.datapoints <= evaluation.periods:
                found.append(f"alarm override {kind!r} of {function!r}: {evaluation.datapoints}"
                             f" of {evaluation.periods} periods is impossible")
    return found


# The rollout dashboard's graphs, one row per weighted route, Python and Rust side by side:
# (title, metric, statistic). The same metrics the alarms watch.
ROLLOUT_PANELS: tuple[tuple[str, Metric, str], ...] = (
    ("requests", REQUESTS, "Sum"),
    ("target 5XX", TARGET_5XX, "Sum"),
    ("response time p50", RESPONSE_TIME, "p50"),
    ("response time p99", RESPONSE_TIME, "p99"),
)
