"""Layer 3: real deploys of ``local`` to a local AWS emulator with cdktf and Terraform.

One emulator for this module, on a free loopback port, stopped at the end. The tests run in
file order as one story: migration beside legacy rules, live table, rollout, rollback,
re-apply, drift.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from environments import ENVIRONMENTS
from model.config import STACK_PARTS
from model.listener import INTERNAL, PUBLIC
from model.route_table import ROUTES
from ops.deploy import apply, cdktf_deploy, changes, initialised, plan, synth
from ops.emulator import Emulator
from ops.live import listener_arns, live_rules
from ops.route_view import RuleView, intended
from ops.routes import main as routes_main

pytestmark = pytest.mark.emulator
LOCAL = ENVIRONMENTS["local"]
# Everything but the routing stack (the monitoring stack reads the ALB and Lambda stacks)
BASE_STACKS = [LOCAL.stack_name(part) for part in STACK_PARTS if part != "routing"]
ROUTING = LOCAL.stack_name("routing")
WEIGHTED = sum(1 for r in ROUTES if r.action.weighted)

# Rules as the old code left them, at the legacy priorities (docs/routing.md).
LEGACY_RULES = {
    PUBLIC: [(1001, "/ceramic-cache/score/*"), (1002, "/ceramic-cache/stamps/bulk"),
               (1012, "/passport/analysis/*"), (2023, "/v2/stamps/*/score/*"),
               (3000, "/registry/*"), (5010, "/account/nonce")],
    INTERNAL: [(2100, "/internal/embed/stamps/*"), (2101, "/internal/embed/validate-api-key"),
                 (2103, "/internal/embed/score/*")],
}


@dataclass
class Deployment:
    tmp: Path
    env: dict[str, str]
    client: Any

    @property
    def outdir(self) -> Path:
        return self.tmp / "cdktf.out"

    def with_r(self, r: int) -> dict[str, str]:
        return {**self.env, "RUST_ROUTING_PERCENT": str(r)}

    def deploy(self, stacks: list[str], env: dict[str, str]) -> None:
        cdktf_deploy(stacks, env, self.outdir, self.tmp / "deploy.log")

    def apply_routing(self) -> None:
        """Apply the routing stack as synthesized last (its saved plan, if ``plans`` made
        one): ``terraform apply`` of the synthesized JSON, as a rollout step is applied."""
        apply(self.outdir / "stacks" / ROUTING, self.env)

    def plans(self, env: dict[str, str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Synthesize with ``env``, then the changes Terraform plans for every stack (two
        plans at a time: Terraform mostly waits on the emulator)."""
        synth(env, self.outdir)
        stacks = [*BASE_STACKS, ROUTING]
        for stack in stacks:
            initialised(self.outdir / "stacks" / stack, env)
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = pool.map(lambda stack: changes(plan(self.outdir / "stacks" / stack, env)),
                             stacks)
        return dict(zip(stacks, found, strict=True))

    def live(self) -> list[RuleView]:
        return live_rules(self.client, LOCAL)


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, terraform_env: dict[str, str]
) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("emulator")
    emulator = Emulator(tmp / "moto-server.log").start()
    try:
        env = {**terraform_env, **emulator.environment(LOCAL.region), "ENVIRONMENTS": "local"}
        env.pop("RUST_ROUTING_PERCENT", None)
        import boto3  # here: collecting the unit tests need not import it

        client = boto3.client("elbv2", endpoint_url=emulator.endpoint, region_name=LOCAL.region,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        found = Deployment(tmp, env, client)
        found.deploy(BASE_STACKS, env)  # synthesizes every stack of local, routing included
        _create_legacy_rules(client)
        found.apply_routing()
        yield found
    finally:
        emulator.stop()


def _create_legacy_rules(client: Any) -> None:
    listeners = listener_arns(client, LOCAL)
    groups = {g["TargetGroupName"]: g["TargetGroupArn"]
              for g in client.describe_target_groups()["TargetGroups"]}
    backend = {PUBLIC: groups["svc-registry"], INTERNAL: groups["svc-internal"]}
    for listener, rules in LEGACY_RULES.items():
        for priority, path in rules:
            client.create_rule(
                ListenerArn=listeners[listener], Priority=priority,
                Conditions=[{"Field": "path-pattern", "Values": [path]}],
                Actions=[{"Type": "forward", "TargetGroupArn": backend[listener]}])


def _weights(views: list[RuleView]) -> set[tuple[int | None, int | None]]:
    """(Python weight, Rust weight) of every weighted live rule."""
    found = set()
    for view in views:
        if view.stickiness is None and len(view.targets) < 2:
            continue
        weights = dict(view.targets)
        rust = next(n for n in weights if n.startswith("l-passport-v2-rust-scorer"))
        python = next(n for n in weights if n != rust)
        found.add((weights[python], weights[rust]))
    return found


def test_a_live_rules_equal_the_route_table(deployment: Deployment) -> None:
    live = [v for v in deployment.live() if v.key != "legacy"]
    assert [v.comparable() for v in live] == [v.comparable() for v in intended(LOCAL)]
    assert {v.key for v in live} == {r.key for r in ROUTES}
    for view in live:
        names = {name for name, _ in view.targets}
        if view.listener == PUBLIC.name:
            assert "l-passport-v2-rust-scorer-int" not in names
        else:
            assert "l-passport-v2-rust-scorer" not in names
    assert _weights(live) == {(50, 50)}


def test_e_legacy_rules_coexist_and_their_priorities_stay_taken(deployment: Deployment) -> None:
    legacy = {(v.listener, v.priority) for v in deployment.live() if v.key == "legacy"}
    assert legacy == {(lst.name, p) for lst, rules in LEGACY_RULES.items() for p, _ in rules}
    listener = listener_arns(deployment.client, LOCAL)[PUBLIC]
    with pytest.raises(ClientError) as error:
        deployment.client.create_rule(
            ListenerArn=listener, Priority=1001,
            Conditions=[{"Field": "path-pattern", "Values": ["/control/*"]}],
            Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
    assert error.value.response["Error"]["Code"] == "PriorityInUse"


@pytest.mark.parametrize(("r", "weights"), [(5, (95, 5)), (0, (100, 0))],
                         ids=["b-rollout-to-5", "c-rollback-to-0"])
def test_bc_changing_r_updates_rules_in_place_only(
    deployment: Deployment, r: int, weights: tuple[int, int]
) -> None:
    env = deployment.with_r(r)
    planned = deployment.plans(env)
    routing = planned.pop(ROUTING)
    assert len(routing) == WEIGHTED
    assert all(address.startswith("aws_lb_listener_rule.") and actions == ("update",)
               for address, actions in routing), routing
    assert planned == {stack: [] for stack in BASE_STACKS}
    deployment.apply_routing()  # the plan just checked
    live = [v for v in deployment.live() if v.key != "legacy"]
    assert _weights(live) == {weights}
    assert [v.comparable() for v in live] == [
        v.comparable() for v in intended(replace(LOCAL, rust_percent=r))]


def test_d_reapply_with_nothing_changed_plans_nothing(deployment: Deployment) -> None:
    assert deployment.plans(deployment.with_r(0)) == {
        stack: [] for stack in [*BASE_STACKS, ROUTING]}


def _routes_diff(deployment: Deployment, env: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``routes diff --env ENV --live`` against the emulator, with R = 0 as deployed last."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, deployment.env[name])
    monkeypatch.setenv("RUST_ROUTING_PERCENT", "0")
    code = routes_main(["diff", "--env", env, "--live"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_d_routes_diff_reports_in_sync_and_lists_legacy_rules_apart(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _routes_diff(deployment, "local", monkeypatch, capsys)
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0] == f"in sync: local ({len(ROUTES)} rules)"  # no canary routes in local
    assert lines[1] == "rules of other owners or at legacy priorities (not drift):"
    assert len(lines[2:]) == sum(len(rules) for rules in LEGACY_RULES.values())
    assert all(line.startswith("  legacy ") for line in lines[2:])


def test_routes_diff_exits_2_when_the_listener_does_not_exist(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _routes_diff(deployment, "production", monkeypatch, capsys)
    assert code == 2
    assert err == "error: [production] load balancer 'scorer-production-public' not found\n"


def test_f_drift_behind_terraforms_back_plans_exactly_that_rule(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (rule,) = [v for v in deployment.live() if v.key == "ceramic-cache-bulk-post"]
    arns = {g["TargetGroupName"]: g["TargetGroupArn"]
            for g in deployment.client.describe_target_groups()["TargetGroups"]}
    rule_arn = next(
        r["RuleArn"] for r in deployment.client.describe_rules(
            ListenerArn=listener_arns(deployment.client, LOCAL)[PUBLIC])["Rules"]
        if r["Priority"] == str(rule.priority))
    deployment.client.modify_rule(RuleArn=rule_arn, Actions=[{
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": arns["l-cc-v1-st-bulk-POST-0"], "Weight": 70},
                {"TargetGroupArn": arns["l-passport-v2-rust-scorer"], "Weight": 30}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600}},
    }])
    routing_dir = deployment.outdir / "stacks" / ROUTING
    env = deployment.with_r(0)
    synth(env, deployment.outdir)
    assert changes(plan(routing_dir, env)) == [
        ("aws_lb_listener_rule.ceramic_cache_bulk_post", ("update",))]
    code, out, _ = _routes_diff(deployment, "local", monkeypatch, capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "mismatch    public 1032 ceramic-cache-bulk-post: targets l-cc-v1-st-bulk-POST-0=70, "
        "l-passport-v2-rust-scorer=30 (want l-cc-v1-st-bulk-POST-0=100, "
        "l-passport-v2-rust-scorer=0)")
    assert out.splitlines()[1] == "rules of other owners or at legacy priorities (not drift):"
