"""Layer 3: real deploys of ``local`` to a local AWS emulator with the deploy driver
(``ops.apply``: synth, Terraform) and the ELBv2 API.

One emulator for this module, on a free loopback port, stopped at the end. The tests run in
file order as one story: migration beside legacy rules, live table, rollout, rollback,
re-apply, drift; then the deploy-safety findings: a killed deploy's orphaned canary rule
(reported, refused, rolled back without Terraform, adopted), two deploys at once, a priority
swap.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ops.apply as ops_apply
from environments import ENVIRONMENTS
from model.config import STACK_PARTS
from model.listener import INTERNAL, PUBLIC
from model.paths import PROJECT_ROOT
from model.route_table import ROUTES
from ops.deploy import apply, changes, initialised, plan, synth
from ops.emulator import Emulator
from ops.live import listener_arns, live_rules
from ops.route_view import RuleView, intended
from ops.routes import main as routes_main
from ops.state import read_routing_state, rules_from_state

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

    @property
    def state_dir(self) -> Path:
        return self.tmp / "terraform-state"

    @property
    def routing_state(self) -> Path:
        return self.state_dir / f"{ROUTING}.tfstate"

    def deploy(self, parts: list[str], env: dict[str, str] | None = None) -> list[str]:
        """The deploy driver (as make local runs it); what it printed."""
        said: list[str] = []
        ops_apply.deploy("local", parts, env or self.env, say=said.append,
                         state_dir=self.state_dir, client=self.client)
        return said

    def apply_routing(self) -> None:
        """Apply the routing stack's plan that ``plans`` saved: ``terraform apply`` of the
        synthesized JSON, as an operator applies a reviewed rollout step."""
        apply(self.outdir / "stacks" / ROUTING, self.env, saved_plan=True)

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
        said = found.deploy([part for part in STACK_PARTS if part != "routing"])
        # progress per stack: "[n/4] <stack>: done, <k> resources changed, <s> s"
        assert {line.split("] ", 1)[1].split(":")[0] for line in said
                if ": done, " in line} == set(BASE_STACKS), said
        _create_legacy_rules(client)
        found.deploy(["routing"])
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


def _routes(deployment: Deployment, argv: list[str], monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str], **variables: str) -> tuple[int, str, str]:
    """The ``routes`` command against the emulator with the deploy-time ``variables`` (R = 0,
    as deployed last, unless given)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, deployment.env[name])
    for name, value in {"RUST_ROUTING_PERCENT": "0", **variables}.items():
        monkeypatch.setenv(name, value)
    code = routes_main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _routes_diff(deployment: Deployment, env: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], **variables: str) -> tuple[int, str, str]:
    """``routes diff --env ENV --live`` against the emulator and the routing state."""
    return _routes(deployment, ["diff", "--env", env, "--live", "--state",
                                str(deployment.routing_state)], monkeypatch, capsys, **variables)


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


def _target_groups(deployment: Deployment) -> dict[str, str]:
    return {g["TargetGroupName"]: g["TargetGroupArn"]
            for g in deployment.client.describe_target_groups()["TargetGroups"]}


def test_g_a_killed_deploys_orphaned_canary_is_reported_refused_rolled_back_and_adopted(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 1: a deploy killed while Terraform creates canary rules leaves them live and
    absent from state. They used to make every later deploy fail with PriorityInUse (the
    emergency rollback's too) while ``routes diff --live`` said "in sync"."""
    bulk = next(r for r in ROUTES if r.key == "ceramic-cache-bulk-post")
    assert bulk.canary is not None
    groups = _target_groups(deployment)
    deployment.client.create_rule(  # what the killed deploy left: the canary, never in state
        ListenerArn=listener_arns(deployment.client, LOCAL)[PUBLIC], Priority=bulk.canary,
        Conditions=[  # as AWS answers: moto fills *Config only when it is given
            {"Field": "path-pattern",
             "PathPatternConfig": {"Values": list(bulk.conditions.paths)}},
            {"Field": "http-request-method",
             "HttpRequestMethodConfig": {"Values": list(bulk.conditions.methods)}},
            {"Field": "http-header", "HttpHeaderConfig": {
                "HttpHeaderName": "X-Use-Rust-Scorer", "Values": ["true"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": groups["l-passport-v2-rust-scorer"]}],
        Tags=[{"Key": "Route", "Value": "ceramic-cache-bulk-post-canary"}])

    code, out, _ = _routes_diff(deployment, "local", monkeypatch, capsys)
    assert code == 1, out
    assert out.splitlines()[0].startswith(
        f"orphaned    public {bulk.canary} ceramic-cache-bulk-post-canary: live, not in state")
    assert "routes repair --env local --delete" in out

    canary = {**deployment.env, "RUST_CANARY_ROUTES": bulk.key}
    with pytest.raises(ops_apply.Refused) as refused:  # before Terraform, not PriorityInUse
        deployment.deploy(["routing"], canary)
    assert "absent from the routing state; Terraform would fail with PriorityInUse" in str(
        refused.value)
    assert "import 'aws_lb_listener_rule.ceramic_cache_bulk_post_canary'" in str(refused.value)

    code, out, _ = _routes(deployment, ["rollback", "--env", "local"], monkeypatch, capsys)
    assert code == 0, out
    live = {v.priority: v for v in deployment.live() if v.key != "legacy"}
    assert live[bulk.canary].targets == (("l-cc-v1-st-bulk-POST-0", None),)
    assert _weights(list(live.values())) == {(100, 0)}
    assert all(v.stickiness is None for v in live.values())

    emergency = {**canary, "RUST_EMERGENCY_ROLLBACK": "true"}
    synth(emergency, deployment.outdir)
    code, out, err = _routes(deployment, [
        "repair", "--env", "local", "--adopt", "--state", str(deployment.routing_state),
        "--stack-dir", str(deployment.outdir / "stacks" / ROUTING)], monkeypatch, capsys,
        RUST_CANARY_ROUTES=bulk.key, RUST_EMERGENCY_ROLLBACK="true")
    assert code == 0, out + err
    assert out.strip() == (f"adopted     public {bulk.canary} as "
                           "aws_lb_listener_rule.ceramic_cache_bulk_post_canary")
    deployment.deploy(["routing"], emergency)  # the deploy that agrees with the rollback
    code, out, _ = _routes_diff(deployment, "local", monkeypatch, capsys,
                                RUST_CANARY_ROUTES=bulk.key, RUST_EMERGENCY_ROLLBACK="true")
    assert code == 0 and out.startswith(f"in sync: local ({len(ROUTES) + 1} rules)"), out


def test_g_orphans_without_a_route_are_deleted(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    free = max(PUBLIC.canary_priorities)  # a canary slot no route declares
    deployment.client.create_rule(
        ListenerArn=listener_arns(deployment.client, LOCAL)[PUBLIC], Priority=free,
        Conditions=[{"Field": "path-pattern", "Values": ["/stray/*"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
    code, out, _ = _routes(deployment, ["repair", "--env", "local", "--delete", "--state",
                                        str(deployment.routing_state)], monkeypatch, capsys)
    assert code == 0 and out.startswith(f"deleted     public {free} "), out
    assert free not in {v.priority for v in deployment.live()}


def test_h_two_deploys_at_once_each_apply_what_they_synthesized_or_are_refused(
    deployment: Deployment
) -> None:
    """Finding 2: two deploys of the routing stack at once (R = 10 and R = 20) on one checkout
    used to synthesize into one folder, so the one that won applied the other's weights."""
    def start(r: int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "ops.apply", "--env", "local", "--parts", "routing",
             "--state-dir", str(deployment.state_dir)], cwd=PROJECT_ROOT, text=True,
            env={**deployment.env, "RUST_ROUTING_PERCENT": str(r)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    first = start(10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            ops_apply.LOCK.exists() and f"pid {first.pid}" in ops_apply.LOCK.read_text()):
        time.sleep(0.2)
    second = start(20)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 1, out + err
    assert err.startswith(f"error: another deploy from this checkout is running (pid "
                          f"{first.pid}, since "), err
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, out + err
    live = [v for v in deployment.live() if v.key != "legacy"]
    assert _weights(live) == {(90, 10)}
    assert [v.comparable() for v in rules_from_state(deployment.routing_state)] == [
        v.comparable() for v in live]


def test_i_swapping_two_routes_priorities_deploys(deployment: Deployment) -> None:
    """Finding 3: swapping two routes' priorities planned two in-place updates that failed with
    PriorityInUse every time, and the state then recorded priorities never applied."""
    synth(deployment.with_r(10), deployment.outdir)  # what is deployed, then the swap
    routing_dir = deployment.outdir / "stacks" / ROUTING
    document = json.loads((routing_dir / "cdk.tf.json").read_text())
    rules = document["resource"]["aws_lb_listener_rule"]
    post, patch = rules["ceramic_cache_bulk_post"], rules["ceramic_cache_bulk_patch"]
    post["priority"], patch["priority"] = patch["priority"], post["priority"]
    (routing_dir / "cdk.tf.json").write_text(json.dumps(document))
    said: list[str] = []
    ops_apply.guard_routing(deployment.client, LOCAL, routing_dir,
                            read_routing_state(LOCAL, deployment.routing_state), said.append)
    # one atomic call where the API takes a permutation (AWS); the emulator checks each
    # target against the current priorities, so there the rules move one at a time
    assert [line.removesuffix(" (one rule at a time)") for line in said] == [
        "moved       aws_lb_listener_rule.ceramic_cache_bulk_patch: priority 1033 -> 1032",
        "moved       aws_lb_listener_rule.ceramic_cache_bulk_post: priority 1032 -> 1033"]
    apply(routing_dir, deployment.env)  # Terraform finds the priorities in place
    by_priority = {v.priority: v for v in deployment.live()}
    assert by_priority[1033].targets[0][0] == "l-cc-v1-st-bulk-POST-0"
    assert by_priority[1032].targets[0][0] == "l-cc-v1-st-bulk-PATCH-0"
    in_state = {v.priority: v.comparable() for v in rules_from_state(deployment.routing_state)}
    assert in_state == {p: v.comparable() for p, v in by_priority.items() if v.key != "legacy"}
    assert changes(plan(routing_dir, deployment.env)) == []

