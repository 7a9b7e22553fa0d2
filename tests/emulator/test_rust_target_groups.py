"""The move of a deployed environment from the shared Rust target groups to one per weighted
route, on the emulator (docs/runbook.md): ``local`` deployed in the old layout
(``RUST_SHARED_TARGET_GROUPS``), then deployed as the code is now. The new target groups exist
before any rule points at them, every rule is updated in place (same ARN), the shared ones are
removed only after no rule forwards to them, no rule is lost, every request is served by the
rule of the same route with the route's targets, and a route's Rust counts are read from its
own target group.

Its own emulator (not the session's deployment: that one is in the new layout already), without
the monitoring stack (nothing here reads an alarm): two deploys and the contract step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ops.driver.deploy as driver
from model.catalog.route_table import ROUTES
from model.rollout.controls import effective_routes
from model.routing.actions import forward
from model.routing.conditions import Conditions
from model.routing.route import Route, first_match
from model.routing.view import target_group_names
from ops.adapters.alb import Router, target_group_name
from ops.adapters.metrics import Metrics, dimension
from ops.dev.emulator import Emulator
from tests.helpers.emulator import LOCAL
from tests.helpers.spec_routes import SPEC_RUST_TARGET_GROUPS, SPEC_SHARED_RUST_TARGET_GROUPS

PARTS = ["public-alb", "internal-alb", "lambdas", "rollout", "routing"]
SHARED = set(SPEC_SHARED_RUST_TARGET_GROUPS.values())
OWN = set(SPEC_RUST_TARGET_GROUPS.values())


class Moved:
    """``local`` on its own emulator, deployed in the old layout, then moved; what the target
    groups and the rules were at the start of each apply of the move."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        import boto3

        self.tmp, self.env = tmp, env
        self.client = boto3.client("elbv2", endpoint_url=env["AWS_ENDPOINT_URL"],
                                   region_name=LOCAL.region, aws_access_key_id="testing",
                                   aws_secret_access_key="testing")
        self.cloudwatch = boto3.client("cloudwatch", endpoint_url=env["AWS_ENDPOINT_URL"],
                                       region_name=LOCAL.region, aws_access_key_id="testing",
                                       aws_secret_access_key="testing")
        self.seen: list[tuple[str, set[str], dict[str, set[str]]]] = []
        self._lock = threading.Lock()

    def deploy(self, env: dict[str, str]) -> list[str]:
        said: list[str] = []
        driver.deploy("local", PARTS, env, say=said.append, state_dir=self.tmp / "state",
                      client=self.client)
        return said

    def target_groups(self) -> set[str]:
        return {g["TargetGroupName"]
                for g in self.client.describe_target_groups()["TargetGroups"]}

    def rules(self) -> dict[str, tuple[str, set[str]]]:
        """Route key -> (rule ARN, the target groups it forwards to)."""
        return {rule.key: (rule.arn, {target_group_name(a) for a, _ in rule.forwards_to()})
                for rules in Router(self.client, LOCAL).live().values() for rule in rules
                if rule.key}

    def watching(self, apply: Any) -> Any:
        """``_apply_importing`` that first notes the target groups and rules."""
        def watched(stack_dir: Path, env: dict[str, str], label: str, say: Any,
                    parallelism: int = 4) -> None:
            part = stack_dir.name.removeprefix(LOCAL.stack_name(""))
            if part in ("lambdas", "routing"):
                with self._lock:
                    rules = {key: groups for key, (_, groups) in self.rules().items()}
                    self.seen.append((f"{part}{' contract' if 'contract' in label else ''}",
                                      self.target_groups(), rules))
            apply(stack_dir, env, label, say, parallelism=parallelism)
        return watched


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory, terraform_env: dict[str, str]
          ) -> Iterator[tuple[Moved, dict[str, tuple[str, set[str]]], list[str]]]:
    tmp = tmp_path_factory.mktemp("rust-target-groups")
    emulator = Emulator(tmp / "moto-server.log").start()
    try:
        env = {**terraform_env, **emulator.environment(LOCAL.region), "ENVIRONMENTS": "local"}
        env.pop("RUST_ROUTING_PERCENT", None)
        found = Moved(tmp, env)
        found.deploy({**env, "RUST_SHARED_TARGET_GROUPS": "true"})
        before = found.rules()
        patch = pytest.MonkeyPatch()
        patch.setattr(driver, "_apply_importing", found.watching(driver._apply_importing))
        try:
            said = found.deploy(env)
        finally:
            patch.undo()
        yield found, before, said
    finally:
        emulator.stop()


def test_the_old_layout_forwards_every_weighted_rule_to_a_shared_target_group(
        moved: tuple[Moved, dict[str, tuple[str, set[str]]], list[str]]) -> None:
    _, before, _ = moved
    weighted = {r.key: r.listener.name for r in ROUTES if r.action.weighted}
    for key, listener in weighted.items():
        assert SPEC_SHARED_RUST_TARGET_GROUPS[listener] in before[key][1], key


def test_new_target_groups_first_rules_in_place_old_ones_last(
        moved: tuple[Moved, dict[str, tuple[str, set[str]]], list[str]]) -> None:
    found, before, said = moved
    assert [step for step, _, _ in found.seen] == ["lambdas", "routing", "lambdas contract"]
    (_, _, at_lambdas), (_, groups_at_routing, at_routing), (_, groups_at_contract,
                                                             at_contract) = found.seen
    assert at_lambdas == {key: groups for key, (_, groups) in before.items()}
    # before the routing stack: the new ones exist beside the shared ones, rules unchanged
    assert OWN | SHARED <= groups_at_routing
    assert at_routing == at_lambdas
    # before the contract: no rule forwards to a shared one any more, which still exist
    assert SHARED <= groups_at_contract
    assert not any(groups & SHARED for groups in at_contract.values())
    # after: the shared ones are gone, every rule kept its ARN, none lost, none added
    after = found.rules()
    assert not SHARED & found.target_groups() and OWN <= found.target_groups()
    assert {key: arn for key, (arn, _) in after.items()} == {
        key: arn for key, (arn, _) in before.items()}
    assert set(after) == {r.key for r in ROUTES}
    assert any(line.startswith("keeping the Rust target groups rust, rust-int") for line in said)


def _request(conditions: Conditions) -> tuple[str, str, str]:
    """(method, host, path) that ``conditions`` match: wildcards filled in."""
    fill = {"*": "0xa", "?": "a"}
    path = "".join(fill.get(c, c) for c in (conditions.paths or ("/",))[0])
    host = "".join(fill.get(c, c) for c in (conditions.hosts or ("api.passport.xyz",))[0])
    return (conditions.methods or ("GET",))[0], host, path


def test_every_request_is_served_by_the_same_route_with_its_targets(
        moved: tuple[Moved, dict[str, tuple[str, set[str]]], list[str]]) -> None:
    """ALB's evaluation (``model.routing.route.first_match``) over the live rules gives every
    route's requests to that route's rule, which forwards to what the route table says."""
    found, _, _ = moved
    router = Router(found.client, LOCAL)
    live = tuple(Route(rule.key or "other", listener, rule.priority,
                       Conditions.from_api(rule.entry.get("Conditions", [])), forward("x"))
                 for listener, rules in router.live().items() for rule in rules)
    intended = effective_routes(LOCAL, ROUTES)
    views = {v.key: v for v in router.views()}
    names = target_group_names(LOCAL)
    for route in intended:
        method, host, path = _request(route.conditions)
        want = first_match(intended, route.listener, method, host, path)
        have = first_match(live, route.listener, method, host, path)
        assert want is not None and have is not None and have.key == want.key, (route.key, path)
        # the API may list a rule's target groups in another order than the model
        assert sorted(views[want.key].targets) == sorted(want.action.view(names).targets), (
            want.key)


def test_a_routes_rust_counts_come_from_its_own_target_group(
        moved: tuple[Moved, dict[str, tuple[str, set[str]]], list[str]]) -> None:
    """Requests put on two routes' own Rust target groups read back per route, as the gates
    query them: the route's Rust side (``route.action.split()``) by target group name."""
    found, _, _ = moved
    router = Router(found.client, LOCAL)
    names = target_group_names(LOCAL)
    weighted = [r for r in ROUTES if r.action.weighted]
    counts = {route.key: 10 * (n + 1) for n, route in enumerate(weighted[:2])}
    arns = router.rules.target_group_arns(names[r.action.split()[1]] for r in weighted)
    now = int(time.time())

    def dimensions(route: Route) -> list[dict[str, str]]:
        balancer = router.load_balancer_arn(route.listener)
        assert balancer is not None
        return [{"Name": "LoadBalancer", "Value": dimension(balancer)},
                {"Name": "TargetGroup", "Value": dimension(arns[names[route.action.split()[1]]])}]

    for route in weighted[:2]:
        found.cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": dimensions(route),
             "Value": counts[route.key], "Timestamp": now}])
    queries = [{"Id": f"q{n}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
                   "Dimensions": dimensions(route)}, "Period": 600, "Stat": "Sum"}}
        for n, route in enumerate(weighted)]
    values = Metrics(found.cloudwatch).values(queries, now - 600, now + 60)
    read = {route.key: sum(values.get(f"q{n}", [])) for n, route in enumerate(weighted)}
    assert read == {route.key: counts.get(route.key, 0) for route in weighted}
