"""Rollout controls in the model: per-route R and canaries must name weighted routes, canary
priorities, bad deploy-time rollout variables (what they synthesize:
tests/synth/test_rollout_controls.py)."""

from __future__ import annotations

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

PRODUCTION = ENVIRONMENTS["production"]


def test_override_in_the_environment_configuration() -> None:
    config = replace(PRODUCTION, rust_percent=25, route_rust_percent=(("v2-stamps-score", 5),))
    text = explain(config, "GET", "https://api.passport.xyz/v2/stamps/1/score/0x1", PUBLIC)
    assert "weight 95" in text and "weight 5" in text
    (merged,) = environments.selected({"ENVIRONMENTS": "production",
                                       "RUST_ROUTING_PERCENT_ROUTES": "embed-get-score=10"})
    assert merged.route_rust_percent == (("embed-get-score", 10),)


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
                   weighted_forward("svc:internal", "rust:embed-add-stamps")),)
    config = replace(PRODUCTION, canary_routes=("w-1",))
    assert problems(config, ROUTES + extra) == [
        "[production] no canary priority for route 'w-1': declare canary=<priority> in the "
        "route table, from the internal listener's canary range 2095-2099 (free: 2099)"]
    taken = extra + (Route("w-2", INTERNAL, 3002, when("/w/2"),
                           weighted_forward("svc:internal", "rust:embed-add-stamps"), canary=2099),)
    assert problems(config, ROUTES + taken)[0].endswith("2095-2099 (none is free)")


@pytest.mark.parametrize(("canary", "problem"), [
    (2094, "canary priority 2094 is outside the internal listener's canary range 2095-2099"),
    (2095, "canary priority 2095 is already declared by route 'embed-add-stamps'"),
])
def test_declared_canary_priorities_are_in_range_and_unique(canary: int, problem: str) -> None:
    extra = (Route("w-1", INTERNAL, 3001, when("/w/1"),
                   weighted_forward("svc:internal", "rust:embed-add-stamps"), canary=canary),)
    assert problems(PRODUCTION, ROUTES + extra) == [
        f"[production] route 'w-1' (internal listener, priority 3001): {problem}"]


def test_a_canarys_priority_does_not_depend_on_the_other_canaries() -> None:
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
