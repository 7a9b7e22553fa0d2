"""What a deploy requires of the persisted rollout document (``RolloutState.deploy_pins``):
keep or lower a route's R, never raise it; stickiness stays off while the record says
emergency, or while it records the route aborted. The routing stack renders the same pins
into its preconditions (tests/synth/test_rollout_controls.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from model.rollout.state import RolloutState

PRODUCTION = replace(ENVIRONMENTS["production"], route_rust_percent=(("v2-stamps-score", 5),))


@pytest.mark.parametrize(("recorded_r", "allowed"), [(5, True), (25, True), (4, False),
                                                     (None, False)])
def test_a_deploy_keeps_or_lowers_r(recorded_r: int | None, allowed: bool) -> None:
    r, _, _ = RolloutState.deploy_pins(PRODUCTION, "v2-stamps-score")
    assert (r.field, r.key, r.value, r.kind) == ("routes", "v2-stamps-score", 5, "at_most")
    assert r.allows(recorded_r) is allowed


@pytest.mark.parametrize(("deployed", "recorded", "allowed"), [
    (False, False, True), (False, True, False), (True, False, True), (True, True, True),
    (True, None, False)])
def test_stickiness_stays_off_while_the_record_says_emergency(
    deployed: bool, recorded: bool | None, allowed: bool
) -> None:
    _, emergency, _ = RolloutState.deploy_pins(replace(PRODUCTION, emergency_rollback=deployed),
                                            "v2-stamps-score")
    assert (emergency.field, emergency.key, emergency.kind) == ("emergency", None, "at_least")
    assert emergency.allows(recorded) is allowed


@pytest.mark.parametrize(("deployed", "recorded", "allowed"), [
    ((), (), True), ((), ("v2-stamps-score",), False), (("v2-stamps-score",), (), True),
    (("v2-stamps-score",), ("v2-stamps-score",), True), ((), ("embed-get-score",), True)])
def test_stickiness_stays_off_on_a_route_the_record_says_aborted(
    deployed: tuple[str, ...], recorded: tuple[str, ...], allowed: bool
) -> None:
    """A per-route abort: the deploy may not turn stickiness back on for that route's rule
    (another route's abort does not pin it)."""
    *_, aborted = RolloutState.deploy_pins(replace(PRODUCTION, rollback_routes=deployed),
                                           "v2-stamps-score")
    assert (aborted.field, aborted.key, aborted.kind) == (
        "aborted_routes", "v2-stamps-score", "at_least")
    state = RolloutState(routes={"v2-stamps-score": 0, "embed-get-score": 0},
                         aborted_routes=recorded)
    assert aborted.allows(aborted.recorded_in(state)) is allowed
    older = RolloutState.from_json('{"routes": {"v2-stamps-score": 0}}')  # no such field
    assert aborted.allows(aborted.recorded_in(older)) is True
