"""The deployed routes of ``local`` on the emulator: the live table, legacy rules beside it,
R changed by a reviewed plan (rollout and rollback), a re-plan, drift, ``routes diff --live``.

Every test starts from the session's deploy at its baseline (R 50) and leaves it so
(``tests/emulator/conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from model.catalog.route_table import ROUTES
from model.routing.listener import PUBLIC
from model.routing.view import intended, rust_target_group_names
from ops.adapters.alb import Router
from ops.driver.terraform import changes, plan, synth
from tests.helpers.emulator import (
    BASE_STACKS,
    LEGACY_RULES,
    LOCAL,
    ROUTING,
    WEIGHTED,
    Cli,
    Deployment,
    weights,
)


def test_live_rules_equal_the_route_table(deployment: Deployment) -> None:
    live = deployment.ours()
    assert [v.comparable() for v in live] == [v.comparable() for v in intended(LOCAL)]
    assert {v.key for v in live} == {r.key for r in ROUTES}
    rust = rust_target_group_names(LOCAL)
    for view in live:  # a weighted rule's Rust side is its route's own target group
        names = {name for name, _ in view.targets}
        assert names & rust <= {LOCAL.target_group_name(f"rs-{view.key.removesuffix('-canary')}")}
    assert weights(live) == {(50, 50)}


def test_legacy_rules_stay_beside_ours_and_their_priorities_stay_taken(
    deployment: Deployment,
) -> None:
    legacy = {(v.listener, v.priority) for v in deployment.live() if v.key == "legacy"}
    assert legacy == {(lst.name, p) for lst, rules in LEGACY_RULES.items() for p, _ in rules}
    with pytest.raises(ClientError) as error:
        deployment.client.create_rule(
            ListenerArn=deployment.listener_arn(PUBLIC), Priority=1001,
            Conditions=[{"Field": "path-pattern", "Values": ["/control/*"]}],
            Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
    assert error.value.response["Error"]["Code"] == "PriorityInUse"


@pytest.mark.parametrize(("r", "expected"), [(5, (95, 5)), (0, (100, 0))],
                         ids=["rollout-to-5", "rollback-to-0"])
def test_changing_r_plans_in_place_updates_of_listener_rules_only(
    deployment: Deployment, r: int, expected: tuple[int, int]
) -> None:
    deployment.record(r)  # a rollout transition: the routing stack refuses unrecorded weights
    # (that R changes no other stack is the synth layer's test_rollout_weights: the other
    # stacks' JSON is the same; the re-plan below plans every stack)
    routing = deployment.plans(deployment.with_r(r), [ROUTING])[ROUTING]
    assert len(routing) == WEIGHTED
    assert all(address.startswith("aws_lb_listener_rule.") and actions == ("update",)
               for address, actions in routing), routing
    deployment.apply_routing()  # the plan just checked
    live = deployment.ours()
    assert weights(live) == {expected}
    assert [v.comparable() for v in live] == [
        v.comparable() for v in intended(replace(LOCAL, rust_percent=r))]


def test_a_reapply_with_nothing_changed_plans_nothing(deployment: Deployment) -> None:
    """... an abort's mark on a rule included: Terraform never erases it (docs/rollout.md)."""
    (rule,) = [r for rules in Router(deployment.client, LOCAL).live().values() for r in rules
               if r.key == "ceramic-cache-bulk-post"]
    deployment.client.add_tags(ResourceArns=[rule.arn], Tags=[
        {"Key": "RustAbort", "Value": "1800000000 an abort not recorded yet"}])
    assert deployment.plans(deployment.env) == {
        stack: [] for stack in [*BASE_STACKS, ROUTING]}


def test_routes_diff_reports_in_sync_and_lists_legacy_rules_apart(cli: Cli) -> None:
    code, out, _ = cli.routes_diff()
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0] == f"in sync: local ({len(ROUTES)} rules)"  # no canary routes in local
    assert lines[1] == "rules of other owners or at legacy priorities (not drift):"
    assert len(lines[2:]) == sum(len(rules) for rules in LEGACY_RULES.values())
    assert all(line.startswith("  legacy ") for line in lines[2:])


def test_routes_diff_exits_2_when_the_load_balancer_does_not_exist(cli: Cli) -> None:
    code, _, err = cli.routes_diff("production")
    assert code == 2
    assert err == "error: [production] load balancer 'scorer-production-public' not found\n"


def test_a_weight_changed_behind_terraforms_back_plans_exactly_that_rule(
    deployment: Deployment, cli: Cli
) -> None:
    (rule,) = [v for v in deployment.live() if v.key == "ceramic-cache-bulk-post"]
    arns = deployment.target_groups()
    rule_arn = next(
        r["RuleArn"] for r in deployment.client.describe_rules(
            ListenerArn=deployment.listener_arn(PUBLIC))["Rules"]
        if r["Priority"] == str(rule.priority))
    deployment.client.modify_rule(RuleArn=rule_arn, Actions=[{
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": arns["l-cc-v1-st-bulk-POST-0"], "Weight": 70},
                {"TargetGroupArn": arns["rs-ceramic-cache-bulk-post"], "Weight": 30}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600}},
    }])
    synth(deployment.env, deployment.outdir)
    assert changes(plan(deployment.outdir / "stacks" / ROUTING, deployment.env)) == [
        ("aws_lb_listener_rule.ceramic_cache_bulk_post", ("update",))]
    code, out, _ = cli.routes_diff()
    assert code == 1
    assert out.splitlines()[0] == (
        "mismatch    public 1032 ceramic-cache-bulk-post: targets l-cc-v1-st-bulk-POST-0=70, "
        "rs-ceramic-cache-bulk-post=30 (want l-cc-v1-st-bulk-POST-0=50, "
        "rs-ceramic-cache-bulk-post=50)")
    assert out.splitlines()[1] == "rules of other owners or at legacy priorities (not drift):"
