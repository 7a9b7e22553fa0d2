"""Alarms as data: a metric (or a ratio of two), a comparison, an evaluation window.

Pure data (no provider import), so the alarm policy can be validated before cdktf loads;
``modules.alarms`` turns it into resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
