"""Rollout gates as data, and the one engine that evaluates them (docs/rollout.md).

A ``Gate`` declares what it reads (``Series``: a metric, the CloudWatch statistic read per
minute) and how it judges (``test``):

- ``relative``: Rust's share of events (``events`` / ``trials``, e.g. 5XX / requests, or the
  share of requests slower than a threshold from CloudWatch's percentile rank ``PR(:t)``)
  against Python's on the same route, by the two-sample sequential test of
  ``model.rollout.stats``;
- ``absolute``: Rust's share of events against a service target ``p0`` (p99 under 500 ms is
  "at most 1 % of requests slower than 0.5 s"), by the one-sample sequential test;
- ``ceiling``: a value that must stay at most a limit in every minute (throttles: none;
  concurrency: at most a fraction of the environment's limit); deterministic, no sampling.

The statistical gates are **red** when their e-process reaches the threshold that bounds the
false-abort probability over every minute the controller looks (``Budget``); **green** when
not red and the sample reaches the minimum with which ``smallest`` (the smallest regression
the gate must catch, in points of share) would have been detected with the declared power;
else **inconclusive** (it holds a step, it never passes it). Every verdict names its
numbers. ``scope`` says whether a gate judges each route (its Python and Rust target
groups) or the Rust function as a whole (route ``FUNCTION``, acting on every route).

The evidence is folded minute by minute (``Gate.start``, ``Gate.add``, ``Gate.judge``):
``route_verdicts`` folds a window read from CloudWatch, the benchmark folds its synthetic
streams through the same calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from model.monitoring.alarm_model import Metric
from model.rollout import stats

Status = Literal["green", "red", "inconclusive"]
FUNCTION = "(rust function)"  # the route of a function-wide verdict: it acts on every route


@dataclass(frozen=True)
class Series:
    """One thing a gate reads per side and minute: ``metric`` with CloudWatch's ``stat``."""

    metric: Metric
    stat: str = "Sum"

    def __post_init__(self) -> None:  # a series keys every minute's values: hash it once
        object.__setattr__(self, "_hash", hash((self.metric, self.stat)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    @property
    def label(self) -> str:
        return f"{self.metric.name} {self.stat}"

    @property
    def percent_rank(self) -> float | None:
        """The threshold t of a ``PR(:t)`` statistic (the percentage of values <= t), else
        None."""
        if self.stat.startswith("PR(:") and self.stat.endswith(")"):
            return float(self.stat[4:-1])
        return None


Minute = Mapping[Series, float]  # one side's values in one minute


@dataclass(frozen=True)
class Budget:
    """What every statistical verdict of one evaluation shares: ``alpha`` per test (the
    rollout's false-abort budget split by ``split``), the ``horizon`` in minutes the step is
    watched (its bake and progress deadline), the ``power`` a green needs, and the
    environment's ``limits`` a ceiling may refer to."""

    alpha: float
    horizon: int
    power: float = 0.8
    limits: Mapping[str, float] | None = None

    @staticmethod
    def split(per_rollout: float, looks: int, routes: int, gates: tuple[Gate, ...]) -> float:
        """``per_rollout`` spread evenly over every statistical test of a rollout: each of
        ``looks`` evidence windows (steps, and the final bake) tests every route gate on
        each of ``routes`` and every function gate once."""
        tests = sum(routes if g.scope == "route" else 1 for g in gates if g.test != "ceiling")
        return per_rollout / max(1, looks * tests)


@dataclass(frozen=True)
class Evidence:
    """One gate's evidence so far: the e-process and the totals (Python, Rust)."""

    process: stats.Process = field(default_factory=stats.Process)
    n_p: float = 0.0
    x_p: float = 0.0
    n_r: float = 0.0
    x_r: float = 0.0
    peak: float | None = None  # a ceiling's highest value


@dataclass(frozen=True)
class Gate:
    name: str
    test: Literal["relative", "absolute", "ceiling"]
    events: Series  # a count, or PR(:t) (the events are then the requests slower than t)
    trials: Series | None = None  # requests or invocations (statistical gates)
    smallest: float = 0.0  # the smallest regression to catch, a share (0.01: one point)
    p0: float = 0.0  # absolute: the allowed share
    limit: float = 0.0  # ceiling: the most allowed (a fraction of limits[of_limit] if given)
    of_limit: str | None = None
    scope: Literal["route", "function"] = "route"

    def __post_init__(self) -> None:
        assert self.test in ("relative", "absolute", "ceiling"), self.test
        assert self.test == "ceiling" or (self.trials is not None and 0 < self.smallest < 1)
        assert self.test != "absolute" or 0 < self.p0 < 0.5
        assert self.test != "relative" or self.scope == "route"

    def reads(self) -> tuple[Series, ...]:
        return (self.events,) + ((self.trials,) if self.trials else ())

    def what(self) -> str:
        t = self.events.percent_rank
        if t is not None:
            return f"share of requests slower than {t:g} s"
        if self.trials is None:
            return f"{self.events.stat} {self.events.metric.name} per minute"
        return f"{self.events.metric.name} / {self.trials.metric.name}"

    def rule(self) -> str:
        """What red means, in words, for the docs and the verdicts."""
        if self.test == "relative":
            return f"Rust's {self.what()} above Python's"
        if self.test == "absolute":
            return f"Rust's {self.what()} above {_pct(self.p0)}"
        bound = (f"{_pct(self.limit)} of the {self.of_limit} limit" if self.of_limit
                 else f"{self.limit:g}")
        return f"Rust's {self.what()} above {bound}"

    # the fold --------------------------------------------------------------------------
    def start(self) -> Evidence:
        return Evidence()

    def _counts(self, minute: Minute) -> tuple[float, float]:
        """(trials, events) of one side's minute; a minute without the latency statistic
        gives no latency evidence."""
        assert self.trials is not None
        n = minute.get(self.trials) or 0.0
        value = minute.get(self.events)
        if self.events.percent_rank is not None:
            if value is None:
                return 0.0, 0.0
            return n, float(round(n * (100.0 - min(100.0, max(0.0, value))) / 100.0))
        return n, min(n, value or 0.0)

    def idle(self, evidence: Evidence, minutes: int) -> Evidence:
        """``evidence`` after ``minutes`` looks without a datapoint on either side."""
        if self.test == "ceiling" or minutes <= 0:
            return evidence
        return replace(evidence, process=evidence.process.idle(minutes))

    def add(self, evidence: Evidence, python: Minute, rust: Minute) -> Evidence:
        """``evidence`` with one more minute."""
        if self.test == "ceiling":
            value = rust.get(self.events)
            peak = evidence.peak if value is None else max(value, evidence.peak or value)
            return replace(evidence, peak=peak)
        n_r, x_r = self._counts(rust)
        if self.test == "relative":
            n_p, x_p = self._counts(python)
            ratios = stats.two_sample_log_ratios(n_p, x_p, n_r, x_r)
        else:
            n_p = x_p = 0.0
            ratios = stats.one_sample_log_ratios(n_r, x_r, self.p0)
        return Evidence(evidence.process.step(ratios), evidence.n_p + n_p,
                        evidence.x_p + x_p, evidence.n_r + n_r, evidence.x_r + x_r)

    def red(self, evidence: Evidence, budget: Budget) -> bool:
        """Whether ``judge`` says red (the cheap part of it: no minimum sample)."""
        if self.test == "ceiling":
            return evidence.peak is not None and evidence.peak > self._limit(budget)
        minutes = max(1, evidence.process.minutes)
        return evidence.process.value >= stats.threshold(budget.alpha, budget.horizon, minutes)

    def _limit(self, budget: Budget) -> float:
        if self.of_limit:
            return self.limit * (budget.limits or {}).get(self.of_limit, 0.0)
        return self.limit

    def judge(self, route: str, evidence: Evidence, budget: Budget) -> Verdict:
        if self.test == "ceiling":
            return self._ceiling(route, evidence, budget)
        e, minutes = evidence.process.value, evidence.process.minutes
        bar = stats.threshold(budget.alpha, budget.horizon, max(1, minutes))
        rust = f"Rust {evidence.x_r:.0f}/{evidence.n_r:.0f} ({_share(evidence.x_r, evidence.n_r)})"
        if self.test == "relative":
            seen = (f"{rust} vs Python {evidence.x_p:.0f}/{evidence.n_p:.0f} "
                    f"({_share(evidence.x_p, evidence.n_p)})")
        else:
            seen = f"{rust}, target {_pct(self.p0)}"
        odds = (f"e {e:.3g} {'>=' if e >= bar else '<'} {bar:.3g} "
                f"(alpha {budget.alpha:.2g}, {minutes} of {budget.horizon} min)")
        if self.red(evidence, budget):
            return Verdict(route, self.name, "red", f"{seen}: {odds}")
        if self.test == "relative" and not evidence.n_p:
            return Verdict(route, self.name, "inconclusive",
                           f"{seen}: no Python requests to compare with")
        if not evidence.n_r:
            return Verdict(route, self.name, "inconclusive", f"{seen}: no Rust requests")
        if self.test == "relative":
            baseline = (evidence.x_p + 1) / (evidence.n_p + 2)  # never 0: conservative
            w = min(1 - 1e-9, evidence.n_r / (evidence.n_r + evidence.n_p))
            needed = stats.minimum_two_sample(baseline, self.smallest, w, budget.alpha,
                                              budget.horizon, max(1, minutes), budget.power)
        else:
            needed = stats.minimum_one_sample(self.p0, self.smallest, budget.alpha,
                                              budget.horizon, max(1, minutes), budget.power)
        enough = evidence.n_r >= needed
        sample = (f"sample Rust {evidence.n_r:.0f} {'>=' if enough else '<'} {needed:.0f} "
                  f"for +{_points(self.smallest)} at {_pct(budget.power)} power")
        return Verdict(route, self.name, "green" if enough else "inconclusive",
                       f"{seen}: {odds}; {sample}")

    def _ceiling(self, route: str, evidence: Evidence, budget: Budget) -> Verdict:
        limit = self._limit(budget)
        if evidence.peak is None:
            return Verdict(route, self.name, "green",
                           f"no {self.events.label} datapoint in the window (none)")
        ok = evidence.peak <= limit
        return Verdict(route, self.name, "green" if ok else "red",
                       f"highest {self.events.label} {evidence.peak:g} "
                       f"{'<=' if ok else '>'} {limit:g}")


def _pct(share: float) -> str:
    return f"{100 * share:g} %"


def _points(share: float) -> str:
    return f"{100 * share:g} pp"


def _share(x: float, n: float) -> str:
    return f"{100 * x / n:.3f} %" if n else "-"


@dataclass(frozen=True)
class Verdict:
    route: str
    gate: str  # alarms, or a gate's name
    status: Status
    detail: str  # the numbers behind the verdict

    def line(self) -> str:
        return f"{self.route:<26} {self.gate:<7} {self.status:<12} {self.detail}"


def fold(gate: Gate, minutes: Sequence[int], python: Mapping[int, Minute],
         rust: Mapping[int, Minute]) -> Evidence:
    """``gate``'s evidence over ``minutes`` (the window's minute start times, in order, a
    list or a ``range``; a minute without datapoints is a look without evidence, and runs of
    them are taken at once, so the cost is the minutes with data, not the window's length)."""
    evidence = gate.start()
    looked = 0
    for minute in sorted(m for m in {*python, *rust} if m in minutes):
        at = minutes.index(minute)
        evidence = gate.idle(evidence, at - looked)
        evidence = gate.add(evidence, python.get(minute, {}), rust.get(minute, {}))
        looked = at + 1
    return gate.idle(evidence, len(minutes) - looked)


def route_verdicts(route: str, minutes: Sequence[int], python: Mapping[int, Minute],
                   rust: Mapping[int, Minute], gates: tuple[Gate, ...],
                   budget: Budget) -> list[Verdict]:
    """Every gate's verdict on one route, or on the Rust function (the one engine)."""
    return [gate.judge(route, fold(gate, minutes, python, rust), budget) for gate in gates]


def gates_at(gates: tuple[Gate, ...], r: int) -> tuple[Gate, ...]:
    """The gates that judge a route at Rust's share ``r``: at R = 100 Python carries none of
    the route's traffic, so the relative gates have nothing to compare with (they compared at
    the steps before); the absolute and function gates and the alarms still judge Rust."""
    return tuple(g for g in gates if g.test != "relative" or r < 100)


def reads(gates: tuple[Gate, ...]) -> tuple[Series, ...]:
    """Every series the gates need, once each."""
    return tuple(dict.fromkeys(s for g in gates for s in g.reads()))


def alarm_verdict(alarms_in_alarm: list[str]) -> Verdict:
    if alarms_in_alarm:
        return Verdict("(all)", "alarms", "red", "in ALARM: " + ", ".join(sorted(alarms_in_alarm)))
    return Verdict("(all)", "alarms", "green", "no Rust or load balancer alarm in ALARM")
