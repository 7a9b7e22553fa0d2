"""Rust releases on the fakes (docs/rollout.md, Rust releases): the state records the release
a rollout validates; ``start`` records the one live on the alias; the deploy driver refuses
another release while Rust carries traffic, before anything is written; at R = 0 the release
deploys and the state records it, not validated; the controller aborts when the alias serves
another release than the rolling rollout validates; ``status`` and ``history`` show it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import ops.driver.deploy as driver
from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from ops.adapters.lambda_release import Releases
from ops.adapters.store import RolloutStore
from ops.cli.rollout import main as rollout_main
from ops.controller.rollout import Rollout
from ops.driver.deploy import check_rust_release, record_rust_release
from ops.driver.preflight import Refused
from tests.helpers.fakes import FakeAccount
from tests.helpers.spec_routes import SPEC_ROUTES, SPEC_WEIGHTED

LOCAL = replace(ENVIRONMENTS["local"], canary_routes=())
OLD, NEW = "v1.0.0", "v1.1.0"
T0 = 1_800_000_000
WEIGHTED = sorted(SPEC_ROUTES[place][0] for place in SPEC_WEIGHTED)
(RUST,) = [spec for spec in FUNCTIONS if spec.released]
FUNCTION = LOCAL.function_name(RUST.name)
AT_ZERO = rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES)


def account_with(state: rs.RolloutState, release: str | None = OLD,
                 config: object = LOCAL) -> FakeAccount:
    account = FakeAccount()
    account.deploy(config, state)  # type: ignore[arg-type]
    if release is not None:
        account.lambda_.release(FUNCTION, release)
    return account


def head(account: FakeAccount) -> rs.RolloutState:
    return RolloutStore(account.dynamodb, LOCAL.rollout_table_name()).require().state


def writes(account: FakeAccount) -> tuple[int, list[str]]:
    """Write calls so far: DynamoDB transactions, ELBv2 changes."""
    return (account.dynamodb.calls.count("transact_write_items"),
            [name for name, _ in account.elbv2.calls])


# ---- the codec ------------------------------------------------------------------------------
def test_the_state_records_a_release_and_reads_documents_without_one() -> None:
    recorded = replace(AT_ZERO, rust_version=NEW)
    assert rs.RolloutState.from_json(recorded.to_json()) == recorded
    older = json.loads(AT_ZERO.to_json())
    del older["rust_version"]  # a document written before releases were
    assert rs.RolloutState.from_json(json.dumps(older)).rust_version is None
    for bad in ("latest", 7, "v1.0.0\n"):
        with pytest.raises(rs.RolloutError, match=r"rust_version is .*; it must be a Rust "
                                                  r"release name \(v1\.4\.0\) or null"):
            rs.RolloutState.from_json(json.dumps({**older, "rust_version": bad}))


def test_start_records_the_release_it_validates_and_the_phase_says_how_far() -> None:
    begun = rs.start(replace(AT_ZERO, rust_version=OLD), (5, 100), 60, (), T0, "a", "", NEW)
    assert begun.rust_version == NEW and begun.release == f"{NEW} (validating)"
    assert rs.promote(begun, T0, "a").release == f"{NEW} (validated)"
    assert rs.abort(begun, T0, "a", "bad").release == f"{NEW} (deployed, not validated)"
    assert AT_ZERO.release == "no release recorded"


def test_a_release_is_recorded_as_deployed_only_at_r_0() -> None:
    deployed = rs.released(replace(AT_ZERO, rust_version=OLD), NEW, T0, "deploy by bob")
    assert deployed.rust_version == NEW and deployed.phase == "idle"
    assert f"deployed Rust release {NEW} at R 0 (was {OLD}); not validated" in deployed.reason
    assert rs.released(deployed, NEW, T0 + 1, "x") is deployed  # nothing new to record
    carrying = rs.start(AT_ZERO, (5, 100), 60, (), T0, "a", "", OLD)
    with pytest.raises(rs.RolloutError, match=r"cannot be recorded as deployed while Rust "
                                              r"carries traffic \(.*=5"):
        rs.released(carrying, NEW, T0, "x")


# ---- the adapter ----------------------------------------------------------------------------
def test_the_adapter_reads_the_release_of_the_version_the_alias_serves() -> None:
    account = FakeAccount()
    releases = Releases(account.lambda_, LOCAL)
    assert releases.live() is None  # no function, no alias yet
    account.lambda_.release(FUNCTION, OLD)
    number = account.lambda_.release(FUNCTION, NEW)
    live = releases.live()
    assert live is not None and (live.release, live.version) == (NEW, number)
    account.lambda_.aliases[FUNCTION]["live"] = "1"  # moved back by hand
    assert releases.live().release == OLD  # type: ignore[union-attr]
    account.lambda_.versions[FUNCTION]["1"] = "built by hand"
    assert releases.live().release is None  # type: ignore[union-attr]


# ---- the rollout library and the controller -------------------------------------------------
def test_start_records_the_release_live_on_the_alias() -> None:
    account = account_with(replace(AT_ZERO, rust_version=OLD))
    account.lambda_.release(FUNCTION, NEW)  # deployed around the driver: start takes the live one
    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="5,100")
    assert head(account).rust_version == NEW


def test_the_controller_aborts_when_the_alias_serves_another_release() -> None:
    account = account_with(AT_ZERO)
    rollout = Rollout.of(LOCAL, account, actor="controller")
    rollout.transition("start", T0, steps="5,100", bake="1h")
    assert rollout.reconcile(T0 + 60).action == "wait"  # the same release: the gates decide
    assert set(account.rust_weights(LOCAL, set(WEIGHTED)).values()) == {(5, True)}
    account.lambda_.release(FUNCTION, NEW)  # someone deployed around the driver
    assert rollout.status(T0 + 90)["controller_would"]["action"] == "abort"
    outcome = rollout.reconcile(T0 + 120)
    assert outcome.action == "abort"
    state = head(account)
    assert state.phase == "aborted" and state.rust_version == OLD
    assert f"the Rust alias serves {NEW} (version 2 of {FUNCTION}), but this rollout " \
           f"validates {OLD}" in state.reason
    assert set(account.rust_weights(LOCAL, set(WEIGHTED)).values()) == {(0, False)}


def test_without_a_lambda_client_the_release_is_unknown_and_aborts_nothing() -> None:
    """Clients without a Lambda client (a test's, an old caller's) cannot read the alias:
    unknown is not "another release", so the gates decide, as before releases."""
    from types import SimpleNamespace

    account = account_with(AT_ZERO)
    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="5,100",
                                                         bake="1h")
    blind = SimpleNamespace(**{name: getattr(account, name) for name in (
        "elbv2", "dynamodb", "sns", "sts", "cloudwatch", "ssm")})
    assert Rollout.of(LOCAL, blind, actor="controller").reconcile(T0 + 60).action == "wait"
    assert head(account).phase == "rolling"


def test_outside_a_rollout_another_release_on_the_alias_moves_nothing() -> None:
    account = account_with(replace(AT_ZERO, rust_version=OLD))
    account.lambda_.release(FUNCTION, NEW)
    assert Rollout.of(LOCAL, account).reconcile(T0).action == "nothing"
    assert head(account).phase == "idle"


# ---- the deploy driver ----------------------------------------------------------------------
def test_another_release_is_refused_while_rust_carries_traffic_and_nothing_is_written() -> None:
    rolling = rs.start(replace(AT_ZERO, rust_version=OLD), (5, 100), 60, (), T0, "a", "", OLD)
    account = account_with(rolling)
    before = writes(account)
    with pytest.raises(Refused) as refused:
        check_rust_release(replace(LOCAL, rust_version=NEW), {}, account)
    message = str(refused.value)
    assert message.startswith(f"Rust carries traffic (recorded: {WEIGHTED[0]}=5")
    assert f"live: {len(WEIGHTED)} rule(s) forward to Rust" in message
    assert (f"with release {OLD} (version 1 of {FUNCTION}); deploying {NEW} would give it "
            "that traffic untested: take Rust to 0 first ('pipenv run rollout abort --env "
            "local") in message
    assert "then 'pipenv run rollout start --env local" in message
    assert writes(account) == before and head(account) == rolling


@pytest.mark.parametrize("why", ["live", "canary"])
def test_live_rust_traffic_refuses_though_the_record_says_r_0(why: str) -> None:
    """A rule edited by hand to Rust, or a canary rule (it reaches Rust by its header at any
    R), carries traffic too."""
    canaries = ("ceramic-cache-bulk-post",) if why == "canary" else ()
    config = replace(LOCAL, canary_routes=canaries)
    account = account_with(AT_ZERO, config=config)
    if why == "live":
        rule = next(r for rules in account.elbv2.rules.values() for r in rules
                    if {"Key": "Route", "Value": WEIGHTED[0]} in r["Tags"])
        for group in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]:
            group["Weight"] = 50
    with pytest.raises(Refused, match=r"Rust carries traffic \(live: 1 rule\(s\) forward to "
                                      r"Rust, " + ("ceramic-cache-bulk-post-canary" if canaries
                                                   else WEIGHTED[0])):
        check_rust_release(replace(config, rust_version=NEW), {}, account)


def test_at_r_0_another_release_deploys_and_is_recorded_not_validated() -> None:
    account = account_with(replace(AT_ZERO, rust_version=OLD))
    config = replace(LOCAL, rust_version=NEW)
    before = check_rust_release(config, {}, account)
    assert before is not None and before.release == OLD
    account.lambda_.release(FUNCTION, NEW)  # the Lambda stack applied
    said: list[str] = []
    record_rust_release(config, before, {}, said.append, account)
    state = head(account)
    assert (state.rust_version, state.release) == (NEW, f"{NEW} (deployed, not validated)")
    assert said == [f"rollout state of local: Rust release {NEW} deployed at R 0 (was {OLD}), "
                    f"not validated ({NEW} (deployed, not validated))"]


def test_the_same_release_is_never_refused_and_records_nothing() -> None:
    rolling = rs.start(AT_ZERO, (5, 100), 60, (), T0, "a", "", OLD)
    account = account_with(rolling)
    assert check_rust_release(replace(LOCAL, rust_version=OLD), {}, account) is None


def test_a_first_deploy_checks_nothing_live_and_leaves_the_release_to_start() -> None:
    account = FakeAccount()  # no load balancer, table or function yet
    found = check_rust_release(LOCAL, {}, account)
    assert found is not None and found.version == ""
    account.lambda_.release(FUNCTION, LOCAL.rust_version)  # the Lambda stack applied first
    said: list[str] = []
    record_rust_release(LOCAL, found, {}, said.append, account)
    assert said == [f"Rust release {LOCAL.rust_version} deployed (was nothing); no rollout "
                    "state yet: 'rollout start' records the release it validates"]
    assert "transact_write_items" not in account.dynamodb.calls


def test_the_deploy_is_refused_before_it_synthesizes_or_writes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rolling = rs.start(AT_ZERO, (5, 100), 60, (), T0, "a", "", OLD)
    account = account_with(rolling)
    before = writes(account)

    def no_synth(*_: object) -> None:
        raise AssertionError("a refused deploy synthesized")

    lock = driver.deploy_lock
    monkeypatch.setattr(driver, "deploy_lock", lambda: lock(tmp_path / ".deploy.lock"))
    monkeypatch.setattr(driver, "synth", no_synth)
    monkeypatch.setattr(driver, "persisted_rollout", no_synth)
    with pytest.raises(Refused, match=f"deploying {NEW} would give it that traffic untested"):
        driver.deploy("local", ["lambdas", "routing"], {"RUST_VERSION": NEW}, clients=account)
    assert writes(account) == before and head(account) == rolling


# ---- the commands ---------------------------------------------------------------------------
def test_status_and_history_show_the_release(capsys: pytest.CaptureFixture[str]) -> None:
    account = account_with(replace(AT_ZERO, rust_version=OLD))
    number = account.lambda_.release(FUNCTION, NEW)
    Rollout.of(LOCAL, account, actor="alice").transition("start", T0, steps="5,100")
    assert rollout_main(["status", "--env", "local"], clients=account) == 0
    out = capsys.readouterr().out
    assert f"rust release: {NEW} (validating); live on the alias: {NEW} (version {number})" in out
    assert rollout_main(["status", "--env", "local", "--json"], clients=account) == 0
    assert json.loads(capsys.readouterr().out)["rust"] == {
        "recorded": NEW, "release": f"{NEW} (validating)", "live": NEW, "live_version": number}
    assert rollout_main(["history", "--env", "local"], clients=account) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith(f"; rust release {OLD}") and lines[4].endswith(
        f"; rust release {NEW}")
