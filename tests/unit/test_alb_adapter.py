"""The ALB adapter (``ops/adapters/alb.py``) against the fake ELBv2 API: rules rendered by
the model through the API renderers read back as the intended views; weights set, verified
and rolled back on rules found by their ``Route`` tag, never by priority."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout.controls import effective_routes
from model.routing.actions import ActionView
from model.routing.conditions import Conditions
from model.routing.view import intended, target_group_names
from ops.adapters.alb import API_ACTIONS, API_CONDITIONS, Router, target_group_name
from tests.helpers.fakes import FakeAccount, FakeElbv2
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

PRODUCTION = ENVIRONMENTS["production"]
WEIGHTED_KEYS = sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED)


def deployed(config: EnvironmentConfig) -> tuple[FakeElbv2, dict[str, str]]:
    """The fake API holding ``config``'s rules as the model renders them for the API; and
    route key -> rule ARN."""
    account = FakeAccount()
    arns = account.deploy(config, table=False)
    return account.elbv2, arns


def test_rules_rendered_for_the_api_read_back_as_the_intended_views() -> None:
    config = replace(PRODUCTION, rust_percent=5, canary_routes=("ceramic-cache-bulk-post",))
    api, _ = deployed(config)
    assert Router(api, config).views() == intended(config)
    assert len(intended(config)) == len(SPEC_ROUTES) + 1  # and its canary


def test_every_condition_and_action_round_trips_through_the_api_shape() -> None:
    names = target_group_names(PRODUCTION)
    for route in effective_routes(replace(PRODUCTION, rust_percent=25), ROUTES):
        api_action = route.action.render(API_ACTIONS, lambda b: f"arn:x:targetgroup/{names[b]}/1")
        assert ActionView.from_api(api_action, target_group_name) == route.action.view(names)
        sorted_conditions = Conditions.of(list(route.conditions.fields()))
        assert Conditions.from_api(route.conditions.render(API_CONDITIONS)) == (
            sorted_conditions), route.key


def test_set_weights_moves_the_tagged_rules_wherever_they_sit_and_only_once() -> None:
    api, arns = deployed(PRODUCTION)  # R = 0
    moved_key = WEIGHTED_KEYS[0]
    api.rule(arns[moved_key])["Priority"] = "4999"  # identity is the tag, not the priority
    router = Router(api, PRODUCTION)
    lines = router.set_weights(replace(PRODUCTION, rust_percent=10))
    assert len(lines) == len(SPEC_WEIGHTED)
    assert any(f" 4999 {moved_key}: " in line for line in lines)
    assert router.verify_weights(replace(PRODUCTION, rust_percent=10)) == []
    api.calls.clear()
    assert router.set_weights(replace(PRODUCTION, rust_percent=10)) == []  # nothing differs
    assert api.calls == []


def test_an_untagged_rule_at_a_weighted_routes_priority_is_not_that_route() -> None:
    api, arns = deployed(PRODUCTION)
    key = WEIGHTED_KEYS[0]
    api.rule(arns[key])["Tags"] = []
    router = Router(api, PRODUCTION)
    changed = router.set_weights(replace(PRODUCTION, rust_percent=10))
    assert len(changed) == len(SPEC_WEIGHTED) - 1 and not any(key in line for line in changed)
    assert router.verify_weights(replace(PRODUCTION, rust_percent=10)) == [
        f"{key}: no live rule carries its Route tag"]


def test_verify_names_a_hand_edited_rule() -> None:
    api, arns = deployed(PRODUCTION)
    key = WEIGHTED_KEYS[-1]
    (python, rust) = [g["TargetGroupArn"] for g in
                      api.rule(arns[key])["Actions"][0]["ForwardConfig"]["TargetGroups"]]
    api.rule(arns[key])["Actions"] = [API_ACTIONS.weighted_forward(
        [(python, 50), (rust, 50)], True, 3600)]
    (problem,) = Router(api, PRODUCTION).verify_weights(PRODUCTION)
    assert problem.startswith(f"{key}: live ((") and "50), (" in problem


@pytest.mark.parametrize("r", [5, 100])
def test_roll_back_sends_every_rule_to_python_and_turns_stickiness_off(r: int) -> None:
    config = replace(PRODUCTION, rust_percent=r, canary_routes=("ceramic-cache-bulk-post",))
    api, arns = deployed(config)
    stray = api.add_rule(api.rules[next(iter(api.rules))][0]["RuleArn"].rsplit("/", 1)[0]
                         .replace(":listener-rule/", ":listener/"), 1029,
                         API_ACTIONS.forward(api.target_groups["l-passport-v2-rust-scorer"]))
    lines = Router(api, config).roll_back()
    assert len(lines) == len(SPEC_WEIGHTED) + 2  # the canary to Python, the stray deleted
    emergency = replace(config, emergency_rollback=True)
    assert Router(api, emergency).verify_weights(emergency) == []
    assert all(r["RuleArn"] != stray for rules in api.rules.values() for r in rules)
    canary = api.rule(arns["ceramic-cache-bulk-post-canary"])["Actions"][0]
    assert target_group_name(canary["TargetGroupArn"]) == "l-cc-v1-st-bulk-POST-0"


def test_target_groups_listed_in_another_order_are_the_same_action() -> None:
    """The provider holds a forward's target groups as a set: the API may list them in
    another order than the model renders them."""
    config = replace(PRODUCTION, rust_percent=25)
    api, arns = deployed(config)
    for arn in arns.values():
        forward = api.rule(arn)["Actions"][0].get("ForwardConfig")
        if forward:
            forward["TargetGroups"].reverse()
    router = Router(api, config)
    assert router.verify_weights(config) == [] and router.set_weights(config) == []


def test_a_per_route_roll_back_marks_and_moves_only_its_routes_rules_and_canaries() -> None:
    """``Router.roll_back(routes=...)``: the rules of those routes (found by their ``Route``
    tag) and their canaries marked, then at Rust 0, not sticky (the canary to its route's
    Python target group); every other rule as it was; ``clear_marks`` of those routes only;
    the result is what the model renders for those routes rolled back."""
    from ops.adapters.alb import MARK_TAG, SCOPED_MARK

    hit, kept = "ceramic-cache-bulk-post", "embed-add-stamps"
    config = replace(PRODUCTION, rust_percent=25, canary_routes=(hit, kept))
    api, arns = deployed(config)
    router = Router(api, config)
    mark = "1 rollout controller abcd" + SCOPED_MARK
    lines = router.roll_back(mark=mark, seen=set(), routes=(hit,))
    assert len(lines) == 2  # the rule and its canary
    tags = {arn: {t["Key"]: t["Value"] for t in api.rule(arn)["Tags"]} for arn in arns.values()}
    assert {key for key, arn in arns.items() if MARK_TAG in tags[arn]} == {hit, f"{hit}-canary"}
    rolled = replace(config, rollback_routes=(hit,))
    assert router.verify_weights(rolled) == []  # the rest untouched, as rendered before
    other = Router(api, replace(PRODUCTION, rust_percent=25, canary_routes=(hit, kept)))
    assert other.clear_marks({mark}, (kept,)) == 0  # another route's: none
    assert router.clear_marks({mark}, (hit,)) == 2 and router.marked() == []
