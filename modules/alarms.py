"""CloudWatch alarm sets: one alarm definition applied to many subjects.

An ``AlarmKind`` is one row-half of docs/monitoring.md (a metric or a ratio of two metrics, a
comparison, missing-data handling). ``alarm_set`` creates one ``aws_cloudwatch_metric_alarm``
with ``for_each`` over its subjects, keyed by stable names (the target group's or function's
base name), so the state addresses read
``aws_cloudwatch_metric_alarm.target_5xx_ratio_burst["l-cc-v1-score-GET-0"]`` and adding a
subject never moves another. Each subject carries its own evaluation (overrides).
"""

from __future__ import annotations

from model.monitoring.alarm_model import AlarmKind, Subject
from model.names import terraform_id
from modules.aws import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
    Construct,
    TerraformIterator,
    TerraformResource,
)


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
