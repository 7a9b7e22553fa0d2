"""The gates' inputs read from CloudWatch: per minute (period 60 s, aligned by timestamp
between the sides), over the current step's window, every series the gate declarations
(``model/catalog/gates.py``) name, per route and side of the rollout, and the Rust function's
Lambda metrics; then the one engine judges them (``model.rollout.gates.route_verdicts``)."""

from __future__ import annotations

from typing import Any

from model.catalog.functions import FUNCTIONS, RUST_SCORER
from model.catalog.gates import FALSE_ABORTS_PER_ROLLOUT, GATES, POWER
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout import state as rs
from model.rollout.controls import alarm_routes, rust_alarm_prefixes
from model.rollout.gates import (
    FUNCTION,
    Budget,
    Gate,
    Minute,
    Series,
    Verdict,
    alarm_verdict,
    gates_at,
    reads,
    route_verdicts,
)
from model.routing.listener import LISTENERS
from model.routing.view import target_group_names
from ops.adapters.alb import Router
from ops.adapters.metrics import Metrics, dimension

PERIOD = 60  # one datapoint per minute: the e-processes fold minutes

MINUTE_DATA_KEPT_S = 15 * 86400  # CloudWatch keeps 1-minute datapoints for 15 days


def budget(config: EnvironmentConfig, state: rs.RolloutState,
           gates: tuple[Gate, ...] = GATES) -> Budget:
    """The false-abort budget of one step's evidence: the rollout's, split over its steps
    and final bake, its routes and gates; watched for the bake and the progress deadline."""
    looks = len(state.steps) + 1
    alpha = Budget.split(FALSE_ABORTS_PER_ROLLOUT, looks, len(state.rollout_routes), gates)
    horizon = max(1, -(-(state.bake_s + config.controller.progress_deadline_s) // PERIOD))
    return Budget(alpha, horizon, POWER, {"concurrency": float(config.rust_concurrency_limit)})


def _query(query_id: str, read: Series, dimensions: list[dict[str, str]]) -> dict[str, Any]:
    return {"Id": query_id, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": read.metric.namespace, "MetricName": read.metric.name,
                   "Dimensions": dimensions},
        "Period": PERIOD, "Stat": read.stat}}


def gate_verdicts(router: Router, metrics: Metrics, config: EnvironmentConfig,
                  state: rs.RolloutState, now: int,
                  gates: tuple[Gate, ...] = GATES) -> list[Verdict]:
    """The alarm gate, per route in the rollout every route gate of ``gates``, and every
    function gate on the Rust function, over the window (the current step's start to
    ``now``, minute by minute)."""
    verdicts = alarm_verdicts(rust_alarms_in_alarm(metrics, config), config, state)
    start = state.step_started_at or now - state.bake_s
    first = start - start % PERIOD
    minutes = range(first, now + 1, PERIOD)  # every look since the step's start
    names = target_group_names(config)
    arns = router.rules.target_group_arns(names[b] for r in ROUTES
                                          if (split := r.action.split()) for b in split)
    balancers = {listener: arn for listener in LISTENERS
                 if (arn := router.load_balancer_arn(listener))}
    by_key = {r.key: r for r in ROUTES}
    route_gates = tuple(g for g in gates if g.scope == "route")
    function_gates = tuple(g for g in gates if g.scope == "function")
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
            for s, read in enumerate(reads(route_gates)):
                asked[f"q{n}_{side}_{s}"] = (key, side, read)
                queries.append(_query(f"q{n}_{side}_{s}", read, dimensions))
    function = [{"Name": "FunctionName", "Value": config.function_name(RUST_SCORER.name)}]
    for s, read in enumerate(reads(function_gates)):
        asked[f"f_rust_{s}"] = (FUNCTION, "rust", read)
        queries.append(_query(f"f_rust_{s}", read, function))
    sides: dict[tuple[str, str], dict[int, dict[Series, float]]] = {}
    # from the step's start itself: CloudWatch rounds it down to the minute (that minute's
    # earlier requests, at the step before, count: the tests condition on each minute's
    # counts, whatever R was); the emulator starts its periods there, each ends in its minute
    since = max(start, now - MINUTE_DATA_KEPT_S)  # CloudWatch has no 1-minute data before
    for query_id, points in metrics.datapoints(queries, since, now + 1).items():
        key, side, read = asked[query_id]
        by_minute = sides.setdefault((key, side), {})
        for at, value in points.items():
            by_minute.setdefault(at - at % PERIOD, {})[read] = value
    plan = budget(config, state, gates)

    def side(key: str, name: str) -> dict[int, Minute]:
        return dict(sides.get((key, name), {}))

    for key in state.rollout_routes:
        if by_key[key].action.split() is None:
            continue
        verdicts += route_verdicts(key, minutes, side(key, "python"), side(key, "rust"),
                                   gates_at(route_gates, state.routes.get(key, 0)), plan)
    if function_gates:
        verdicts += route_verdicts(FUNCTION, minutes, {}, side(FUNCTION, "rust"),
                                   function_gates, plan)
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
