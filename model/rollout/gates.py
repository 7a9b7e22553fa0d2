"""Rollout gates: is Rust no worse than Python on a weighted route, over the bake window?

Per weighted route, from CloudWatch (ALB metrics per target group; the Rust target group of a
load balancer serves all of its weighted routes):

- ``alarms``: no alarm of the Rust target groups, of the Rust function or of the load
  balancers is in ALARM;
- ``5xx``: Rust's target 5XX ratio is at most Python's plus ``error_margin_pp`` percentage
  points;
- ``p99``: Rust's p99 ``TargetResponseTime`` is at most ``latency_factor`` times Python's.

Below ``min_requests`` on either side a comparison is inconclusive: it holds a step, it never
passes it (nor does a missing p99).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["green", "red", "inconclusive"]


@dataclass(frozen=True)
class GatePolicy:
    error_margin_pp: float = 0.5
    latency_factor: float = 1.25
    min_requests: int = 100


DEFAULT_POLICY = GatePolicy()


@dataclass(frozen=True)
class SideMetrics:
    """One target group over the window: requests, target 5XX, p99 response time (s)."""

    requests: float
    errors_5xx: float
    p99_s: float | None

    @property
    def error_pct(self) -> float:
        return 100 * self.errors_5xx / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Verdict:
    route: str
    gate: str  # alarms, 5xx, p99
    status: Status
    detail: str  # the numbers behind the verdict

    def line(self) -> str:
        return f"{self.route:<26} {self.gate:<7} {self.status:<12} {self.detail}"


def route_verdicts(route: str, python: SideMetrics, rust: SideMetrics,
                   policy: GatePolicy = DEFAULT_POLICY) -> list[Verdict]:
    counts = f"requests Python {python.requests:.0f}, Rust {rust.requests:.0f}"
    if min(python.requests, rust.requests) < policy.min_requests:
        few = f"{counts}: below {policy.min_requests} on a side"
        return [Verdict(route, "5xx", "inconclusive", few),
                Verdict(route, "p99", "inconclusive", few)]
    limit = python.error_pct + policy.error_margin_pp
    errors = Verdict(route, "5xx", "green" if rust.error_pct <= limit else "red",
                     f"Rust {rust.error_pct:.2f} % <= Python {python.error_pct:.2f} % + "
                     f"{policy.error_margin_pp} pp" if rust.error_pct <= limit else
                     f"Rust {rust.error_pct:.2f} % > Python {python.error_pct:.2f} % + "
                     f"{policy.error_margin_pp} pp ({counts})")
    if python.p99_s is None or rust.p99_s is None:
        latency = Verdict(route, "p99", "inconclusive", "no p99 response time on a side")
    else:
        bound = python.p99_s * policy.latency_factor
        ok = rust.p99_s <= bound
        latency = Verdict(route, "p99", "green" if ok else "red",
                          f"Rust {rust.p99_s:.3f} s {'<=' if ok else '>'} {policy.latency_factor}"
                          f" x Python {python.p99_s:.3f} s")
    return [errors, latency]


def alarm_verdict(alarms_in_alarm: list[str]) -> Verdict:
    if alarms_in_alarm:
        return Verdict("(all)", "alarms", "red", "in ALARM: " + ", ".join(sorted(alarms_in_alarm)))
    return Verdict("(all)", "alarms", "green", "no Rust or load balancer alarm in ALARM")
