"""Rollout gates as data, and the one engine that evaluates them (docs/rollout.md).

A ``Gate`` declares what it reads (``Series``: a metric of the alarm policy, the CloudWatch
statistic, how the window's datapoints combine) and how it compares: Rust's value must be at
most ``factor`` times Python's plus ``margin``. A ratio gate reads a numerator and a
denominator (summed) and compares percentages, so its margin is in percentage points. The
gate declarations live in ``model/catalog/gates.py``; ``ops/controller/gates.py`` reads every
series they name from CloudWatch, per route and side, and ``route_verdicts`` judges them.

Below ``min_requests`` on either side every comparison is inconclusive: it holds a step, it
never passes it (nor does a missing value, such as no p99 without traffic).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from model.monitoring.alarm_model import Metric

Status = Literal["green", "red", "inconclusive"]


@dataclass(frozen=True)
class Series:
    """One thing a gate reads per side over the window: ``metric`` with CloudWatch's
    ``stat`` per period, the periods combined by ``combine``."""

    metric: Metric
    stat: str = "Sum"
    combine: Literal["sum", "max"] = "sum"

    @property
    def label(self) -> str:
        return f"{self.metric.name} {self.stat}"

    def over(self, datapoints: list[float]) -> float | None:
        if not datapoints:
            return 0.0 if self.combine == "sum" else None
        return sum(datapoints) if self.combine == "sum" else max(datapoints)


Sample = Mapping[Series, float | None]  # one side's values over the window


@dataclass(frozen=True)
class Gate:
    """Rust <= ``factor`` x Python + ``margin``, on ``numerator`` (or on the percentage
    ``numerator / denominator`` when a denominator is given)."""

    name: str
    numerator: Series
    denominator: Series | None = None
    margin: float = 0.0
    factor: float = 1.0
    unit: str = ""

    def reads(self) -> tuple[Series, ...]:
        return (self.numerator,) + ((self.denominator,) if self.denominator else ())

    def value(self, sample: Sample) -> float | None:
        top = sample.get(self.numerator)
        if self.denominator is None or top is None:
            return top
        bottom = sample.get(self.denominator) or 0.0
        return 100 * top / bottom if bottom else 0.0

    def rule(self) -> str:
        """The comparison in words, for the docs and the verdicts."""
        what = (f"{self.numerator.metric.name} / {self.denominator.metric.name}"
                if self.denominator else f"{self.numerator.stat} {self.numerator.metric.name}")
        scale = f"{self.factor:g} x " if self.factor != 1 else ""
        plus = f" + {self.margin:g} {self.unit}" if self.margin else ""
        return f"Rust's {what} <= {scale}Python's{plus}"

    def verdict(self, route: str, python: Sample, rust: Sample) -> Verdict:
        p, r = self.value(python), self.value(rust)
        if p is None or r is None:
            return Verdict(route, self.name, "inconclusive",
                           f"no {self.numerator.label} on a side")
        bound = self.factor * p + self.margin
        ok = r <= bound
        unit = " %" if self.denominator else f" {self.unit}" if self.unit else ""
        return Verdict(route, self.name, "green" if ok else "red",
                       f"Rust {r:.3f}{unit} {'<=' if ok else '>'} {bound:.3f}{unit} "
                       f"({self.rule()}; Python {p:.3f}{unit})")


@dataclass(frozen=True)
class Verdict:
    route: str
    gate: str  # alarms, or a gate's name
    status: Status
    detail: str  # the numbers behind the verdict

    def line(self) -> str:
        return f"{self.route:<26} {self.gate:<7} {self.status:<12} {self.detail}"


def route_verdicts(route: str, python: Sample, rust: Sample, gates: tuple[Gate, ...],
                   requests: Series, min_requests: int) -> list[Verdict]:
    """Every gate's verdict on one route (the one engine)."""
    counts = (f"requests Python {python.get(requests) or 0:.0f}, "
              f"Rust {rust.get(requests) or 0:.0f}")
    if min(python.get(requests) or 0, rust.get(requests) or 0) < min_requests:
        few = f"{counts}: below {min_requests} on a side"
        return [Verdict(route, gate.name, "inconclusive", few) for gate in gates]
    return [gate.verdict(route, python, rust) for gate in gates]


def reads(gates: tuple[Gate, ...], requests: Series) -> tuple[Series, ...]:
    """Every series the gates need, once each, the request count first."""
    return tuple(dict.fromkeys((requests, *(s for g in gates for s in g.reads()))))


def alarm_verdict(alarms_in_alarm: list[str]) -> Verdict:
    if alarms_in_alarm:
        return Verdict("(all)", "alarms", "red", "in ALARM: " + ", ".join(sorted(alarms_in_alarm)))
    return Verdict("(all)", "alarms", "green", "no Rust or load balancer alarm in ALARM")
