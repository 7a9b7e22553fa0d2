"""The rollout view: a CloudWatch dashboard with, for every weighted route, the Python and
the Rust target group side by side (requests, target 5XX, response time p50 and p99).

ALB metrics exist per target group, not per rule: the Rust graph of a route shows the Rust
target group of its load balancer, which serves every weighted route of that load balancer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from modules.aws import CloudwatchDashboard

_ELB = "AWS/ApplicationELB"
# (title, metric, stat) of the four graphs of one row
PANELS: tuple[tuple[str, str, str], ...] = (
    ("requests", "RequestCount", "Sum"),
    ("target 5XX", "HTTPCode_Target_5XX_Count", "Sum"),
    ("response time p50", "TargetResponseTime", "p50"),
    ("response time p99", "TargetResponseTime", "p99"),
)
_WIDTH, _HEIGHT = 6, 6


@dataclass(frozen=True)
class TargetSeries:
    label: str  # e.g. "Python l-cc-v1-score-GET-0"
    target_group: str  # ARN suffix (a token until deploy)


@dataclass(frozen=True)
class RolloutRow:
    route: str
    load_balancer: str  # ARN suffix of the route's load balancer
    python: TargetSeries
    rust: TargetSeries


def dashboard_body(region: str, rows: list[RolloutRow]) -> str:
    widgets = []
    for y, row in enumerate(rows):
        for x, (title, metric, stat) in enumerate(PANELS):
            widgets.append({
                "type": "metric",
                "x": x * _WIDTH, "y": y * _HEIGHT, "width": _WIDTH, "height": _HEIGHT,
                "properties": {
                    "title": f"{row.route}: {title}",
                    "region": region,
                    "view": "timeSeries",
                    "stat": stat,
                    "period": 60,
                    "metrics": [
                        [_ELB, metric, "LoadBalancer", row.load_balancer,
                         "TargetGroup", series.target_group, {"label": series.label}]
                        for series in (row.python, row.rust)
                    ],
                },
            })
    return json.dumps({"widgets": widgets})


def rollout_dashboard(scope: object, name: str, region: str, rows: list[RolloutRow]
                      ) -> CloudwatchDashboard:
    return CloudwatchDashboard(scope, "rollout_dashboard", dashboard_name=name,  # type: ignore[arg-type]
                               dashboard_body=dashboard_body(region, rows))
