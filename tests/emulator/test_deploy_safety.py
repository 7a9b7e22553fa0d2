"""The deploy-safety findings on the emulator: a killed deploy's orphaned canary rule
(reported, refused, rolled back without Terraform, adopted), an orphan no route owns, two
deploys at once, a priority swap.

Every test starts from the session's deploy at its baseline (R 50) and leaves it so
(``tests/emulator/conftest.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import ops.driver.deploy as driver
from model.catalog.route_table import ROUTES
from model.paths import PROJECT_ROOT
from model.routing.listener import PUBLIC
from ops.adapters.alb import Router
from ops.adapters.tfstate import read_routing_state, rules_from_state
from ops.driver.preflight import Refused, check_routing
from ops.driver.terraform import apply, changes, plan, synth
from tests.helpers.emulator import LOCAL, ROUTING, Cli, Deployment, weights


def test_a_killed_deploys_orphaned_canary_is_reported_refused_rolled_back_and_adopted(
    deployment: Deployment, cli: Cli
) -> None:
    """Finding 1: a deploy killed while Terraform creates canary rules leaves them live and
    absent from state. They used to make every later deploy fail with PriorityInUse (the
    emergency rollback's too) while ``routes diff --live`` said "in sync"."""
    bulk = next(r for r in ROUTES if r.key == "ceramic-cache-bulk-post")
    assert bulk.canary is not None
    groups = deployment.target_groups()
    deployment.client.create_rule(  # what the killed deploy left: the canary, never in state
        ListenerArn=deployment.listener_arn(PUBLIC), Priority=bulk.canary,
        Conditions=[  # as AWS answers: moto fills *Config only when it is given
            {"Field": "path-pattern",
             "PathPatternConfig": {"Values": list(bulk.conditions.paths)}},
            {"Field": "http-request-method",
             "HttpRequestMethodConfig": {"Values": list(bulk.conditions.methods)}},
            {"Field": "http-header", "HttpHeaderConfig": {
                "HttpHeaderName": "X-Use-Rust-Scorer", "Values": ["true"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": groups["rs-ceramic-cache-bulk-post"]}],
        Tags=[{"Key": "Route", "Value": "ceramic-cache-bulk-post-canary"}])

    code, out, _ = cli.routes_diff()
    assert code == 1, out
    assert out.splitlines()[0].startswith(
        f"orphaned    public {bulk.canary} ceramic-cache-bulk-post-canary: live, not in state")
    assert "routes repair --env local --delete" in out

    canary = {**deployment.env, "RUST_CANARY_ROUTES": bulk.key}
    with pytest.raises(Refused) as refused:  # before Terraform, not PriorityInUse
        deployment.deploy(["routing"], canary)
    assert "absent from the routing state; Terraform would fail with PriorityInUse" in str(
        refused.value)
    # naming the orphan and how to adopt it (the driver's synth folder is gone by then, so
    # through the routes command, docs/runbook.md)
    assert (f"  orphaned    public {bulk.canary} " in str(refused.value)
            and "(ceramic-cache-bulk-post-canary)" in str(refused.value)), refused.value
    assert ("adopt into state (then deploy: the plan updates them in place):\n"
            "  pipenv run routes repair --env local --adopt") in str(refused.value)
    assert "terraform -chdir" not in str(refused.value)  # no folder the driver deleted

    code, out, _ = cli.routes(["rollback", "--env", "local"])
    assert code == 0, out
    live = {v.priority: v for v in deployment.ours()}
    assert live[bulk.canary].targets == (("l-cc-v1-st-bulk-POST-0", None),)
    assert weights(list(live.values())) == {(100, 0)}
    assert all(v.stickiness is None for v in live.values())

    emergency = {**canary, "RUST_EMERGENCY_ROLLBACK": "true"}
    synth(emergency, deployment.outdir)
    code, out, err = cli.routes([
        "repair", "--env", "local", "--adopt", "--state", str(deployment.routing_state),
        "--stack-dir", str(deployment.outdir / "stacks" / ROUTING)],
        RUST_CANARY_ROUTES=bulk.key, RUST_EMERGENCY_ROLLBACK="true")
    assert code == 0, out + err
    assert out.strip() == (f"adopted     public {bulk.canary} as "
                           "aws_lb_listener_rule.ceramic_cache_bulk_post_canary")
    deployment.deploy(["routing"], emergency)  # the deploy that agrees with the rollback
    code, out, _ = cli.routes_diff(RUST_CANARY_ROUTES=bulk.key, RUST_EMERGENCY_ROLLBACK="true")
    assert code == 0 and out.startswith(f"in sync: local ({len(ROUTES) + 1} rules)"), out


def test_an_orphan_no_route_owns_is_deleted(deployment: Deployment, cli: Cli) -> None:
    free = max(PUBLIC.canary_priorities)  # a canary slot no route declares
    deployment.client.create_rule(
        ListenerArn=deployment.listener_arn(PUBLIC), Priority=free,
        Conditions=[{"Field": "path-pattern", "Values": ["/stray/*"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
    code, out, _ = cli.routes(["repair", "--env", "local", "--delete", "--state",
                               str(deployment.routing_state)])
    assert code == 0 and out.startswith(f"deleted     public {free} "), out
    assert free not in {v.priority for v in deployment.live()}


def test_of_two_deploys_at_once_the_second_is_refused_and_the_first_applies_its_own_weights(
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
    try:
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
    finally:  # never leave a deploy running into the next test
        first.kill()
        first.wait()
    live = deployment.ours()
    assert weights(live) == {(90, 10)}
    assert [v.comparable() for v in rules_from_state(deployment.routing_state)] == [
        v.comparable() for v in live]


def test_swapping_two_routes_priorities_deploys(deployment: Deployment) -> None:
    """Finding 3: swapping two routes' priorities planned two in-place updates that failed with
    PriorityInUse every time, and the state then recorded priorities never applied."""
    synth(deployment.env, deployment.outdir)  # what is deployed, then the swap
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
    synth(deployment.env, deployment.outdir)
    check_routing(Router(deployment.client, LOCAL), LOCAL, routing_dir,
                  read_routing_state(LOCAL, deployment.routing_state), said.append)
    apply(routing_dir, deployment.env)
    assert "l-cc-v1-st-bulk-POST-0" in dict(
        {v.priority: v for v in deployment.live()}[1032].targets)
