"""The gates' inputs read from CloudWatch: every series the gate declarations
(``model/catalog/gates.py``) name, per route and side of the rollout, over the current step's
window; then the one engine judges them (``model.rollout.gates.route_verdicts``)."""

from __future__ import annotations

from model.catalog.functions import FUNCTIONS
from model.catalog.gates import GATES, MIN_REQUESTS, REQUEST_COUNT
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout import state as rs
from model.rollout.controls import alarm_routes, rust_alarm_prefixes
from model.rollout.gates import Gate, Verdict, alarm_verdict, reads, route_verdicts
from model.routing.listener import LISTENERS
from model.routing.view import target_group_names
from ops.adapters.alb import Router
from ops.adapters.metrics import Metrics, dimension


def gate_verdicts(router: Router, metrics: Metrics, config: EnvironmentConfig,
                  state: rs.RolloutState, now: int,
                  gates: tuple[Gate, ...] = GATES) -> list[Verdict]:
    """The alarm gate and, per route in the rollout, every gate of ``gates`` over the bake
    window (the current step's start to ``now``)."""
    verdicts = alarm_verdicts(rust_alarms_in_alarm(metrics, config), config, state)
    start = state.step_started_at or now - state.bake_s
    period = max(60, -(-(now - start) // 60) * 60)
    names = target_group_names(config)
    arns = router.rules.target_group_arns(names[b] for r in ROUTES
                                          if (split := r.action.split()) for b in split)
    balancers = {listener: arn for listener in LISTENERS
                 if (arn := router.load_balancer_arn(listener))}
    by_key = {r.key: r for r in ROUTES}
    series = reads(gates, REQUEST_COUNT)
    queries, asked = [], {}
    for n, key in enumerate(state.rollout_routes):
        route = by_key[key]
        split = route.action.split()
        if split is None or route.listener not in balancers:
            continue
        for side, backend in zip(("python", "rust"), split, strict=True):
            arn = arns.get(names[backend])
            if arn is None:
                continue
            dimensions = [
                {"Name": "LoadBalancer", "Value": dimension(balancers[route.listener])},
                {"Name": "TargetGroup", "Value": dimension(arn)}]
            for s, read in enumerate(series):
                query_id = f"q{n}_{side}_{s}"
                asked[query_id] = (key, side, read)
                queries.append({"Id": query_id, "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": read.metric.namespace,
                               "MetricName": read.metric.name, "Dimensions": dimensions},
                    "Period": period, "Stat": read.stat}})
    found = {asked[query_id]: values
             for query_id, values in metrics.values(queries, start, now + 1).items()}
    for key in state.rollout_routes:
        if by_key[key].action.split() is None:
            continue
        python, rust = ({read: read.over(found.get((key, side, read)) or []) for read in series}
                        for side in ("python", "rust"))
        verdicts += route_verdicts(key, python, rust, gates, REQUEST_COUNT, MIN_REQUESTS)
    return verdicts


def rust_alarms_in_alarm(metrics: Metrics, config: EnvironmentConfig) -> list[str]:
    """Alarms in ALARM of the Rust target groups, the Rust function and the load balancers."""
    prefixes = rust_alarm_prefixes(config, ROUTES, FUNCTIONS)
    return [a for a in metrics.alarms_in_alarm(config.resource_name(""))
            if a.startswith(prefixes)]


def alarm_verdicts(alarms: list[str], config: EnvironmentConfig,
                   state: rs.RolloutState) -> list[Verdict]:
    """The alarm gate: one verdict for the Rust-wide alarms (the Rust function's, the load
    balancers': ``(all)``, red when one is in ALARM) and a red one per rollout route whose
    Rust target group has an alarm in ALARM (``model.rollout.controls.alarm_routes``), so a
    per-route abort acts on that route. An alarm of routes outside the rollout (promoted
    before, or aborted) holds nothing."""
    wide, per_route, outside = [], {}, []
    for alarm in alarms:
        routes = alarm_routes(config, alarm, ROUTES)
        if routes is None:
            wide.append(alarm)
            continue
        inside = [k for k in routes if k in state.rollout_routes]
        for key in inside:
            per_route.setdefault(key, []).append(alarm)
        if not inside:
            outside.append(alarm)
    verdicts = [alarm_verdict(wide)]
    if outside and not wide:
        verdicts = [Verdict("(all)", "alarms", "green",
                            "no Rust-wide alarm in ALARM; of routes outside the rollout: "
                            + ", ".join(sorted(outside)))]
    return verdicts + [Verdict(key, "alarms", "red", "in ALARM: " + ", ".join(sorted(found)))
                       for key, found in sorted(per_route.items())]
