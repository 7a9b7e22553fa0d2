"""Real deploys of ``local`` to a local AWS emulator with the deploy driver
(``ops.driver``: synth, Terraform) and the ELBv2 API.

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

import ops.driver.deploy as driver
from environments import ENVIRONMENTS
from functions.rollout_abort.handler import handler as abort_handler
from model.catalog.route_table import ROUTES
from model.config import STACK_PARTS
from model.paths import PROJECT_ROOT
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.view import RuleView, intended
from ops.adapters.alb import Router
from ops.adapters.store import RolloutStore
from ops.adapters.tfstate import read_routing_state, rules_from_state
from ops.cli.rollout import main as rollout_main
from ops.cli.routes import main as routes_main
from ops.dev.emulator import Emulator
from ops.driver.preflight import Refused, check_routing
from ops.driver.terraform import DeployError, apply, changes, initialised, plan, synth

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
        driver.deploy("local", parts, env or self.env, say=said.append,
                         state_dir=self.state_dir, client=self.client)
        return said

    def ssm(self) -> Any:
        import boto3

        return boto3.client("ssm", endpoint_url=self.env["AWS_ENDPOINT_URL"],
                            region_name=LOCAL.region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def record(self, r: int) -> None:
        """Persist R = ``r`` on every weighted route, as a rollout transition would."""
        state = RolloutStore(self.ssm()).read(LOCAL)
        assert state is not None
        RolloutStore(self.ssm()).write(LOCAL, replace(state, routes=dict.fromkeys(state.routes, r),
                                                 emergency=False, phase="idle",
                                                 reason=f"test: R = {r}"))

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
        return Router(self.client, LOCAL).views()


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
    listeners = Router(client, LOCAL).listener_arns()
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
    listener = Router(deployment.client, LOCAL).listener_arns()[PUBLIC]
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
    deployment.record(r)  # a rollout transition: the routing stack refuses unrecorded weights
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
    capsys.readouterr()  # what earlier calls printed is not this command's
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
            ListenerArn=Router(deployment.client, LOCAL).listener_arns()[PUBLIC])["Rules"]
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
        ListenerArn=Router(deployment.client, LOCAL).listener_arns()[PUBLIC], Priority=bulk.canary,
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
    with pytest.raises(Refused) as refused:  # before Terraform, not PriorityInUse
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
        ListenerArn=Router(deployment.client, LOCAL).listener_arns()[PUBLIC], Priority=free,
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
            [sys.executable, "-m", "ops.cli.deploy", "--env", "local", "--parts", "routing",
             "--state-dir", str(deployment.state_dir)], cwd=PROJECT_ROOT, text=True,
            env={**deployment.env, "RUST_ROUTING_PERCENT": str(r)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    deployment.record(10)
    first = start(10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            driver.LOCK.exists() and f"pid {first.pid}" in driver.LOCK.read_text()):
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
    check_routing(Router(deployment.client, LOCAL), LOCAL, routing_dir,
                            read_routing_state(LOCAL, deployment.routing_state), said.append)
    # one atomic call where the API takes a permutation (AWS); the emulator checks each
    # target against the current priorities, so there the rules move one at a time
    assert [line.removesuffix(" (one rule at a time)") for line in said] == [
        "moved       aws_lb_listener_rule.ceramic_cache_bulk_patch: priority 1033 -> 1032",
        "moved       aws_lb_listener_rule.ceramic_cache_bulk_post: priority 1032 -> 1033"]
    apply(routing_dir, deployment.env)  # Terraform finds the priorities in place
    by_priority = {v.priority: v for v in deployment.live()}
    assert "l-cc-v1-st-bulk-POST-0" in dict(by_priority[1033].targets)
    assert "l-cc-v1-st-bulk-PATCH-0" in dict(by_priority[1032].targets)
    in_state = {v.priority: v.comparable() for v in rules_from_state(deployment.routing_state)}
    assert in_state == {p: v.comparable() for p, v in by_priority.items() if v.key != "legacy"}
    assert changes(plan(routing_dir, deployment.env)) == []
    # and back, the same way, to the route table as it is
    synth(deployment.with_r(10), deployment.outdir)
    check_routing(Router(deployment.client, LOCAL), LOCAL, routing_dir,
                            read_routing_state(LOCAL, deployment.routing_state), said.append)
    apply(routing_dir, deployment.env)
    assert "l-cc-v1-st-bulk-POST-0" in dict(
        {v.priority: v for v in deployment.live()}[1032].targets)



def _rollout(deployment: Deployment, argv: list[str], monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The ``rollout`` command against the emulator, as an operator runs it."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, deployment.env[name])
    capsys.readouterr()  # what earlier calls printed is not this command's
    for name in driver.ROLLOUT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code = rollout_main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _in_sync(deployment: Deployment, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    """``routes diff --live`` compares the listeners with the persisted rollout state."""
    for name in driver.ROLLOUT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code, out, err = _routes(deployment, ["diff", "--env", "local", "--live", "--state",
                                          str(deployment.routing_state)], monkeypatch, capsys)
    assert code == 0 and out.startswith("in sync: local"), out + err


def test_j_a_rollout_starts_live_and_a_plain_deploy_keeps_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _rollout(deployment, [
        "start", "--env", "local", "--steps", "5,10,25,50,100", "--bake", "1h",
        "--reason", "first production-like step"], monkeypatch, capsys)
    assert code == 0, out + err
    assert out.startswith("start: R 10; idle -> R 5; rolling 1/5"), out
    live = [v for v in deployment.live() if v.key != "legacy"]
    assert _weights(live) == {(95, 5)}
    _in_sync(deployment, monkeypatch, capsys)
    # A plain deploy, without any variable, keeps the live weights (the driver synthesizes
    # with the persisted state) ...
    plain = {k: v for k, v in deployment.env.items() if k not in driver.ROLLOUT_VARIABLES}
    said = deployment.deploy(["routing"], plain)
    assert "keeping the persisted rollout state of local: R 5; rolling 1/5" in said
    assert _weights([v for v in deployment.live() if v.key != "legacy"]) == {(95, 5)}
    _in_sync(deployment, monkeypatch, capsys)
    # ... and a deploy of JSON synthesized with other weights is refused by Terraform itself.
    synth(deployment.with_r(0), deployment.outdir)
    with pytest.raises(DeployError) as refused:
        plan(deployment.outdir / "stacks" / ROUTING, deployment.env)
    assert "The rollout state /scorer/local/rust-rollout holds R=5 (emergency false)" in str(
        refused.value)
    assert "this deploy would set R=0 (emergency false)" in str(refused.value)


def test_k_advance_waits_for_the_bake_and_tick_aborts_on_a_red_gate(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _rollout(deployment, ["advance", "--env", "local"], monkeypatch, capsys)
    assert code == 1 and err.startswith("refused: advance refused: bake: "), err
    # Rust answers 10 % 5XX where Python answers 0.1 %, on the bulk POST route
    groups = {name: arn.split(":", 5)[5] for name, arn in _target_groups(deployment).items()}
    (balancer,) = deployment.client.describe_load_balancers(
        Names=[LOCAL.load_balancer_name(PUBLIC)])["LoadBalancers"]
    lb = balancer["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    import boto3

    cloudwatch = boto3.client("cloudwatch", endpoint_url=deployment.env["AWS_ENDPOINT_URL"],
                              region_name=LOCAL.region, aws_access_key_id="testing",
                              aws_secret_access_key="testing")
    for group, requests, errors in (("l-cc-v1-st-bulk-POST-0", 1000, 1),
                                    ("l-passport-v2-rust-scorer", 1000, 100)):
        dimensions = [{"Name": "LoadBalancer", "Value": lb},
                      {"Name": "TargetGroup", "Value": groups[group]}]
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": dimensions, "Value": requests},
            {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dimensions,
             "Value": errors}])
    code, out, err = _rollout(deployment, ["tick", "--env", "local"], monkeypatch, capsys)
    assert code == 0, out + err
    assert out.startswith("tick: R 5; rolling 1/5 -> R 0; aborted"), out
    assert _weights([v for v in deployment.live() if v.key != "legacy"]) == {(100, 0)}
    code, out, _ = _rollout(deployment, ["history", "--env", "local", "--json"], monkeypatch,
                            capsys)
    last = json.loads(out)[-1]
    assert (last["from"], last["to"]) == ("R 5; rolling 1/5", "R 0; aborted")
    assert last["why"] == ("tick: gate 5xx of ceramic-cache-bulk-post is red: Rust 10.00 % > "
                           "Python 0.10 % + 0.5 pp (requests Python 1000, Rust 1000)")
    _in_sync(deployment, monkeypatch, capsys)


def test_k_the_abort_function_given_a_rust_alarm_aborts_a_healthy_step(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The deployed abort function's handler, called as EventBridge calls it (the emulator
    cannot run functions) with the deployed configuration and the real event shape."""
    code, out, err = _rollout(deployment, ["start", "--env", "local", "--steps", "25,50",
                                           "--reason", "after the fix"], monkeypatch, capsys)
    assert code == 0, out + err
    assert _weights([v for v in deployment.live() if v.key != "legacy"]) == {(75, 25)}
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=deployment.env["AWS_ENDPOINT_URL"],
                            region_name=LOCAL.region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    alarm = LOCAL.alarm_name("l-passport-v2-rust-scorer", "target-5xx-ratio-burst")
    client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM",
                                         StateReason="Threshold Crossed: 3 datapoints")
    event = {
        "version": "0", "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2026-11-27T15:00:00Z", "region": LOCAL.region,
        "resources": [f"arn:aws:cloudwatch:{LOCAL.region}:123456789012:alarm:{alarm}"],
        "detail": {
            "alarmName": alarm,
            "state": {"value": "ALARM", "reason": "Threshold Crossed: 3 datapoints",
                      "timestamp": "2026-11-27T15:00:00.000+0000"},
            "previousState": {"value": "OK", "reason": "Threshold not crossed",
                              "timestamp": "2026-11-27T14:00:00.000+0000"},
            "configuration": {"description": "target 5XX ratio burst"}},
    }
    rule = client("events").describe_rule(Name=LOCAL.resource_name("rust-alarm-abort"))
    # the deployed rule takes this event (moto's own EventBridge matching; its
    # TestEventPattern API answers nothing)
    from moto.events.models import EventPattern

    assert EventPattern.load(rule["EventPattern"]).matches_event(event)
    healthy = {**event, "detail": {**event["detail"], "alarmName": LOCAL.alarm_name(
        "l-cc-v1-st-bulk-POST-0", "target-5xx-ratio-burst")}}
    assert not EventPattern.load(rule["EventPattern"]).matches_event(healthy)
    targets = client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [LOCAL.function_name("rollout-abort")]
    variables = client("lambda").get_function_configuration(
        FunctionName=LOCAL.function_name("rollout-abort"))["Environment"]["Variables"]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    answer = abort_handler(event, None, elbv2=deployment.client, ssm=client("ssm"))
    assert answer["aborted"] is True, answer  # its speed: make bench
    live = [v for v in deployment.live() if v.key != "legacy"]
    assert _weights(live) == {(100, 0)} and all(v.stickiness is None for v in live)
    state = RolloutStore(client("ssm")).read(LOCAL)
    assert state is not None
    assert (state.phase, state.emergency, state.actor) == ("aborted", True,
                                                           "rollout-abort function")
    assert state.reason == f"alarm {alarm} entered ALARM: Threshold Crossed: 3 datapoints"
    _in_sync(deployment, monkeypatch, capsys)
    ok = {**event, "detail": {**event["detail"], "state": {"value": "OK"}}}
    assert abort_handler(ok, None)["aborted"] is False


def test_l_promote_to_100(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _rollout(deployment, ["start", "--env", "local", "--steps", "50,100",
                                           "--reason", "retry after the fix"], monkeypatch,
                              capsys)
    assert code == 0 and out.startswith("start: emergency: R 0, not sticky; aborted -> R 50; "
                                        "rolling 1/2"), out + err
    code, out, err = _rollout(deployment, ["promote", "--env", "local", "--reason",
                                           "Rust is better"], monkeypatch, capsys)
    assert code == 0 and out.startswith("promote: R 50; rolling 1/2 -> R 100; done"), out + err
    assert _weights([v for v in deployment.live() if v.key != "legacy"]) == {(0, 100)}
    _in_sync(deployment, monkeypatch, capsys)
    code, out, _ = _rollout(deployment, ["status", "--env", "local"], monkeypatch, capsys)
    assert code == 0 and out.startswith(
        "rollout of local (/scorer/local/rust-rollout): R 100; done"), out
