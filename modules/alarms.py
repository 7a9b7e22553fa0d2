"""CloudWatch alarm sets: one alarm definition applied to many subjects.

An ``AlarmKind`` is one row-half of spec/alarms.md (a metric or a ratio of two metrics, a
comparison, missing-data handling). ``alarm_set`` creates one ``aws_cloudwatch_metric_alarm``
with ``for_each`` over its subjects, keyed by stable names (the target group's or function's
base name), so the state addresses read
``aws_cloudwatch_metric_alarm.target_5xx_ratio_burst["l-cc-v1-score-GET-0"]`` and adding a
subject never moves another. Each subject carries its own evaluation (overrides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cdktf import TerraformIterator, TerraformResource
from constructs import Construct

from modules.aws import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from modules.names import terraform_id

Comparison = Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold"]
MissingData = Literal["missing", "notBreaching"]
_SYMBOL = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">="}


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    stat: str  # Sum, Average, p99 ...


@dataclass(frozen=True)
class Evaluation:
    """Alarm when ``datapoints`` of the last ``periods`` periods of ``period_s`` breach."""

    threshold: float
    datapoints: int
    periods: int
    period_s: int = 60

    def describe(self, comparison: Comparison) -> str:
        return (f"{_SYMBOL[comparison]} {self.threshold:g} in {self.datapoints} of "
                f"{self.periods} periods of {self.period_s} s")


@dataclass(frozen=True)
class AlarmKind:
    """``metric`` alone, or ``metric / denominator`` (both summed) when a ratio."""

    name: str  # e.g. target-5xx-ratio-burst; the alarm set's address is its terraform_id
    metric: Metric
    evaluation: Evaluation
    missing_data: MissingData
    comparison: Comparison = "GreaterThanThreshold"
    denominator: Metric | None = None

    def label(self) -> str:
        if self.denominator is None:
            return f"{self.metric.name} ({self.metric.stat})"
        return f"{self.metric.name} / {self.denominator.name}"


@dataclass(frozen=True)
class Subject:
    """What one alarm of a set watches: its name, its dimensions and its evaluation."""

    alarm_name: str
    dimensions: dict[str, str]
    evaluation: Evaluation


def alarm_set(
    scope: Construct,
    kind: AlarmKind,
    subjects: dict[str, Subject],
    actions: list[str],
) -> TerraformResource:
    """One alarm of ``kind`` per subject, keyed by the subject's stable key."""
    values = {
        key: {
            "alarm_name": s.alarm_name,
            "description": f"{kind.label()} {s.evaluation.describe(kind.comparison)}",
            "dimensions": s.dimensions,
            "threshold": s.evaluation.threshold,
            "datapoints": s.evaluation.datapoints,
            "periods": s.evaluation.periods,
        }
        for key, s in sorted(subjects.items())
    }
    periods = {s.evaluation.period_s for s in subjects.values()}
    assert periods == {kind.evaluation.period_s}, f"{kind.name}: overrides keep the period"
    each = TerraformIterator.from_map(values)
    dimensions = each.get_map("dimensions")
    period = kind.evaluation.period_s
    metric: dict[str, object]
    if kind.denominator is None:
        metric = {
            "namespace": kind.metric.namespace, "metric_name": kind.metric.name,
            "statistic": kind.metric.stat, "period": period, "dimensions": dimensions,
        }
    else:
        metric = {"metric_query": [
            CloudwatchMetricAlarmMetricQuery(
                id="ratio", expression="numerator / denominator", label=kind.label(),
                return_data=True),
            *(CloudwatchMetricAlarmMetricQuery(
                id=id_, return_data=False,
                metric=CloudwatchMetricAlarmMetricQueryMetric(
                    namespace=m.namespace, metric_name=m.name, stat=m.stat, period=period,
                    dimensions=dimensions))
              for id_, m in (("numerator", kind.metric), ("denominator", kind.denominator))),
        ]}
    return CloudwatchMetricAlarm(
        scope, terraform_id(kind.name),
        for_each=each,
        alarm_name=each.get_string("alarm_name"),
        alarm_description=each.get_string("description"),
        comparison_operator=kind.comparison,
        threshold=each.get_number("threshold"),
        datapoints_to_alarm=each.get_number("datapoints"),
        evaluation_periods=each.get_number("periods"),
        treat_missing_data=kind.missing_data,
        alarm_actions=actions,
        ok_actions=actions,
        **metric,
    )
