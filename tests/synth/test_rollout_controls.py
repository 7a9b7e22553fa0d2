"""Rollout controls as synthesized: per-route R, the emergency rollback, canary-header rules,
the rules' preconditions on the rollout table's head item (the model's checks of them:
tests/unit/test_rollout_control_rules.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from environments import ENVIRONMENTS
from model.routing.explain import explain
from model.routing.listener import PUBLIC
from tests.helpers.spec_routes import SPEC_R, SPEC_WEIGHTED
from tests.helpers.synth import CANARIES, EMERGENCY, ROLLOUT, Synth, Synthesized, addresses

PRODUCTION = ENVIRONMENTS["production"]
DOCUMENT = "jsondecode(jsondecode(data.aws_dynamodb_table_item.rollout_state.item).document.S)"


def aborted(key: str) -> str:
    """Whether the record holds ``key`` in aborted_routes (older documents: no field, false)."""
    return f'contains(try({DOCUMENT}.aborted_routes, []), "{key}")'


def rules(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return synthesized["production"]["routing"]["resource"]["aws_lb_listener_rule"]


def weights(rule: dict[str, Any]) -> tuple[int, ...]:
    return tuple(t["weight"] for t in rule["action"][0]["forward"]["target_group"])


def test_per_route_override_keeps_its_own_r(synthesize_with: Synth) -> None:
    found = rules(synthesize_with(ROLLOUT))
    assert weights(found["internal_catchall"]) == (100, 0)
    assert {weights(r) for k, r in found.items()
            if "forward" in r["action"][0] and k != "internal_catchall"} == {(95, 5)}


def test_canary_rules(synthesize_with: Synth) -> None:
    found = rules(synthesize_with(ROLLOUT))
    public, internal = found["ceramic_cache_bulk_post_canary"], found["embed_add_stamps_canary"]
    assert (public["priority"], internal["priority"]) == (1021, 2095)
    assert {"http_header": {"http_header_name": "X-Use-Rust-Scorer", "values": ["true"]}} in (
        public["condition"])
    assert public["action"][0]["target_group_arn"].endswith(
        "aws_lb_target_grouprs_ceramic_cache_bulk_postarn}")  # its route's own Rust one
    assert internal["action"][0]["target_group_arn"].endswith(
        "aws_lb_target_grouprs_embed_add_stampsarn}")
    text = explain(replace(PRODUCTION, canary_routes=("ceramic-cache-bulk-post",)), "POST",
                   "/ceramic-cache/stamps/bulk", PUBLIC, {"x-use-rust-scorer": "TRUE"})
    assert "rule ceramic-cache-bulk-post-canary (priority 1021)" in text
    assert ("-> rust:ceramic-cache-bulk-post (rs-ceramic-cache-bulk-post): all traffic"
            in text)


def test_emergency_rollback_is_r_zero_without_stickiness_in_place(synthesize_with: Synth) -> None:
    normal, emergency = synthesize_with(ROLLOUT), synthesize_with(EMERGENCY)
    weighted = [r for r in rules(emergency).values() if "forward" in r["action"][0]]
    assert len(weighted) == len(SPEC_WEIGHTED)
    for rule in weighted:
        assert weights(rule) == (100, 0)
        assert rule["action"][0]["forward"]["stickiness"] == {"enabled": False, "duration": 3600}
    canary = rules(emergency)["ceramic_cache_bulk_post_canary"]["action"][0]
    assert canary["target_group_arn"].endswith("aws_lb_target_groupl_cc_v1_st_bulk_POST_0arn}")
    assert addresses(emergency) == addresses(normal)  # only in-place changes


def test_the_routing_stack_reads_the_head_item_of_the_rollout_table(
    synthesized: Synthesized
) -> None:
    """The routing stack creates no rollout state: it reads the head item of its environment's
    table, and only its weighted rules carry the precondition."""
    for env in SPEC_R:
        routing = synthesized[env]["routing"]
        assert "aws_ssm_parameter" not in routing["resource"]
        item = routing["data"]["aws_dynamodb_table_item"]["rollout_state"]
        assert item["table_name"] == f"scorer-{env}-rust-rollout-state"
        assert json.loads(item["key"]) == {"pk": {"S": "rust-rollout"}, "version": {"N": "0"}}
        rules = routing["resource"]["aws_lb_listener_rule"]
        guarded = {key for key, rule in rules.items() if "precondition" in rule["lifecycle"]}
        assert len(guarded) == len(SPEC_WEIGHTED)
        # every rule keeps an abort's mark: an apply never erases an unrecorded abort
        assert {tuple(rule["lifecycle"]["ignore_changes"]) for rule in rules.values()} == {
            ('tags["RustAbort"]',)}


def _precondition(synthesized: Synthesized, rule: str = "v2_stamps_score") -> dict[str, str]:
    (condition,) = rules(synthesized)[rule]["lifecycle"]["precondition"]
    return condition


def test_a_deploy_may_keep_or_lower_r_but_never_raise_it(synthesize_with: Synth) -> None:
    """R = 5 deploys while the record holds 5 or more for the route; a record without the
    route (or without a head item) fails the comparison inside try, so it refuses too."""
    found = _precondition(synthesize_with(ROLLOUT))
    assert found["condition"] == (
        f'${{try({DOCUMENT}.routes["v2-stamps-score"] >= 5, false) && '
        f"try(!{DOCUMENT}.emergency || false, false) && "
        f'try(!{aborted("v2-stamps-score")} || false, false)}}')
    message = found["error_message"]
    assert "DynamoDB table scorer-production-rust-rollout-state" in message
    assert (f'R=${{try(tostring({DOCUMENT}.routes["v2-stamps-score"]), "nothing")}}'
            in message)
    assert ("records R=${try(tostring(" + DOCUMENT + '.routes["v2-stamps-score"]), "nothing")} '
            "(emergency ${try(tostring(" + DOCUMENT + '.emergency), "nothing")}) for route '
            "v2-stamps-score, aborted ${try(tostring(" + aborted("v2-stamps-score")
            + '), "nothing")}; this deploy would set R=5 (emergency false), aborted false.'
            ) in message
    assert "pipenv run rollout ... --env production" in message
    assert "pipenv run deploy --env production" in message


def test_an_emergency_deploy_passes_whatever_the_record_says_of_emergency(
    synthesize_with: Synth
) -> None:
    """A deploy may turn stickiness off at any time; it may not turn it back on while the
    record says emergency (the normal build above: recorded true fails ``!true || false``)."""
    found = _precondition(synthesize_with(EMERGENCY))
    assert found["condition"] == (
        f'${{try({DOCUMENT}.routes["v2-stamps-score"] >= 0, false) && '
        f"try(!{DOCUMENT}.emergency || true, false) && "
        f'try(!{aborted("v2-stamps-score")} || true, false)}}')
    assert "this deploy would set R=0 (emergency true), aborted true." in found["error_message"]


def test_a_per_route_abort_renders_r_zero_not_sticky_on_those_rules_only(
    synthesize_with: Synth
) -> None:
    """A recorded per-route abort (``aborted_routes``) as the deploy driver hands it over
    (``RUST_ROLLOUT_STATE``): those rules at Rust 0 and not sticky, their canary to Python, the
    precondition pinning their stickiness off; every other weighted rule keeps its R,
    sticky; the same addresses (an in-place update)."""
    from model.catalog.route_table import ROUTES
    from model.rollout import state as rs

    idle = rs.initial_state(PRODUCTION, ROUTES)
    rolling = rs.start(idle, (5, 100), 60, (), 1_800_000_000, "alice", "start")
    hit = ("ceramic-cache-bulk-post", "v2-stamps-score")
    state = rs.abort_routes(rolling, hit, 1_800_000_060, "rollout controller", "5xx")
    variant = {"ENVIRONMENTS": "production", "RUST_CANARY_ROUTES": CANARIES,
               "RUST_ROLLOUT_STATE": state.to_json()}
    found = rules(synthesize_with(variant))
    weighted = {k: r for k, r in found.items() if "forward" in r["action"][0]}
    assert len(weighted) == len(SPEC_WEIGHTED)
    for key, rule in weighted.items():
        stickiness = rule["action"][0]["forward"]["stickiness"]
        if key.replace("_", "-") in hit:
            assert (weights(rule), stickiness["enabled"]) == ((100, 0), False), key
        else:
            assert (weights(rule), stickiness["enabled"]) == ((95, 5), True), key
    canary = found["ceramic_cache_bulk_post_canary"]["action"][0]
    assert canary["target_group_arn"].endswith("aws_lb_target_groupl_cc_v1_st_bulk_POST_0arn}")
    internal = found["embed_add_stamps_canary"]["action"][0]  # not aborted: still to Rust
    assert internal["target_group_arn"].endswith(  # its route's own Rust target group
        "aws_lb_target_grouprs_embed_add_stampsarn}")
    (pinned,) = found["v2_stamps_score"]["lifecycle"]["precondition"]
    assert f'try(!{aborted("v2-stamps-score")} || true, false)' in pinned["condition"]
    (free,) = found["embed_get_score"]["lifecycle"]["precondition"]
    assert f'try(!{aborted("embed-get-score")} || false, false)' in free["condition"]
    assert addresses(synthesize_with(variant)) == addresses(synthesize_with(ROLLOUT))
