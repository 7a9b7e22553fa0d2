"""The rollout view: CloudWatch dashboards with, for every weighted route, the Python and
the Rust target group side by side (requests, target 5XX, response time p50 and p99).

ALB metrics exist per target group, not per rule: the Rust graph of a route shows the Rust
target group of its load balancer, which serves every weighted route of that load balancer.

The body names load balancers and target groups by placeholders, ``{{arn-suffix:<key>}}``,
which one Terraform ``replace()`` per key turns into the ARN suffixes: cdktf resolves a
string holding many tokens in time that grows with tokens times length, and a dashboard
holds four graphs with four ARN suffixes per route.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from model.catalog.alarm_policy import ROLLOUT_PANELS
from modules.aws import CloudwatchDashboard, Construct, Fn

_WIDTH, _HEIGHT = 6, 6
WIDGETS_MAX = 500  # per dashboard (CloudWatch quota)
ROWS_PER_DASHBOARD = WIDGETS_MAX // len(ROLLOUT_PANELS)


@dataclass(frozen=True)
class TargetSeries:
    label: str  # e.g. "Python cc-v1-score-GET-0"
    target_group: str  # key of the target group's ARN suffix


@dataclass(frozen=True)
class RolloutRow:
    route: str
    load_balancer: str  # key of the route's load balancer's ARN suffix
    python: TargetSeries
    rust: TargetSeries


def placeholder(key: str) -> str:
    return "{{arn-suffix:" + key + "}}"


def dashboard_body(region: str, rows: list[RolloutRow]) -> str:
    """The dashboard JSON, with placeholders where ARN suffixes go."""
    widgets = []
    for y, row in enumerate(rows):
        for x, (title, metric, stat) in enumerate(ROLLOUT_PANELS):
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
                        [metric.namespace, metric.name,
                         "LoadBalancer", placeholder(row.load_balancer),
                         "TargetGroup", placeholder(series.target_group),
                         {"label": series.label}]
                        for series in (row.python, row.rust)
                    ],
                },
            })
    return json.dumps({"widgets": widgets})


def rollout_dashboards(
    scope: Construct, name: str, region: str, rows: list[RolloutRow],
    arn_suffixes: dict[str, str],
) -> list[CloudwatchDashboard]:
    """``name`` (``rollout_dashboard``), then ``name-2`` (``rollout_dashboard_2``) ... when
    the rows do not fit one dashboard's 500 graphs."""
    dashboards = []
    for page, start in enumerate(range(0, len(rows), ROWS_PER_DASHBOARD), 1):
        chunk = rows[start:start + ROWS_PER_DASHBOARD]
        body = Fn.raw_string(dashboard_body(region, chunk))
        used = sorted({row.load_balancer for row in chunk}
                      | {s.target_group for row in chunk for s in (row.python, row.rust)})
        for key in used:
            body = Fn.replace(body, placeholder(key), arn_suffixes[key])
        suffix = "" if page == 1 else f"-{page}"
        dashboards.append(CloudwatchDashboard(
            scope, f"rollout_dashboard{suffix.replace('-', '_')}",
            dashboard_name=f"{name}{suffix}", dashboard_body=body))
    return dashboards
