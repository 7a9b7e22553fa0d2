"""What a deploy synthesizes with (``ops/driver/deploy.py`` ``persisted_rollout``) on the
fakes: the recorded state, never one recreated from the environment file while the
environment's routing is live; an abort the listeners carry is recorded first; a first deploy
creates the state; an environment deployed before the store carries its SSM history over."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import ENVIRONMENTS, ROLLOUT_STATE_VARIABLE
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from ops.adapters.store import RolloutStore
from ops.controller.rollout import AbortNotRecorded, Rollout
from ops.driver.deploy import PersistedRollout, create_persisted, persisted_rollout
from ops.driver.preflight import Refused
from tests.helpers.fakes import FakeAccount, NoWrites

LOCAL = replace(ENVIRONMENTS["local"], canary_routes=())
RUNNING = rs.start(rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES), (10, 100), 600,
                   (), 1, "alice", "go")


def store(account: FakeAccount) -> RolloutStore:
    return RolloutStore(account.dynamodb, LOCAL.rollout_table_name())


def run(account: FakeAccount, env: dict[str, str] | None = None):  # noqa: ANN201
    said: list[str] = []
    return persisted_rollout(LOCAL, env or {}, said.append, account), said


def test_a_deploy_synthesizes_with_the_recorded_state() -> None:
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    persisted, said = run(account)
    assert rs.RolloutState.from_json(persisted.variables[ROLLOUT_STATE_VARIABLE]) == RUNNING
    assert persisted.create is None and any("keeping" in line for line in said)


def test_a_first_deploy_creates_the_state_from_the_environment() -> None:
    account = FakeAccount()  # no load balancer, no table: nothing is deployed yet
    persisted, _ = run(account)
    assert persisted.variables == {} and persisted.create == rs.initial_state(LOCAL, ROUTES)
    account.dynamodb.tables[LOCAL.rollout_table_name()] = {}  # the rollout stack applied
    create_persisted(LOCAL, persisted, {}, lambda _: None, account)
    assert store(account).require().state == persisted.create


def test_a_deleted_state_refuses_the_deploy_while_rules_are_live() -> None:
    account = FakeAccount()
    account.deploy(LOCAL)  # rules live, the table empty: the head item was deleted
    with pytest.raises(Refused, match=r"no rollout state .* weighted rule\(s\) of local are "
                                      r"live .* never recreates it from the environment file"):
        run(account)


def test_a_deleted_head_refuses_the_deploy_and_names_restore() -> None:
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    del account.dynamodb.tables[LOCAL.rollout_table_name()][("rust-rollout", 0)]
    with pytest.raises(Refused, match=r"history holds 1 version.*rollout restore"):
        run(account)
    store(account).restore(5, "head deleted by hand")
    assert store(account).require().state.routes == RUNNING.routes


def test_a_corrupt_state_refuses_the_deploy() -> None:
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    account.dynamodb.tables[LOCAL.rollout_table_name()][("rust-rollout", 0)]["document"] = {
        "S": '{"routes": []}'}
    with pytest.raises(Refused, match="a deploy never overwrites it"):
        run(account)


def test_an_abort_the_listeners_carry_is_recorded_before_the_deploy_synthesizes() -> None:
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    broken = Rollout.of(LOCAL, account, actor="bob")
    broken.store.dynamodb = NoWrites(account.dynamodb)  # type: ignore[assignment]
    with pytest.raises(AbortNotRecorded):
        broken.abort(10, "5XX")
    persisted, said = run(account)
    kept = rs.RolloutState.from_json(persisted.variables[ROLLOUT_STATE_VARIABLE])
    assert kept.phase == "aborted" and set(kept.routes.values()) == {0} and kept.emergency
    assert any("recorded an abort found on the listeners" in line for line in said)
    assert '"transition": "abort"' in account.sns.published[-1]["Message"]  # notified


def test_a_per_route_abort_the_listeners_carry_is_recorded_for_its_routes() -> None:
    """The marks of a per-route abort whose record failed: the deploy records an abort of
    those routes (the others keep their R), and synthesizes with it."""
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    broken = Rollout.of(LOCAL, account, actor="rollout-abort function")
    broken.store.dynamodb = NoWrites(account.dynamodb)  # type: ignore[assignment]
    chosen = RUNNING.rollout_routes[:1]
    with pytest.raises(AbortNotRecorded):
        broken.abort(10, "alarm", automatic=True, routes=chosen)
    persisted, _ = run(account)
    kept = rs.RolloutState.from_json(persisted.variables[ROLLOUT_STATE_VARIABLE])
    assert (kept.phase, kept.emergency, kept.aborted_routes) == ("rolling", False, chosen)
    assert {v for k, v in kept.routes.items() if k not in chosen} == {10}


def test_an_environment_deployed_before_the_store_carries_its_ssm_history_over() -> None:
    account = FakeAccount()
    account.deploy(LOCAL, table=False)
    first = rs.initial_state(LOCAL, ROUTES)
    for version in (first, replace(first, reason="second", at=2)):
        account.ssm.put_parameter(Name=rs.parameter_name(LOCAL), Value=version.to_json(),
                                  Type="String", Overwrite=True)
    persisted, said = run(account)
    assert any("carrying 2 version(s) over" in line for line in said)
    assert persisted.create is not None and persisted.create.reason == "second"
    assert len(persisted.carried) == 1
    account.dynamodb.tables[LOCAL.rollout_table_name()] = {}
    create_persisted(LOCAL, persisted, {}, lambda _: None, account)
    assert [e.state.reason for e in store(account).history() if e.state] == [
        first.reason, "second"]


def test_two_first_deploys_that_disagree_are_refused() -> None:
    account = FakeAccount()
    persisted, _ = run(account)
    account.dynamodb.tables[LOCAL.rollout_table_name()] = {}
    other = replace(persisted.create, routes=dict.fromkeys(persisted.create.routes, 7))
    store(account).write(other, None, 1)  # another deploy got there first
    with pytest.raises(Refused, match="created by another writer"):
        create_persisted(LOCAL, persisted, {}, lambda _: None, account)


def advanced_during_the_apply() -> tuple[FakeAccount, PersistedRollout, rs.RolloutState]:
    """A deploy that synthesized with R 10, and an advance recorded while it applied."""
    account = FakeAccount()
    account.deploy(LOCAL, RUNNING)
    persisted, _ = run(account)  # synthesized with R 10
    head = store(account).require()
    advanced = rs.advance(head.state, 10_000, [], "bob", "meanwhile", force=True)
    store(account).write(advanced, head.version, 10_000)  # recorded during the apply
    return account, persisted, advanced


def test_a_transition_recorded_while_the_routing_stack_applied_reaches_the_listeners() -> None:
    """The race of ``rollout start`` landing a few seconds into a routing deploy: the apply
    writes the weights it synthesized; the driver then sets the listeners to the head."""
    from ops.driver.deploy import _converge_after_apply

    account, persisted, advanced = advanced_during_the_apply()
    said: list[str] = []
    _converge_after_apply(LOCAL, persisted, {}, said.append, account)
    router = Rollout.of(LOCAL, account).router
    assert router.verify_weights(rs.applied_to(LOCAL, advanced)) == []
    assert any("changed while this deploy ran" in line for line in said), said


def test_after_the_apply_nothing_raises_rust_on_rules_an_unrecorded_abort_marked() -> None:
    """A transition recorded during the apply, then an abort whose record failed: the driver
    must not set the listeners to that transition over the abort's marks."""
    from ops.driver.deploy import _converge_after_apply

    account, persisted, advanced = advanced_during_the_apply()
    broken = Rollout.of(LOCAL, account, actor="carol")
    broken.store.dynamodb = NoWrites(account.dynamodb)  # type: ignore[assignment]
    with pytest.raises(AbortNotRecorded):
        broken.abort(10_010, "5XX")
    _converge_after_apply(LOCAL, persisted, {}, lambda _: None, account)
    router = Rollout.of(LOCAL, account).router
    assert router.verify_weights(rs.applied_to(LOCAL, rs.abort(advanced, 0, "", "x"))) == []
