"""Which routes an alarm speaks for (``model.rollout.controls.alarm_routes``), through the
target group names of the model (``model.routing.view.target_group_names``): today's shared
Rust target group of a load balancer stands for every weighted route of its listener, a
per-route Rust target group (built here through the same function) for its route alone; the
Rust function's and the load balancers' alarms are Rust-wide. The controller's alarm gate
splits the same way (``ops.controller.gates.alarm_verdicts``)."""

from __future__ import annotations

from dataclasses import replace

from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS, all_backends
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout import state as rs
from model.rollout.controls import alarm_routes, effective_routes, rust_alarm_prefixes
from model.routing.backend import Backend
from model.routing.route import Route
from model.routing.view import target_group_names
from ops.controller.gates import alarm_verdicts
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

LOCAL = ENVIRONMENTS["local"]
WEIGHTED = {listener: sorted(SPEC_ROUTES[(listener, p)][0] for lst, p in SPEC_WEIGHTED
                             if lst == listener)
            for listener in {lst for lst, _ in SPEC_WEIGHTED}}


def rust_groups(config: EnvironmentConfig = LOCAL,
                routes: tuple[Route, ...] = ROUTES) -> dict[str, str]:
    """Weighted route key -> the name of the Rust target group it forwards to."""
    names = target_group_names(config)
    return {r.key: names[split[1]] for r in routes if (split := r.action.split())}


def test_a_shared_rust_target_group_alarm_stands_for_every_weighted_route_of_its_listener(
) -> None:
    """In the layout before per-route target groups (the way back, docs/runbook.md)."""
    shared = replace(LOCAL, shared_rust_target_groups=True)
    routes = effective_routes(shared, ROUTES)
    groups = rust_groups(shared, routes)
    for listener in ("public", "internal"):
        (group,) = {groups[k] for k in WEIGHTED[listener]}
        alarm = shared.alarm_name(group, "target-5xx-ratio-burst")
        assert alarm_routes(shared, alarm, routes) == tuple(WEIGHTED[listener])


def test_a_route_s_own_rust_target_group_alarm_stands_for_that_route() -> None:
    groups = rust_groups()
    assert len(set(groups.values())) == len(SPEC_WEIGHTED)
    for key, group in groups.items():
        alarm = LOCAL.alarm_name(group, "target-5xx-ratio-burst")
        assert alarm_routes(LOCAL, alarm, ROUTES) == (key,), key


def test_the_rust_function_and_load_balancer_alarms_are_rust_wide() -> None:
    prefixes = rust_alarm_prefixes(LOCAL, ROUTES, FUNCTIONS)
    groups = {LOCAL.alarm_name(g, "") for g in rust_groups().values()}
    wide = [p for p in prefixes if p not in groups]
    assert len(wide) == len(prefixes) - len(groups) > 0
    for prefix in wide:
        assert alarm_routes(LOCAL, prefix + "errors", ROUTES) is None, prefix


def test_a_per_route_rust_target_group_alarm_stands_for_its_route_alone() -> None:
    """Each weighted route with a Rust target group of its own (as once every route has one):
    built through ``target_group_names`` with per-route backends, the names prefixed as an
    environment with a name prefix has them."""
    config = replace(LOCAL, name_prefix="pr1-")
    routes = tuple(replace(r, action=replace(r.action, rust=f"rust:{r.key}"))
                   if r.action.split() else r for r in ROUTES)
    own = tuple(Backend(r.listener, f"rust:{r.key}", f"l-rust-{r.key}")
                for r in routes if r.action.split())
    names = target_group_names(config, (*all_backends(), *own))
    keys = [r.key for r in routes if r.action.split()]
    assert len(keys) == len(SPEC_WEIGHTED)
    for key in keys:
        alarm = config.alarm_name(names[f"rust:{key}"], "target-5xx-ratio-burst")
        assert alarm_routes(config, alarm, routes, names) == (key,)


def test_the_controllers_alarm_gate_names_the_routes_of_a_target_group_alarm() -> None:
    idle = rs.initial_state(LOCAL, ROUTES)
    public = WEIGHTED["public"]
    rolling = rs.start(idle, (5, 100), 60, (public[0], *WEIGHTED["internal"]), 0, "a", "")
    group_alarm = LOCAL.alarm_name(rust_groups()[public[0]], "target-5xx-ratio-burst")
    found = alarm_verdicts([group_alarm], LOCAL, rolling)
    assert [(v.route, v.status) for v in found] == [("(all)", "green"), (public[0], "red")]
    assert group_alarm in found[1].detail
    wide = LOCAL.alarm_name("public-alb", "elb-5xx")
    assert [(v.route, v.status) for v in alarm_verdicts([wide], LOCAL, rolling)] == [
        ("(all)", "red")]
    outside = rs.start(idle, (5, 100), 60, tuple(WEIGHTED["internal"]), 0, "a", "")
    (only,) = alarm_verdicts([group_alarm], LOCAL, outside)  # of routes outside the rollout
    assert only.status == "green" and "outside the rollout" in only.detail
