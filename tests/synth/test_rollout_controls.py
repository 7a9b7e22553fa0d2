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
from tests.helpers.synth import EMERGENCY, ROLLOUT, Synth, Synthesized, addresses

PRODUCTION = ENVIRONMENTS["production"]
DOCUMENT = "jsondecode(jsondecode(data.aws_dynamodb_table_item.rollout_state.item).document.S)"


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
        f"try(!{DOCUMENT}.emergency || false, false)}}")
    message = found["error_message"]
    assert "DynamoDB table scorer-production-rust-rollout-state" in message
    assert (f'R=${{try(tostring({DOCUMENT}.routes["v2-stamps-score"]), "nothing")}}'
            in message)
    assert "this deploy would set R=5 (emergency false)" in message
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
        f"try(!{DOCUMENT}.emergency || true, false)}}")
    assert "this deploy would set R=0 (emergency true)" in found["error_message"]
