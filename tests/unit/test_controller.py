"""The rollout controller (``ops/controller/rollout.py``) on the fakes: transitions recorded by
conditional writes and verified on every rule, aborts that win and survive a failed record,
repairs of live weights that differ from the record, each notified."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.alarm_policy import TARGET_5XX
from model.catalog.gates import GATES, REQUEST_COUNT
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.rollout.gates import Series, reads
from model.routing.view import target_group_names
from ops.adapters.alb import MARK_TAG, Router, target_group_name
from ops.adapters.store import RolloutStore, StaleState
from ops.controller.rollout import AbortNotRecorded, Rollout
from tests.helpers.fakes import FakeAccount, NoWrites
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

LOCAL = replace(ENVIRONMENTS["local"], canary_routes=())
T0 = 1_800_000_000
WEIGHTED = sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED)


def account_at(state: rs.RolloutState | None = None) -> FakeAccount:
    account = FakeAccount()
    account.deploy(LOCAL, state if state is not None else
                   rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES))
    return account


def rollout_of(account: FakeAccount, actor: str = "alice") -> Rollout:
    return Rollout.of(LOCAL, account, actor=actor)


def rust_weights(account: FakeAccount) -> dict[str, tuple[int, bool]]:
    """Weighted route key -> (live Rust weight, sticky)."""
    return account.rust_weights(LOCAL, set(WEIGHTED))


def marks(account: FakeAccount) -> int:
    return len(account.marked(MARK_TAG))


def test_the_fake_account_holds_every_weighted_rule() -> None:
    assert sorted(rust_weights(account_at())) == WEIGHTED


def test_start_and_advance_are_recorded_verified_and_notified() -> None:
    account = account_at()
    rollout = rollout_of(account)
    outcome = rollout.transition("start", T0, steps="5,10,100", bake="60s")
    assert set(rust_weights(account).values()) == {(5, True)}
    assert outcome.problems == [] and len(outcome.lines) == len(WEIGHTED)
    with pytest.raises(rs.RolloutError, match="bake: 30 s of 60 s left"):
        rollout.transition("advance", T0 + 30)
    rollout.transition("advance", T0 + 30, force=True, reason="hurry")
    assert set(rust_weights(account).values()) == {(10, True)}
    history = rollout.history()
    assert [row["version"] for row in history] == [1, 2, 3]
    assert history[-1]["who"] == account.sts.arn  # the identity AWS answers, not a name
    assert history[-1]["why"] == "hurry (forced)"
    sent = [json.loads(m["Message"]) for m in account.sns.published]
    assert [m["transition"] for m in sent] == ["start", "advance"]
    assert sent[-1]["who"] == account.sts.arn and sent[-1]["to"].startswith("R 10")


def test_a_write_based_on_a_stale_read_is_refused() -> None:
    account = account_at()
    store = RolloutStore(account.dynamodb, LOCAL.rollout_table_name())
    head = store.require()
    store.write(head.state.recorded(T0, "a", "first"), head.version, T0)
    with pytest.raises(StaleState):
        store.write(head.state.recorded(T0, "b", "second"), head.version, T0)
    assert [e.state.reason for e in store.history() if e.state][-1] == "first"


def test_an_advance_computed_before_an_abort_is_recomputed_and_refused() -> None:
    account = account_at()
    rollout = rollout_of(account)
    rollout.transition("start", T0, steps="5,10,100", bake="60s")
    original = rollout.store.write
    aborted_first = []

    def write_after_an_abort(state: rs.RolloutState, expected: int | None, now: int) -> int:
        if not aborted_first:  # another writer records an abort between read and write
            aborted_first.append(True)
            rollout_of(account, "pager").abort(now, "pager: 5XX")
        return original(state, expected, now)

    rollout.store.write = write_after_an_abort  # type: ignore[method-assign]
    with pytest.raises(rs.RolloutError, match=r"cannot advance: .*\(phase aborted\)"):
        rollout.transition("advance", T0 + 120, force=True)
    assert set(rust_weights(account).values()) == {(0, False)}
    assert rollout.store.require().state.phase == "aborted"


def test_an_abort_whose_record_fails_leaves_marks_and_the_controller_records_it() -> None:
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,100", bake="60s")
    broken = rollout_of(account, "bob")

    broken.store.dynamodb = NoWrites(  # type: ignore[assignment]
        account.dynamodb, "AccessDenied: dynamodb:TransactWriteItems")
    with pytest.raises(AbortNotRecorded, match=r"listeners are at Python .* each marked"):
        broken.abort(T0 + 5, "Rust 5XX")
    assert set(rust_weights(account).values()) == {(0, False)}
    assert marks(account) == len(WEIGHTED)
    assert rollout_of(account).store.require().state.phase == "rolling"  # not recorded
    with pytest.raises(rs.RolloutError, match="abort mark"):  # nothing raises meanwhile
        rollout_of(account).transition("start", T0 + 6, steps="5,100")
    outcome = rollout_of(account, "rollout controller").reconcile(T0 + 60)
    assert outcome.action == "abort" and "found an abort on" in outcome.state.reason
    assert marks(account) == 0
    assert rollout_of(account).store.require().state.phase == "aborted"
    assert set(rust_weights(account).values()) == {(0, False)}


def test_a_modify_rule_failing_halfway_through_an_abort_is_finished_by_the_next_run() -> None:
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,100", bake="60s")
    calls = {"n": 0}
    modify = account.elbv2.modify_rule

    def fail_on_the_fourth(**kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("Throttling: rate exceeded")
        modify(**kwargs)  # type: ignore[arg-type]

    account.elbv2.modify_rule = fail_on_the_fourth  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="Throttling"):
        rollout_of(account).abort(T0 + 5, "Rust 5XX")
    weights = rust_weights(account)
    assert sorted(w for w, _ in weights.values()).count(0) == 3  # half applied
    assert marks(account) == len(WEIGHTED)  # but every rule was marked first
    account.elbv2.modify_rule = modify  # type: ignore[method-assign]
    rollout_of(account, "rollout controller").reconcile(T0 + 60)
    assert set(rust_weights(account).values()) == {(0, False)} and marks(account) == 0
    assert rollout_of(account).store.require().state.phase == "aborted"


@pytest.mark.parametrize("head", ["corrupt", "missing"])
def test_an_abort_is_recorded_over_a_corrupt_or_missing_state(head: str) -> None:
    account = account_at(rs.initial_state(replace(LOCAL, rust_percent=30), ROUTES))
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    if head == "corrupt":
        table[("rust-rollout", 0)]["document"] = {"S": '{"routes": {"x": "y"}}'}
    else:
        del table[("rust-rollout", 0)]
    outcome = rollout_of(account).abort(T0, "Rust 5XX")
    assert set(rust_weights(account).values()) == {(0, False)}
    recorded = rollout_of(account).store.require()
    assert recorded.state.phase == "aborted" and recorded.version == 2
    assert sorted(recorded.state.routes) == WEIGHTED
    assert ("unreadable" if head == "corrupt" else "no rollout state") in outcome.state.reason


def test_a_hand_edit_is_repaired_recorded_and_notified() -> None:
    account = account_at()
    rollout_of(account).transition("start", T0, steps="10,100", bake="1h")
    router = Router(account.elbv2, LOCAL)
    live = router.live()
    (rule, *_), = [[r for r in rules if r.key == WEIGHTED[0]] for rules in live.values()
                   if any(r.key == WEIGHTED[0] for r in rules)]
    forward = json.loads(json.dumps(rule.action))
    for group in forward["ForwardConfig"]["TargetGroups"]:
        group["Weight"] = 50
    account.elbv2.modify_rule(RuleArn=rule.arn, Actions=[forward])
    outcome = rollout_of(account, "rollout controller").reconcile(T0 + 60)
    assert outcome.action == "repair" and WEIGHTED[0] in outcome.state.reason
    assert set(rust_weights(account).values()) == {(10, True)}
    assert json.loads(account.sns.published[-1]["Message"])["transition"] == "repair"
    assert rollout_of(account).reconcile(T0 + 61).action == "wait"  # nothing left to repair


def test_a_half_applied_advance_is_finished() -> None:
    account = account_at()
    rollout = rollout_of(account)
    rollout.transition("start", T0, steps="5,10,100", bake="60s")
    modify = account.elbv2.modify_rule
    calls = {"n": 0}

    def die_after_five(**kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("killed")
        modify(**kwargs)  # type: ignore[arg-type]

    account.elbv2.modify_rule = die_after_five  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="killed"):
        rollout.transition("advance", T0 + 61, force=True)
    assert sorted({w for w, _ in rust_weights(account).values()}) == [5, 10]
    account.elbv2.modify_rule = modify  # type: ignore[method-assign]
    assert rollout_of(account).status(T0 + 62)["drift"]  # status shows live beside recorded
    with pytest.raises(rs.RolloutError, match=r"advance refused: 6 rule\(s\) differ from the "
                                              "record"):  # nothing overwrites them silently
        rollout.transition("advance", T0 + 62, force=True)
    outcome = rollout_of(account, "rollout controller").reconcile(T0 + 62)
    assert outcome.action == "repair"
    assert set(rust_weights(account).values()) == {(10, True)}


def test_start_is_refused_while_a_rust_alarm_is_in_alarm() -> None:
    account = account_at()
    names = target_group_names(LOCAL)
    rust = sorted({names[split[1]] for r in ROUTES if (split := r.action.split())})[0]
    account.cloudwatch.in_alarm = [LOCAL.alarm_name(rust, "target-5xx-ratio-burst")]
    with pytest.raises(rs.RolloutError, match="start refused: 1 Rust alarm"):
        rollout_of(account).transition("start", T0, steps="5,100")
    assert set(rust_weights(account).values()) == {(0, True)}
    assert len(rollout_of(account).store.history()) == 1


def test_a_run_with_nothing_to_do_writes_nothing() -> None:
    account = account_at()
    before = len(account.dynamodb.calls)
    outcome = rollout_of(account, "rollout controller").reconcile(T0)
    assert outcome.action == "nothing" and account.elbv2.calls == []
    assert "transact_write_items" not in account.dynamodb.calls[before:]
    assert account.sns.published == []


def test_a_missing_rule_is_reported_and_not_repaired_every_run() -> None:
    account = account_at()
    (arn,) = [rule["RuleArn"] for rules in account.elbv2.rules.values() for rule in rules
              if {"Key": "Route", "Value": WEIGHTED[0]} in rule["Tags"]]
    account.elbv2.delete_rule(RuleArn=arn)
    for minute in range(3):
        outcome = rollout_of(account, "rollout controller").reconcile(T0 + 60 * minute)
        assert outcome.action == "nothing"
        assert outcome.problems == [f"{WEIGHTED[0]}: no live rule carries its Route tag"]
    assert len(rollout_of(account).store.history()) == 1  # nothing written


def test_deployed_canaries_are_found_by_their_tags_moved_to_python_and_back() -> None:
    with_canary = replace(LOCAL, canary_routes=(WEIGHTED_WITH_CANARY,))
    account = FakeAccount()
    account.deploy(with_canary, rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES))
    names = target_group_names(LOCAL)

    def canary_target() -> str:
        (rule,) = [r for rules in account.elbv2.rules.values() for r in rules
                   if {"Key": "Route", "Value": f"{WEIGHTED_WITH_CANARY}-canary"} in r["Tags"]]
        return target_group_name(rule["Actions"][0]["TargetGroupArn"])

    rust = {names[split[1]] for r in ROUTES if (split := r.action.split())}
    assert canary_target() in rust
    rollout = rollout_of(account)  # LOCAL: it is not told about the canary
    rollout.abort(T0, "Rust 5XX")
    assert canary_target() not in rust
    rollout.transition("start", T0 + 1, steps="5,100")
    assert canary_target() in rust
    assert rollout.router.verify_weights(rs.applied_to(LOCAL, rollout.store.require().state)) == []


WEIGHTED_WITH_CANARY = next(r.key for r in ROUTES if r.action.weighted and r.canary is not None)


def test_an_abort_does_not_undo_a_start_recorded_after_it() -> None:
    """Found by the interleaving tests: an abort that finds the state aborted already (or
    records it) and then sees other weights on its read back used to roll back once more,
    even when those weights were a start's recorded after the abort; the start had verified
    them and returned, so the listeners stayed at Rust 0 under a rolling record."""
    account = account_at(rs.abort(rs.initial_state(LOCAL, ROUTES), T0, "pager", "Rust 5XX"))
    late = rollout_of(account, "carol")
    clear = late.router.clear_marks
    started = []

    def clear_then_a_start(*args: object) -> int:
        cleared = clear()
        if not started:  # another operator starts again between the clear and the read back
            started.append(rollout_of(account, "dave").transition("start", T0 + 1,
                                                                    steps="5,100"))
        return cleared

    late.router.clear_marks = clear_then_a_start  # type: ignore[method-assign]
    outcome = late.abort(T0 + 1, "operator: Rust 5XX")
    head = rollout_of(account).store.require()
    assert head.state.phase == "rolling" and head.version == 2
    assert set(rust_weights(account).values()) == {(5, True)}
    assert marks(account) == 0 and "was recorded after this abort" in outcome.lines[-1]


def test_an_abort_clears_its_own_and_older_marks_never_those_of_a_later_abort() -> None:
    """A's record covers the aborts that marked before it began, not one that marked after
    it (B, after a start recorded since, whose own record then fails): B's marks stay for
    the controller, which records B's abort."""
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,100", bake="60s")
    old = "1 an abort whose record failed"
    rules = [r["RuleArn"] for rules in account.elbv2.rules.values() for r in rules
             if any(t["Key"] == "Route" and t["Value"] in WEIGHTED for t in r["Tags"])]
    account.elbv2.add_tags(ResourceArns=rules[:1], Tags=[{"Key": MARK_TAG, "Value": old}])
    a = rollout_of(account, "carol")
    clear = a.router.clear_marks

    def b_marks_first(values: set[str] | None = None,
                      routes: tuple[str, ...] | None = None) -> int:
        assert values is not None and old in values  # A's record covers the older abort
        account.elbv2.add_tags(ResourceArns=rules[1:3], Tags=[{"Key": MARK_TAG,
                                                                 "Value": "later abort B"}])
        a.router.clear_marks = clear  # type: ignore[method-assign]
        return clear(values, routes)

    a.router.clear_marks = b_marks_first  # type: ignore[method-assign]
    a.abort(T0 + 5, "Rust 5XX")
    assert marks(account) == 2  # B's, and only B's
    rollout_of(account, "rollout controller").reconcile(T0 + 60)
    assert marks(account) == 0


@pytest.mark.parametrize("document", [
    '{"routes": {}, "bake_s": 1' + "0" * 5000 + "}",  # past Python's int digit limit
    "[" * 100_000 + "]" * 100_000,  # nested past the recursion limit
    '{"routes": {}, "rollout_routes": [[1]]}',  # an unhashable route key
], ids=["huge-int", "deep", "unhashable"])
def test_an_abort_is_recorded_over_a_head_no_json_reader_survives(document: str) -> None:
    account = account_at(rs.initial_state(replace(LOCAL, rust_percent=30), ROUTES))
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    table[("rust-rollout", 0)]["document"] = {"S": document}
    outcome = rollout_of(account).abort(T0, "Rust 5XX")
    assert "unreadable" in outcome.state.reason
    assert rollout_of(account).store.require().state.phase == "aborted"
    assert len(rollout_of(account).history()) == 2  # the history reads past it too


def test_a_recorded_transition_is_notified_when_the_listeners_fail_after_the_record() -> None:
    account = account_at()
    rollout = rollout_of(account)
    rollout.transition("start", T0, steps="5,10,100", bake="60s")
    modify = account.elbv2.modify_rule

    def throttled(**_: object) -> None:
        raise RuntimeError("Throttling: rate exceeded")

    account.elbv2.modify_rule = throttled  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="Throttling"):
        rollout.transition("advance", T0 + 61, force=True)
    account.elbv2.modify_rule = modify  # type: ignore[method-assign]
    assert rollout.store.require().state.step == 1  # recorded
    sent = [json.loads(m["Message"])["transition"] for m in account.sns.published]
    assert sent == ["start", "advance"]


def test_an_abort_is_recorded_over_a_head_item_without_a_version_number() -> None:
    account = account_at(rs.initial_state(replace(LOCAL, rust_percent=30), ROUTES))
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    del table[("rust-rollout", 0)]["head"]
    rollout_of(account).abort(T0, "Rust 5XX")
    recorded = rollout_of(account).store.require()
    assert (recorded.state.phase, recorded.version) == ("aborted", 2)
    assert set(rust_weights(account).values()) == {(0, False)}


def test_a_missing_rule_refuses_a_raise_and_names_the_deploy_not_tick() -> None:
    account = account_at()
    (arn,) = [rule["RuleArn"] for rules in account.elbv2.rules.values() for rule in rules
              if {"Key": "Route", "Value": WEIGHTED[0]} in rule["Tags"]]
    account.elbv2.delete_rule(RuleArn=arn)
    with pytest.raises(rs.RolloutError, match=r"1 weighted rule\(s\) are not on the listeners "
                                              r".*\(pipenv run deploy --env local --parts "):
        rollout_of(account).transition("start", T0, steps="5,100")
    assert len(rollout_of(account).store.history()) == 1


def test_an_actor_of_any_length_is_one_short_line() -> None:
    rollout = Rollout.of(LOCAL, account_at(), actor="x\n" * 500)
    assert rollout.actor.isprintable() and len(rollout.actor) <= 100


def test_the_history_keeps_every_version_past_ssm_s_hundred() -> None:
    account = account_at()
    rollout = rollout_of(account)
    for n in range(120):
        head = rollout.store.require()
        rollout.store.write(head.state.recorded(T0 + n, "alice", f"note {n}"), head.version,
                            T0 + n)
    history = rollout.history()
    assert [row["version"] for row in history] == list(range(1, 122))
    assert history[1]["why"] == "note 0" and history[-1]["why"] == "note 119"


def test_routes_rollback_records_its_abort_over_a_corrupt_state(
        capsys: pytest.CaptureFixture[str]) -> None:
    from ops.cli.routes import main as routes

    account = account_at(rs.initial_state(replace(LOCAL, rust_percent=30), ROUTES))
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    table[("rust-rollout", 0)]["document"] = {"S": "{broken"}
    assert routes(["rollback", "--env", "local"], clients=account) == 0
    assert set(rust_weights(account).values()) == {(0, False)}
    assert rollout_of(account).store.require().state.phase == "aborted"
    assert "recorded in the rollout state store" in capsys.readouterr().out


# per-route aborts (ControllerPolicy.abort_scope) -----------------------------------------
def test_a_red_gate_on_one_route_aborts_that_route_alone_and_the_others_roll_on() -> None:
    """abort_scope routes: the red route's rule at Rust 0, not sticky, recorded out of the
    rollout and notified; every other rule untouched; the next step moves the others."""
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,50,100", bake="60s")
    bad = WEIGHTED[0]
    index = rollout_of(account).store.require().state.rollout_routes.index(bad)
    series = reads(tuple(g for g in GATES if g.scope == "route"))  # the query ids' order
    requests, errors = series.index(REQUEST_COUNT), series.index(Series(TARGET_5XX))
    for side in ("python", "rust"):
        account.cloudwatch.values[f"q{index}_{side}_{requests}"] = [1000.0]
    account.cloudwatch.values[f"q{index}_rust_{errors}"] = [100.0]  # its Rust 5XX: 10 %
    outcome = rollout_of(account, "rollout controller").reconcile(T0 + 30)
    assert outcome.action == "abort"
    head = rollout_of(account).store.require().state
    assert (head.phase, head.emergency, head.aborted_routes) == ("rolling", False, (bad,))
    live = rust_weights(account)
    assert live.pop(bad) == (0, False) and set(live.values()) == {(25, True)}
    assert marks(account) == 0
    note = json.loads(account.sns.published[-1]["Message"])
    assert note["transition"] == "abort" and f"gate 5xx of {bad} is red" in note["why"]
    rollout_of(account).transition("advance", T0 + 61, force=True, reason="others on")
    live = rust_weights(account)
    assert live.pop(bad) == (0, False) and set(live.values()) == {(50, True)}


def test_a_per_route_abort_marks_only_its_rules_and_a_failed_record_is_recorded_for_them(
) -> None:
    """The marks of a per-route abort whose record fails stand on its routes' rules only; the
    controller records them as an abort of those routes, not as an emergency."""
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,100", bake="60s")
    broken = rollout_of(account, "rollout-abort function")
    broken.store.dynamodb = NoWrites(account.dynamodb)  # type: ignore[assignment]
    chosen = tuple(WEIGHTED[:2])
    with pytest.raises(AbortNotRecorded):
        broken.abort(T0 + 5, "alarm", automatic=True, routes=chosen)
    live = rust_weights(account)
    assert {live.pop(k) for k in chosen} == {(0, False)} and set(live.values()) == {(25, True)}
    assert marks(account) == len(chosen)
    outcome = rollout_of(account, "rollout controller").reconcile(T0 + 60)
    assert outcome.action == "abort" and "found an abort on 2 rule(s)" in outcome.state.reason
    head = rollout_of(account).store.require().state
    assert (head.phase, head.emergency, head.aborted_routes) == ("rolling", False, chosen)
    assert marks(account) == 0
    live = rust_weights(account)
    assert {live.pop(k) for k in chosen} == {(0, False)} and set(live.values()) == {(25, True)}


def test_the_operators_abort_stays_the_emergency_of_every_weighted_rule() -> None:
    """``rollout abort`` (and ``routes rollback``) is the big red button: every weighted rule,
    promoted or aborted before, at Rust 0 and not sticky; the record says emergency."""
    account = account_at()
    rollout = rollout_of(account)
    promoted, *rest = WEIGHTED
    rollout.transition("start", T0, steps="100", routes=promoted)
    rollout.transition("promote", T0 + 1)
    rollout.transition("start", T0 + 10, steps="25,100", routes=",".join(rest))
    rollout.abort(T0 + 20, "operator: page")
    head = rollout.store.require().state
    assert (head.phase, head.emergency) == ("aborted", True)
    assert set(rust_weights(account).values()) == {(0, False)}


def test_a_per_route_abort_over_an_unreadable_state_is_the_emergency() -> None:
    account = account_at()
    rollout_of(account).transition("start", T0, steps="25,100", bake="60s")
    table = account.dynamodb.tables[LOCAL.rollout_table_name()]
    table[("rust-rollout", 0)]["document"] = {"S": "not json"}
    rollout_of(account, "rollout-abort function").abort(T0 + 5, "alarm", automatic=True,
                                                        routes=tuple(WEIGHTED[:1]))
    head = rollout_of(account).store.require().state
    assert (head.phase, head.emergency) == ("aborted", True)
    assert set(rust_weights(account).values()) == {(0, False)} and marks(account) == 0
