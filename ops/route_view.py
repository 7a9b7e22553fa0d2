"""One view of a listener rule, whether intended (from the code) or live (through ELBv2).

Both sides produce the same ``RuleView`` so that they can be printed and compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.rollout_abort.rollback import target_group_name
from model.backend import Backend
from model.config import EnvironmentConfig
from model.functions import all_backends
from model.listener import Listener
from model.rollout import effective_routes
from model.route import Route
from model.route_table import ROUTES


@dataclass(frozen=True)
class RuleView:
    listener: str
    priority: int
    paths: tuple[str, ...]
    methods: tuple[str, ...]
    hosts: tuple[str, ...]
    targets: tuple[tuple[str, int | None], ...]  # (target group name, weight), as listed
    stickiness: int | None  # seconds when enabled
    fixed_response: str | None = None
    headers: tuple[str, ...] = ()  # "Name: value,value"
    key: str = ""  # the route key; "legacy", "held" or "other" for rules this project does not own

    def comparable(self) -> tuple[Any, ...]:
        return (self.listener, self.priority, self.paths, self.methods, self.hosts,
                self.headers, tuple(sorted(self.targets)), self.stickiness, self.fixed_response)


def target_group_names(
    config: EnvironmentConfig, backends: tuple[Backend, ...] | None = None
) -> dict[str, str]:
    """Backend key -> target group name in ``config``'s environment."""
    backends = all_backends() if backends is None else backends
    return {b.key: config.target_group_name(b.target_group) for b in backends}


def intended(config: EnvironmentConfig, routes: tuple[Route, ...] = ROUTES) -> list[RuleView]:
    names = target_group_names(config)
    views = []
    for route in effective_routes(config, routes):
        view = route.action.view(names)
        views.append(RuleView(
            listener=route.listener.name,
            priority=route.priority,
            paths=tuple(sorted(route.conditions.paths)),
            methods=tuple(sorted(route.conditions.methods)),
            hosts=tuple(sorted(route.conditions.hosts)),
            targets=view.targets,
            stickiness=view.stickiness,
            headers=tuple(f"{n}: {','.join(v)}" for n, v in route.conditions.headers),
            fixed_response=view.fixed_response,
            key=route.key,
        ))
    return sorted(views, key=lambda v: (v.listener, v.priority))


def from_api(listener: Listener, rule: dict[str, Any], owners: dict[int, str],
             held: frozenset[int] = frozenset()) -> RuleView:
    """A ``describe_rules`` entry as a RuleView; ``owners`` maps priority -> route key, and
    ``held`` are the priorities other owners hold on an adopted listener."""
    paths: list[str] = []
    methods: list[str] = []
    hosts: list[str] = []
    headers: list[str] = []
    for condition in rule.get("Conditions", []):
        field = condition["Field"]
        if field == "path-pattern":
            paths += condition.get("PathPatternConfig", {}).get("Values") or condition["Values"]
        elif field == "http-request-method":
            methods += condition["HttpRequestMethodConfig"]["Values"]
        elif field == "host-header":
            hosts += condition.get("HostHeaderConfig", {}).get("Values") or condition["Values"]
        elif field == "http-header":
            header = condition["HttpHeaderConfig"]
            headers.append(f"{header['HttpHeaderName']}: {','.join(header['Values'])}")
    (action,) = rule["Actions"]
    targets: list[tuple[str, int | None]] = []
    stickiness = None
    fixed = None
    forward = action.get("ForwardConfig")
    if forward and len(forward.get("TargetGroups", [])) > 1:
        targets = [(target_group_name(t["TargetGroupArn"]), int(t.get("Weight", 1)))
                   for t in forward["TargetGroups"]]
        sticky = forward.get("TargetGroupStickinessConfig", {})
        stickiness = int(sticky["DurationSeconds"]) if sticky.get("Enabled") else None
    elif action["Type"] == "forward":
        arn = action.get("TargetGroupArn") or forward["TargetGroups"][0]["TargetGroupArn"]
        targets = [(target_group_name(arn), None)]
    elif action["Type"] == "fixed-response":
        config = action["FixedResponseConfig"]
        fixed = f"{config['StatusCode']} {config.get('ContentType')} {config.get('MessageBody')}"
    priority = int(rule["Priority"])
    legacy = listener.legacy_range_of(priority) is not None
    other = "held" if priority in held else "legacy" if legacy else "other"
    return RuleView(
        listener=listener.name,
        priority=priority,
        paths=tuple(sorted(paths)),
        methods=tuple(sorted(methods)),
        hosts=tuple(sorted(hosts)),
        headers=tuple(sorted(headers)),
        targets=tuple(targets),
        stickiness=stickiness,
        fixed_response=fixed,
        key=owners.get(priority, other),
    )


def table(views: list[RuleView]) -> str:
    """An aligned table for people."""
    header = ("listener", "priority", "route", "conditions", "targets", "stickiness")
    rows = [header]
    for v in sorted(views, key=lambda v: (v.listener, v.priority)):
        conditions = " ".join(
            [*(f"path={p}" for p in v.paths), *(f"host={h}" for h in v.hosts),
             *(f"header={h.replace(' ', '')}" for h in v.headers),
             *([f"method={','.join(v.methods)}"] if v.methods else [])])
        if v.fixed_response:
            targets = f"fixed {v.fixed_response}"
        else:
            targets = ", ".join(name if weight is None else f"{name}={weight}"
                                for name, weight in v.targets)
        sticky = f"{v.stickiness}s" if v.stickiness else "-"
        rows.append((v.listener, str(v.priority), v.key, conditions, targets, sticky))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows)
