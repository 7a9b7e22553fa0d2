"""The metrics adapter: CloudWatch metric data and alarm states, through one client."""

from __future__ import annotations

from typing import Any

from ops.adapters.clients import CloudwatchClient

QUERIES_PER_CALL = 500  # GetMetricData takes at most 500 queries


def dimension(arn: str) -> str:
    """An ARN as CloudWatch's ALB dimensions name it: ``app/<lb>/<id>`` for a load
    balancer, ``targetgroup/<name>/<id>`` for a target group."""
    if ":targetgroup/" in arn:
        return "targetgroup/" + arn.split(":targetgroup/", 1)[1]
    return arn.split(":loadbalancer/", 1)[1]


def epoch(at: object) -> int:
    """A CloudWatch timestamp (a datetime from boto3, or epoch seconds) in epoch seconds."""
    stamp = getattr(at, "timestamp", None)
    return int(stamp()) if callable(stamp) else int(at)  # type: ignore[call-overload]


class Metrics:
    def __init__(self, cloudwatch: CloudwatchClient) -> None:
        self.cloudwatch = cloudwatch

    def values(self, queries: list[dict[str, Any]], start: int, end: int
               ) -> dict[str, list[float]]:
        """Query id -> its datapoints (``MetricDataQueries`` entries), all pages."""
        found: dict[str, list[float]] = {}
        for first in range(0, len(queries), QUERIES_PER_CALL):
            result = self.cloudwatch.get_metric_data(
                MetricDataQueries=queries[first:first + QUERIES_PER_CALL],
                StartTime=start, EndTime=end)
            for item in result["MetricDataResults"]:
                found[item["Id"]] = [v for v in item.get("Values", []) if v is not None]
        return found

    def datapoints(self, queries: list[dict[str, Any]], start: int, end: int
                   ) -> dict[str, dict[int, float]]:
        """Query id -> {the epoch second its period starts: value}, every page
        (``NextToken``) of every batch of ``QUERIES_PER_CALL`` queries."""
        found: dict[str, dict[int, float]] = {}
        for first in range(0, len(queries), QUERIES_PER_CALL):
            token = None
            while True:
                result = self.cloudwatch.get_metric_data(
                    MetricDataQueries=queries[first:first + QUERIES_PER_CALL],
                    StartTime=start, EndTime=end, **({"NextToken": token} if token else {}))
                for item in result["MetricDataResults"]:
                    points = found.setdefault(item["Id"], {})
                    for at, value in zip(item.get("Timestamps", []), item.get("Values", []),
                                         strict=False):
                        if value is not None:
                            points[epoch(at)] = float(value)
                token = result.get("NextToken")
                if not token:
                    break
        return found

    def alarms_in_alarm(self, name_prefix: str) -> list[str]:
        """Names of the alarms in ALARM whose names start with ``name_prefix``."""
        found, token = [], None
        while True:
            page = self.cloudwatch.describe_alarms(
                StateValue="ALARM", AlarmNamePrefix=name_prefix,
                **({"NextToken": token} if token else {}))
            # StateValue filters on AWS; the local emulator ignores it beside a name prefix
            found += [a["AlarmName"] for a in page["MetricAlarms"]
                      if a.get("StateValue") == "ALARM"]
            token = page.get("NextToken")
            if not token:
                return sorted(found)
