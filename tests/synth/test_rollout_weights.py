"""R at deploy time, as synthesized: RUST_ROUTING_PERCENT changes weights and nothing else
(the variables themselves: tests/unit/test_environment_selection.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.helpers.spec_routes import SPEC_WEIGHTED
from tests.helpers.synth import (
    CANARIES,
    ROLLOUT,
    Synth,
    Synthesized,
)


def weighted_weights(synthesized: Synthesized) -> set[tuple[int, int]]:
    found = set()
    for parts in synthesized.values():
        for rule in parts["routing"]["resource"]["aws_lb_listener_rule"].values():
            forward = rule["action"][0].get("forward")
            if forward:
                found.add(tuple(t["weight"] for t in forward["target_group"]))
    return found


def test_five_percent_gives_95_5_on_every_weighted_rule(synthesize_with: Synth) -> None:
    """The first production step (ROLLOUT: R = 5; internal-catchall is held at its own R = 0,
    and the two canary rules forward to Rust alone)."""
    rules = synthesize_with(ROLLOUT)["production"]["routing"]["resource"]["aws_lb_listener_rule"]
    weighted = {key: tuple(t["weight"] for t in rule["action"][0]["forward"]["target_group"])
                for key, rule in rules.items() if "forward" in rule["action"][0]}
    assert weighted.pop("internal_catchall") == (100, 0)
    assert len(weighted) == len(SPEC_WEIGHTED) - 1 and set(weighted.values()) == {(95, 5)}


@pytest.mark.parametrize(("env", "r"), [("production", 0), ("staging", 100), ("local", 50)])
def test_python_gets_100_minus_r(synthesized: Synthesized, env: str, r: int) -> None:
    """The bounds 0 and 100 and a midpoint, as the environments' own R (spec defaults)."""
    assert weighted_weights(Synthesized({env: synthesized[env]})) == {(100 - r, r)}


def test_changing_r_changes_nothing_but_weights(
    synthesized: Synthesized, synthesize_with: Synth
) -> None:
    """Production at its own R = 0 against the rollout build (R = 5, one route held at 0):
    the same resources, data sources and outputs, and the same JSON but for the weights,
    once the rollout's two canary rules are set aside (and the rules' preconditions, which
    state the R deployed against the persisted one)."""
    canaries = {f"{key.replace('-', '_')}_canary" for key in CANARIES.split(",")}

    def without_weights(parts: dict[str, Any]) -> Any:
        found = copy.deepcopy(parts)
        rules = found["routing"]["resource"]["aws_lb_listener_rule"]
        for key in canaries & set(rules):
            del rules[key]
        for rule in rules.values():
            for target in rule["action"][0].get("forward", {}).get("target_group", []):
                target.pop("weight")
            rule.pop("lifecycle", None)
        return found

    before = synthesized["production"]
    after = synthesize_with(ROLLOUT)["production"]
    assert weighted_weights(Synthesized({"p": before})) != weighted_weights(
        Synthesized({"p": after}))
    assert without_weights(before) == without_weights(after)
