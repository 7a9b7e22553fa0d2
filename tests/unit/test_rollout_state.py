"""The rollout state machine with a fake clock: every transition, every refusal, bad input."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.gates import GATES
from model.catalog.route_table import ROUTES
from model.config import ControllerPolicy
from model.rollout import state as rs
from model.rollout.gates import Budget, Verdict, alarm_verdict, route_verdicts
from tests.helpers.gates import minute, stream, window
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

PRODUCTION = ENVIRONMENTS["production"]
T0 = 1_800_000_000
GREEN = [alarm_verdict([])]
STEPS = (5, 10, 25, 50, 100)
POLICY = ControllerPolicy()


@pytest.fixture
def idle() -> rs.RolloutState:
    return rs.initial_state(PRODUCTION, ROUTES)


@pytest.fixture
def rolling(idle: rs.RolloutState) -> rs.RolloutState:
    return rs.start(idle, STEPS, 3600, (), T0, "alice", "first step")


def test_a_new_environment_starts_idle_at_its_own_r(idle: rs.RolloutState) -> None:
    assert idle.phase == "idle"
    assert set(idle.routes) == {SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED}
    assert set(idle.routes.values()) == {PRODUCTION.rust_percent}


def test_start_moves_every_weighted_route_to_the_first_step(rolling: rs.RolloutState) -> None:
    assert (rolling.phase, rolling.step, rolling.step_started_at) == ("rolling", 0, T0)
    assert set(rolling.routes.values()) == {5}
    assert (rolling.actor, rolling.reason, rolling.summary) == (
        "alice", "first step", "R 5; rolling 1/5")


def test_start_on_some_routes_leaves_the_others(idle: rs.RolloutState) -> None:
    state = rs.start(idle, (10, 20), 60, ("ceramic-cache-bulk-post",), T0, "a", "")
    assert state.routes["ceramic-cache-bulk-post"] == 10
    assert {v for k, v in state.routes.items() if k != "ceramic-cache-bulk-post"} == {0}


def test_advance_is_refused_during_the_bake_and_on_non_green_gates(
    rolling: rs.RolloutState
) -> None:
    with pytest.raises(rs.RolloutError, match=r"bake: 3599 s of 3600 s left at step 1/5"):
        rs.advance(rolling, T0 + 1, GREEN, "bob")
    red = [Verdict("ceramic-cache-bulk-post", "5xx", "red", "Rust 3.00 % > Python 0.10 %")]
    with pytest.raises(rs.RolloutError, match=r"gate 5xx of ceramic-cache-bulk-post is red"):
        rs.advance(rolling, T0 + 3600, red, "bob")
    unsure = [Verdict("embed-get-score", "p99", "inconclusive", "requests below 100")]
    with pytest.raises(rs.RolloutError, match=r"is inconclusive: requests below 100"):
        rs.advance(rolling, T0 + 3600, unsure, "bob")


def test_advance_after_the_bake_on_green_gates_and_forced(rolling: rs.RolloutState) -> None:
    second = rs.advance(rolling, T0 + 3600, GREEN, "bob")
    assert (second.step, set(second.routes.values()), second.step_started_at, second.forced) == (
        1, {10}, T0 + 3600, False)
    forced = rs.advance(second, T0 + 3601, GREEN, "bob", "hotfix verified", force=True)
    assert (forced.step, forced.forced, forced.reason) == (2, True, "hotfix verified")


def test_advancing_past_the_last_step_is_done(rolling: rs.RolloutState) -> None:
    state = rolling
    for n in range(len(STEPS)):
        state = rs.advance(state, T0 + 3600 * (n + 1), GREEN, "bob")
    assert (state.phase, set(state.routes.values())) == ("done", {100})
    with pytest.raises(rs.RolloutError, match="no rollout is rolling"):
        rs.advance(state, T0 + 10**6, GREEN, "bob")


def test_pause_resume_restarts_the_bake(rolling: rs.RolloutState) -> None:
    paused = rs.pause(rolling, T0 + 10, "carol")
    with pytest.raises(rs.RolloutError, match="resume it first"):
        rs.advance(paused, T0 + 7200, GREEN, "carol")
    with pytest.raises(rs.RolloutError, match="cannot pause"):
        rs.pause(paused, T0 + 11, "carol")
    resumed = rs.resume(paused, T0 + 100, "carol")
    assert (resumed.phase, resumed.bake_left(T0 + 100)) == ("rolling", 3600)
    with pytest.raises(rs.RolloutError, match="not paused"):
        rs.resume(resumed, T0 + 101, "carol")


def test_promote_and_abort(rolling: rs.RolloutState) -> None:
    done = rs.promote(rolling, T0 + 5, "dave")
    assert (done.phase, set(done.routes.values())) == ("done", {100})
    with pytest.raises(rs.RolloutError, match="cannot promote"):
        rs.promote(done, T0 + 6, "dave")
    aborted = rs.abort(rolling, T0 + 5, "pager", "5XX on Rust")  # stickiness off, always
    assert (aborted.phase, aborted.emergency, set(aborted.routes.values())) == (
        "aborted", True, {0})
    assert aborted.summary == "emergency: R 0, not sticky; aborted"
    with pytest.raises(rs.RolloutError, match="abort needs a reason"):
        rs.abort(rolling, T0, "x", " ")


def test_a_rollout_can_start_again_after_an_abort(rolling: rs.RolloutState) -> None:
    aborted = rs.abort(rolling, T0 + 5, "pager", "5XX")
    again = rs.start(aborted, (1, 100), 600, (), T0 + 99, "alice", "retry")
    assert (again.phase, again.emergency, set(again.routes.values())) == ("rolling", False, {1})


@pytest.mark.parametrize(("raw", "message"), [
    ("5,5,10", "must increase strictly"),
    ("10,5", "must increase strictly"),
    ("0,5", "outside 1..100"),
    ("5,101", "outside 1..100"),
    ("five", "must be whole numbers (0-9)"),
    ("", "steps are empty"),
    ("5,,100", "must be whole numbers (0-9) separated by single commas"),
    ("\uff15,10", "must be whole numbers (0-9)"),  # a full-width 5
    ("5,10,", "must be whole numbers (0-9)"),
    ("5,10", "end at 10: a rollout ends with Rust at 100"),
])
def test_bad_steps(raw: str, message: str) -> None:
    with pytest.raises(rs.RolloutError, match=re.escape(message)):
        rs.parse_steps(raw)


@pytest.mark.parametrize("raw", ["0", "0s", "-5m", "1y", "", "soon"])
def test_bad_bake(raw: str) -> None:
    with pytest.raises(rs.RolloutError, match="is not a duration of at least 1 s"):
        rs.parse_duration(raw)


def test_durations() -> None:
    assert [rs.parse_duration(d) for d in ("90s", "30m", "1h", "2d", "45")] == [
        90, 1800, 3600, 172800, 45]


def test_nothing_moves_without_a_rollout(idle: rs.RolloutState) -> None:
    for move in (lambda: rs.advance(idle, T0, GREEN, "x"), lambda: rs.pause(idle, T0, "x"),
                 lambda: rs.resume(idle, T0, "x"), lambda: rs.promote(idle, T0, "x")):
        with pytest.raises(rs.RolloutError, match=r"phase idle"):
            move()
    assert rs.tick(idle, T0, GREEN, "cron", POLICY) == (
        idle, rs.Decision("nothing", "phase idle: nothing to do"))


def test_two_starts_and_unknown_routes_are_refused(rolling: rs.RolloutState,
                                                   idle: rs.RolloutState) -> None:
    with pytest.raises(rs.RolloutError, match="a rollout is already rolling at step 1/5"):
        rs.start(rolling, STEPS, 60, (), T0, "a", "")
    with pytest.raises(rs.RolloutError, match=r"unknown or unweighted route.*'submit-passport'"):
        rs.start(idle, STEPS, 60, ("submit-passport",), T0, "a", "")


def test_tick_waits_advances_and_aborts(rolling: rs.RolloutState) -> None:
    same, decision = rs.tick(rolling, T0 + 10, GREEN, "cron", POLICY)
    assert same == rolling and decision.action == "wait" and "bake: 3590 s" in decision.why
    moved, decision = rs.tick(rolling, T0 + 3600, GREEN, "cron", POLICY)
    assert decision.action == "advance" and moved.step == 1
    again, decision = rs.tick(moved, T0 + 3600, GREEN, "cron", POLICY)  # idempotent in bake
    assert again == moved and decision.action == "wait"
    red = route_verdicts("ceramic-cache-bulk-post", window(1), stream(minute(1000, 1), 1),
                         stream(minute(1000, 50), 1),
                         tuple(g for g in GATES if g.scope == "route"), Budget(1e-4, 240))
    scoped, decision = rs.tick(rolling, T0 + 60, red, "cron", POLICY)  # abort_scope routes
    assert decision.action == "abort" and decision.routes == ("ceramic-cache-bulk-post",)
    assert (scoped.phase, scoped.emergency, scoped.aborted_routes) == (
        "rolling", False, ("ceramic-cache-bulk-post",))
    assert ("gate 5xx of ceramic-cache-bulk-post is red: Rust 50/1000 (5.000 %) vs Python "
            "1/1000 (0.100 %): e ") in scoped.reason
    again, decision = rs.tick(scoped, T0 + 61, red, "cron", POLICY)  # its route is out now
    assert again == scoped and decision.action == "wait"
    aborted, decision = rs.tick(rolling, T0 + 60, red, "cron",
                                replace(POLICY, abort_scope="all"))
    assert decision.action == "abort" and aborted.phase == "aborted" and not aborted.emergency
    assert set(aborted.aborted_routes) == set(rolling.rollout_routes)
    assert set(aborted.routes.values()) == {0}
    nothing, decision = rs.tick(aborted, T0 + 61, red, "cron", POLICY)
    assert nothing == aborted and decision.action == "nothing"


def test_the_state_round_trips_and_bad_documents_are_refused(rolling: rs.RolloutState) -> None:
    assert rs.RolloutState.from_json(rolling.to_json()) == rolling
    with pytest.raises(rs.RolloutError, match="not a rollout document"):
        rs.RolloutState.from_json("{not json")
    broken = replace(rolling, routes={"x": 101})
    with pytest.raises(rs.RolloutError, match="R of route 'x' is 101"):
        rs.RolloutState.from_json(broken.to_json())


@pytest.mark.parametrize(("change", "message"), [
    ({"rollout_routes": ["no-such-route"]},
     "rollout_routes names route(s) 'no-such-route' that routes does not hold"),
    ({"step_started_at": "yesterday"}, "step_started_at is 'yesterday'; it must be epoch"),
    ({"steps": []}, "phase rolling needs steps"),
    ({"bake_s": -5}, "bake_s is -5; it must be an integer of at least 1"),
    ({"steps": [10, 5]}, "steps [10, 5] must increase strictly"),
    ({"emergency": "yes"}, "emergency is 'yes'; it must be true or false"),
    ({"step": 7}, "step 7 is outside the 5 steps"),
    ({"routes": ["a"]}, "routes ['a'] must be an object"),
    ({"colour": "red"}, "unknown field(s) colour"),
])
def test_a_corrupt_document_is_refused_naming_the_field(rolling: rs.RolloutState,
                                                       change: dict[str, object],
                                                       message: str) -> None:
    document = {**json.loads(rolling.to_json()), **change}
    with pytest.raises(rs.RolloutError, match=re.escape(message)):
        rs.RolloutState.from_json(json.dumps(document))


def test_the_persisted_state_decides_the_environments_weights(
        rolling: rs.RolloutState) -> None:
    config = rs.applied_to(PRODUCTION, rolling)
    assert config.route_rust_percent == tuple(sorted(rolling.routes.items()))
    assert rs.parameter_name(PRODUCTION) == "/scorer/production/rust-rollout"


def test_gates_that_share_a_reason_read_as_one_line() -> None:
    few = "requests Python 0, Rust 0: below 100 on a side"
    verdicts = [Verdict(route, gate, "inconclusive", few)
                for route in ("a", "b") for gate in ("5xx", "p99")]
    verdicts.append(Verdict("c", "5xx", "red", "Rust 9.00 % > Python 0.00 % + 0.5 pp"))
    assert rs.gate_lines(verdicts) == [
        f"gates 5xx, p99 of 2 routes are inconclusive: {few}",
        "gate 5xx of c is red: Rust 9.00 % > Python 0.00 % + 0.5 pp"]


def test_a_route_made_weighted_enters_at_0_and_a_removed_one_leaves(
        rolling: rs.RolloutState) -> None:
    """The trap: a document without a weighted route's key blocked every routing deploy."""
    keys = tuple(sorted(rolling.routes))
    new_key, gone = "a-route-made-weighted", keys[0]
    weighted = (*keys[1:], new_key)
    moved = rs.reconciled(rolling, weighted, T0 + 5, "deploy")
    assert moved.routes == {**{k: rolling.routes[k] for k in keys[1:]}, new_key: 0}
    assert moved.rollout_routes == tuple(k for k in rolling.rollout_routes if k != gone)
    assert new_key not in moved.rollout_routes and moved.phase == "rolling"
    assert moved.reason == (f"reconciled with the route table: added {new_key} at R 0 (new "
                            f"weighted routes); removed {gone} (no longer weighted)")
    assert rs.reconciled(moved, weighted, T0 + 6, "deploy") == moved  # nothing more to do
    joined = rs.start(rs.abort(moved, T0 + 7, "op", "again"), (5, 10), 60, (new_key,),
                      T0 + 8, "op", "")
    assert joined.routes[new_key] == 5  # it joins a rollout through start --routes


def test_a_rollout_that_loses_all_its_routes_goes_idle(idle: rs.RolloutState) -> None:
    key = sorted(idle.routes)[0]
    rolling = rs.start(idle, (5, 10), 60, (key,), T0, "op", "")
    left = rs.reconciled(rolling, tuple(k for k in idle.routes if k != key), T0 + 1, "deploy")
    assert (left.phase, left.rollout_routes, left.steps) == ("idle", (), ())


@pytest.mark.parametrize(("reason", "message"), [
    ("ok\n2026-01-01T00:00:00  root\n    R 0 -> R 100", "holds a line break"),
    ("tab\there", "another control character"),
    ("x" * (rs.REASON_MAX + 1), f"reason is {rs.REASON_MAX + 1} characters, more than"),
])
def test_a_reason_is_one_bounded_line(reason: str, message: str) -> None:
    assert message in (rs.reason_problem(reason) or "")


def test_a_reason_at_the_limit_is_fine() -> None:
    assert rs.reason_problem("x" * rs.REASON_MAX) is None
    assert rs.reason_problem("ticket 123: Rust is no worse than Python") is None


INCONCLUSIVE = [alarm_verdict([]), Verdict("ceramic-cache-bulk-post", "5xx", "inconclusive",
                                           "Rust 12 requests < 100")]


@pytest.mark.parametrize("policy", ["pause", "abort"])
def test_inconclusive_gates_past_the_progress_deadline_apply_the_policy(
        rolling: rs.RolloutState, policy: str) -> None:
    chosen = replace(POLICY, inconclusive=policy, progress_deadline_s=1800)  # type: ignore[arg-type]
    deadline = T0 + rolling.bake_s + 1800
    same, decision = rs.tick(rolling, deadline - 1, INCONCLUSIVE, "controller", chosen)
    assert same == rolling and decision.action == "wait"
    moved, decision = rs.tick(rolling, deadline, INCONCLUSIVE, "controller", chosen)
    assert decision.action == policy and moved.phase == {"pause": "paused",
                                                         "abort": "aborted"}[policy]
    assert "progress deadline" in moved.reason and "Rust 12 requests < 100" in moved.reason


def test_an_automatic_abort_acts_during_the_final_bake_after_done_and_not_later(
        rolling: rs.RolloutState) -> None:
    done = rs.promote(rolling, T0 + 100, "dave")
    red = [alarm_verdict(["scorer-local-l-rust-5xx"])]
    assert rs.decide(done, T0 + 100 + POLICY.final_bake_s - 1, red, POLICY).action == "abort"
    assert rs.decide(done, T0 + 100 + POLICY.final_bake_s, red, POLICY).action == "nothing"
    assert rs.in_final_bake(done, T0 + 101, POLICY.final_bake_s)
    assert not rs.in_final_bake(rs.abort(done, T0 + 101, "x", "y"), T0 + 102, 3600)


def test_a_red_gate_aborts_a_paused_rollout_too(rolling: rs.RolloutState) -> None:
    paused = rs.pause(rolling, T0 + 10, "carol")
    red = [alarm_verdict(["scorer-local-l-rust-5xx"])]
    assert rs.decide(paused, T0 + 20, red, POLICY).action == "abort"


def test_an_abort_recorded_over_no_document_holds_every_route_at_zero() -> None:
    keys = tuple(sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED))
    aborted = rs.aborted_over(keys, T0, "pager", "no state")
    assert aborted.problems() == [] and aborted.phase == "aborted" and aborted.emergency
    assert aborted.routes == dict.fromkeys(keys, 0)


def test_a_controller_reason_is_one_bounded_line() -> None:
    line = rs.bounded("a\nb" + "x" * 5000)
    assert line.isprintable() and len(line) == rs.RECORD_MAX and line.startswith("a b")


# per-route aborts (ControllerPolicy.abort_scope) -----------------------------------------
def _red(route: str, gate: str = "5xx") -> Verdict:
    return Verdict(route, gate, "red", "Rust 5.000 % > 0.600 %")


def test_a_per_route_abort_holds_those_routes_and_the_rollout_of_the_others_goes_on(
    rolling: rs.RolloutState
) -> None:
    first, second, *others = rolling.rollout_routes
    scoped = rs.abort_routes(rolling, (first,), T0 + 60, "rollout controller", "5xx red")
    assert (scoped.routes[first], scoped.aborted_routes, scoped.phase) == (0, (first,),
                                                                          "rolling")
    assert scoped.rollout_routes == (second, *others) and not scoped.emergency
    assert {scoped.routes[k] for k in (second, *others)} == {STEPS[0]}
    assert f"1 route(s) aborted: {first}, R 0, not sticky" in scoped.summary
    advanced = rs.advance(scoped, T0 + 3600, GREEN, "bob")  # the others move on, not it
    assert advanced.routes[first] == 0 and advanced.routes[second] == STEPS[1]
    assert advanced.aborted_routes == (first,)
    again = rs.abort_routes(advanced, (first,), T0 + 3601, "abort function", "alarm")
    assert again == advanced  # aborted already: nothing to record
    config = rs.applied_to(PRODUCTION, advanced)
    assert config.rollback_routes == (first,) and not config.emergency_rollback
    from model.rollout.controls import effective_routes

    rendered = {r.key: r.action for r in effective_routes(config, ROUTES) if r.action.weighted}
    assert (rendered[first].rust_percent, rendered[first].sticky) == (0, False)
    assert (rendered[second].rust_percent, rendered[second].sticky) == (STEPS[1], True)


def test_aborting_every_route_of_the_rollout_aborts_it_and_start_clears_it(
    rolling: rs.RolloutState
) -> None:
    state = rolling
    for key in rolling.rollout_routes:
        assert state.phase == "rolling"
        state = rs.abort_routes(state, (key,), T0 + 60, "rollout controller", f"{key} red")
    assert (state.phase, state.emergency, set(state.aborted_routes)) == (
        "aborted", False, set(rolling.rollout_routes))
    with pytest.raises(rs.RolloutError, match="cannot advance"):
        rs.advance(state, T0 + 3600, GREEN, "bob", force=True)
    again = rs.start(state, STEPS, 3600, (), T0 + 7200, "alice", "again")
    assert again.aborted_routes == () and set(again.routes.values()) == {STEPS[0]}


def test_a_route_promoted_by_an_earlier_rollout_stays_under_both_scopes(
    idle: rs.RolloutState
) -> None:
    promoted, *rest = sorted(idle.routes)
    done = rs.promote(rs.start(idle, (50, 100), 60, (promoted,), T0, "a", ""), T0 + 1, "a")
    later = rs.start(done, STEPS, 60, tuple(rest), T0 + 10_000, "a", "")
    for scope in ("routes", "all"):
        red = [_red(rest[0]), alarm_verdict(["x"])]  # a function-wide red verdict: all
        state, decision = rs.tick(later, T0 + 10_060, red, "rollout controller",
                                  replace(POLICY, abort_scope=scope))  # type: ignore[arg-type]
        assert decision.action == "abort" and set(decision.routes) == set(rest)
        assert (state.phase, state.routes[promoted]) == ("aborted", 100), scope
        assert promoted not in state.aborted_routes
    # a red verdict of the promoted route (outside the rollout) holds nothing
    kept, decision = rs.tick(later, T0 + 10_060, [_red(promoted)], "c", POLICY)
    assert decision.action == "wait" and kept == later


def test_abort_targets_follow_the_scope(rolling: rs.RolloutState) -> None:
    first, second, *_ = rolling.rollout_routes
    red = [_red(first), _red(second, "p99")]
    assert rs.abort_targets(rolling, red, "routes") == (first, second)
    assert rs.abort_targets(rolling, red, "all") == rolling.rollout_routes
    wide = [_red(first), Verdict("(all)", "alarms", "red", "in ALARM: x")]
    assert rs.abort_targets(rolling, wide, "routes") == rolling.rollout_routes


def test_the_aborted_routes_are_read_checked_and_follow_the_route_table(
    rolling: rs.RolloutState
) -> None:
    first = rolling.rollout_routes[0]
    scoped = rs.abort_routes(rolling, (first,), T0 + 60, "c", "red")
    assert rs.RolloutState.from_json(scoped.to_json()) == scoped
    older = json.loads(rolling.to_json())
    del older["aborted_routes"]  # a document written before the field
    assert rs.RolloutState.from_json(json.dumps(older)).aborted_routes == ()
    for bad, says in [
        (replace(scoped, routes={**scoped.routes, first: 5}), f"aborted route(s) '{first}' must "
                                                              "be at R 0"),
        (replace(scoped, aborted_routes=("nope",)), "aborted_routes names route(s) 'nope'"),
        (replace(scoped, rollout_routes=rolling.rollout_routes),
         f"route(s) '{first}' are both aborted and in rollout_routes"),
    ]:
        with pytest.raises(rs.RolloutError, match=re.escape(says)):
            rs.RolloutState.from_json(bad.to_json())
    left = rs.reconciled(scoped, tuple(k for k in scoped.routes if k != first), T0 + 61, "d")
    assert left.aborted_routes == () and first not in left.routes


def test_the_progress_deadline_abort_is_every_rollout_route(rolling: rs.RolloutState) -> None:
    unsure = [Verdict(rolling.rollout_routes[0], "p99", "inconclusive", "few requests")]
    late = T0 + 3600 + POLICY.progress_deadline_s
    state, decision = rs.tick(rolling, late, unsure, "c", replace(POLICY, inconclusive="abort"))
    assert decision.routes == rolling.rollout_routes and state.phase == "aborted"
    assert not state.emergency
