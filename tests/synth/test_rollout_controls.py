"""Rollout controls as synthesized: per-route R, the emergency rollback, canary-header rules,
the rollout state parameter and the rules' preconditions (the model's checks of them:
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
        "aws_lb_target_groupl_passport_v2_rust_scorerarn}")
    assert internal["action"][0]["target_group_arn"].endswith(
        "aws_lb_target_groupl_passport_v2_rust_scorer_intarn}")
    text = explain(replace(PRODUCTION, canary_routes=("ceramic-cache-bulk-post",)), "POST",
                   "/ceramic-cache/stamps/bulk", PUBLIC, {"x-use-rust-scorer": "TRUE"})
    assert "rule ceramic-cache-bulk-post-canary (priority 1021)" in text
    assert "-> rust (l-passport-v2-rust-scorer): all traffic" in text


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


def test_the_routing_stack_creates_the_rollout_state_and_refuses_unrecorded_weights(
    synthesized: Synthesized
) -> None:
    """The rollout state parameter starts at the environment's R and is the rollout commands'
    afterwards (Terraform ignores its value); every weighted rule's precondition is that the
    persisted R and emergency flag are the ones this deploy sets."""
    for env, r in SPEC_R.items():
        routing = synthesized[env]["routing"]["resource"]
        parameter = routing["aws_ssm_parameter"]["rust_rollout"]
        assert parameter["name"] == f"/scorer/{env}/rust-rollout"
        assert parameter["lifecycle"] == {"ignore_changes": ["insecure_value"]}
        state = json.loads(parameter["insecure_value"])
        assert (state["phase"], state["emergency"], set(state["routes"].values())) == (
            "idle", False, {r})
        assert len(state["routes"]) == len(SPEC_WEIGHTED)
        guarded = {key for key, rule in routing["aws_lb_listener_rule"].items()
                   if "lifecycle" in rule}
        assert len(guarded) == len(SPEC_WEIGHTED)
        (condition,) = routing["aws_lb_listener_rule"]["v2_stamps_score"]["lifecycle"][
            "precondition"]
        state = "jsondecode(aws_ssm_parameter.rust_rollout.insecure_value)"
        assert condition["condition"] == (
            f'${{try({state}.routes["v2-stamps-score"], "none") == {r} && '
            f'try({state}.emergency, "none") == false}}')
