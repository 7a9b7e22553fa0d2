"""Rollout controls: per-route R, the emergency rollback, canary-header rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

import environments
from environments import ENVIRONMENTS
from model.actions import weighted_forward
from model.errors import ConfigurationError
from model.functions import FUNCTIONS, SERVICE_BACKENDS
from model.listener import INTERNAL, PUBLIC
from model.route import Route, when
from model.route_table import ROUTES
from model.validation import environment_problems
from ops.routes import explain
from tests.conftest import EMERGENCY, ROLLOUT, Synthesized
from tests.spec_routes import SPEC_WEIGHTED
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
        "[production] canary of route 'v2-stamps-score' at priority 1021 would take requests "
        "with its header that route 'v2-stamps-score-history' (priority 2111) serves first"]


def test_canary_range_must_hold_every_canary() -> None:
    many = tuple(Route(f"w-{i}", INTERNAL, 3000 + i, when(f"/w/{i}"),
                       weighted_forward("svc:internal", "rust-int")) for i in range(6))
    config = replace(PRODUCTION, canary_routes=tuple(r.key for r in many))
    found = problems(config, ROUTES + many)
    assert found[0] == ("[production] 6 canary routes on the internal listener; its canary "
                        "range 2095-2099 holds 5")


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
