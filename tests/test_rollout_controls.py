"""Rollout controls: per-route R, the emergency rollback, canary-header rules."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

import environments
from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.errors import ConfigurationError
from model.rollout.controls import effective_routes
from model.routing.actions import weighted_forward
from model.routing.explain import explain
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.route import Route, when
from model.validation import environment_problems
from tests.conftest import EMERGENCY, ROLLOUT, Synthesized
from tests.spec_routes import SPEC_R, SPEC_WEIGHTED
from tests.test_rollout import addresses

Synth = Callable[[Mapping[str, str]], Synthesized]
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


def test_override_in_the_environment_configuration() -> None:
    config = replace(PRODUCTION, rust_percent=25, route_rust_percent=(("v2-stamps-score", 5),))
    text = explain(config, "GET", "https://api.passport.xyz/v2/stamps/1/score/0x1", PUBLIC)
    assert "weight 95" in text and "weight 5" in text
    (merged,) = environments.selected({"ENVIRONMENTS": "production",
                                       "RUST_ROUTING_PERCENT_ROUTES": "embed-get-score=10"})
    assert merged.route_rust_percent == (("embed-get-score", 10),)


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


def problems(config: Any, routes: tuple[Route, ...] = ROUTES) -> list[str]:
    return environment_problems(config, routes, FUNCTIONS, SERVICE_BACKENDS)


def test_override_and_canary_must_name_weighted_routes() -> None:
    config = replace(PRODUCTION, route_rust_percent=(("registry", 5), ("ghost", 5)),
                     canary_routes=("embed-config",))
    weighted = ("ceramic-cache-bulk-delete, ceramic-cache-bulk-patch, ceramic-cache-bulk-post, "
                "ceramic-cache-score-get, ceramic-cache-stamp, ceramic-cache-weights, "
                "embed-add-stamps, embed-get-score, embed-validate-key, internal-catchall, "
                "v2-stamps-score")
    assert problems(config) == [
        "[production] route_rust_percent names 'registry', which is a route without a weighted "
        f"forward; weighted routes: {weighted}",
        f"[production] route_rust_percent names 'ghost', which is not a route; weighted "
        f"routes: {weighted}",
        "[production] canary_routes names 'embed-config', which is a route without a weighted "
        f"forward; weighted routes: {weighted}",
    ]


def test_overlapping_overrides_in_the_configuration() -> None:
    config = replace(PRODUCTION, route_rust_percent=(("v2-stamps-score", 5),
                                                     ("v2-stamps-score", 10)))
    assert problems(config) == [
        "[production] route_rust_percent sets route 'v2-stamps-score' more than once"]
    found = problems(replace(PRODUCTION, route_rust_percent=(("v2-stamps-score", 101),)))
    assert found[0] == ("[production] route_rust_percent of route 'v2-stamps-score' is 101; "
                        "it must be an integer 0..100")
    assert found[1:] == ["[production] route 'v2-stamps-score' (public listener, priority "
                         "2112): weight -1 of 'py:passport-v2-stamp-score' is outside 0..999"]


def test_canary_that_would_bypass_an_earlier_rule_is_refused() -> None:
    assert problems(replace(PRODUCTION, canary_routes=("v2-stamps-score",))) == [
        "[production] canary of route 'v2-stamps-score' at priority 1027 would take requests "
        "with its header that route 'v2-stamps-score-history' (priority 2111) serves first"]


def test_a_canary_needs_a_declared_priority_and_says_which_are_free() -> None:
    extra = (Route("w-1", INTERNAL, 3001, when("/w/1"),
                   weighted_forward("svc:internal", "rust-int")),)
    config = replace(PRODUCTION, canary_routes=("w-1",))
    assert problems(config, ROUTES + extra) == [
        "[production] no canary priority for route 'w-1': declare canary=<priority> in the "
        "route table, from the internal listener's canary range 2095-2099 (free: 2099)"]
    taken = extra + (Route("w-2", INTERNAL, 3002, when("/w/2"),
                           weighted_forward("svc:internal", "rust-int"), canary=2099),)
    assert problems(config, ROUTES + taken)[0].endswith("2095-2099 (none is free)")


@pytest.mark.parametrize(("canary", "problem"), [
    (2094, "canary priority 2094 is outside the internal listener's canary range 2095-2099"),
    (2095, "canary priority 2095 is already declared by route 'embed-add-stamps'"),
])
def test_declared_canary_priorities_are_in_range_and_unique(canary: int, problem: str) -> None:
    extra = (Route("w-1", INTERNAL, 3001, when("/w/1"),
                   weighted_forward("svc:internal", "rust-int"), canary=canary),)
    assert problems(PRODUCTION, ROUTES + extra) == [
        f"[production] route 'w-1' (internal listener, priority 3001): {problem}"]


def test_a_canarys_priority_does_not_depend_on_the_other_canaries(synthesize_with: Synth) -> None:
    """Enabling a canary for an earlier route leaves the existing canary where it is (its
    priority used to be handed out by position: the first deploy failed half-done)."""
    def canary_priorities(keys: tuple[str, ...]) -> dict[str, int]:
        config = replace(PRODUCTION, canary_routes=keys)
        return {r.key: r.priority for r in effective_routes(config, ROUTES) if r.canary_of}

    alone = canary_priorities(("ceramic-cache-stamp",))
    both = canary_priorities(("ceramic-cache-bulk-post", "ceramic-cache-stamp"))
    assert both["ceramic-cache-stamp-canary"] == alone["ceramic-cache-stamp-canary"]
    assert both["ceramic-cache-bulk-post-canary"] != both["ceramic-cache-stamp-canary"]


@pytest.mark.parametrize(("environ", "message"), [
    ({"RUST_ROUTING_PERCENT_ROUTES": "v2-stamps-score"},
     "RUST_ROUTING_PERCENT_ROUTES entry 'v2-stamps-score' is invalid: write route-key=N, "
     "separated by commas"),
    ({"RUST_ROUTING_PERCENT_ROUTES": "v2-stamps-score=5,v2-stamps-score=10"},
     "RUST_ROUTING_PERCENT_ROUTES sets route 'v2-stamps-score' twice (overlapping overrides)"),
    ({"RUST_ROUTING_PERCENT_ROUTES": "v2-stamps-score=150"},
     "RUST_ROUTING_PERCENT_ROUTES value '150' for route 'v2-stamps-score' is invalid: it must "
     "be an integer from 0 to 100"),
    ({"RUST_EMERGENCY_ROLLBACK": "maybe"},
     "RUST_EMERGENCY_ROLLBACK='maybe' is invalid: use true or false"),
    ({"RUST_CANARY_ROUTES": "Bad Key"},
     "RUST_CANARY_ROUTES names invalid route key(s) 'Bad Key'"),
])
def test_bad_deploy_time_rollout_variables(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        environments.selected(environ)
    assert str(error.value) == message


def test_switch_values() -> None:
    for raw, value in (("true", True), ("1", True), ("false", False), ("0", False), ("", False)):
        (config,) = environments.selected({"ENVIRONMENTS": "local",
                                           "RUST_EMERGENCY_ROLLBACK": raw})
        assert config.emergency_rollback is value


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
