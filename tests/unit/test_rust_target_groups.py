"""A Rust target group per weighted route (docs/architecture.md), and the move of a deployed
environment off the shared ones without a request dropped (docs/runbook.md): the deploy driver
keeps a Rust target group the model no longer declares while a live rule forwards to it, and
applies the Lambda stack once more after the routing stack moved the rules.

The driver runs here against the fake ELBv2 API with a stand-in for synthesis and Terraform
that behaves as AWS does: the Lambda stack creates and deletes target groups (a delete of one a
rule uses is refused, ResourceInUse), the routing stack updates each rule in place (its ARN
stays). The emulator test (tests/emulator/test_rust_target_groups.py) runs the real thing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import environments
import ops.driver.deploy as driver
from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS, RUST_SCORER, rust_route_backends
from model.catalog.route_table import ROUTES
from model.config import STACK_PARTS, EnvironmentConfig
from model.rollout.controls import effective_functions, effective_routes, kept_backends
from model.routing.actions import weighted_forward
from model.routing.backend import RUST_OF_ROUTE
from model.routing.listener import PUBLIC
from model.routing.route import Route, when, with_own_rust
from model.routing.view import rust_target_group_names, target_group_names
from ops.adapters.alb import API_ACTIONS, Router, target_group_name
from ops.driver.terraform import DeployError
from tests.helpers.fakes import FakeAccount
from tests.helpers.spec_routes import (
    SPEC_ROUTES,
    SPEC_RUST_TARGET_GROUPS,
    SPEC_SHARED_RUST_TARGET_GROUPS,
)

LOCAL = ENVIRONMENTS["local"]
OLD = replace(LOCAL, shared_rust_target_groups=True)  # the layout before per-route ones
SHARED = set(SPEC_SHARED_RUST_TARGET_GROUPS.values())
OWN = set(SPEC_RUST_TARGET_GROUPS.values())


def test_the_rust_function_has_one_target_group_per_weighted_route() -> None:
    listener = {key: lst for (lst, _), (key, *_) in SPEC_ROUTES.items()}
    assert {b.target_group: b.listener.name for b in RUST_SCORER.backends} == {
        name: listener[key] for key, name in SPEC_RUST_TARGET_GROUPS.items()}
    for route in ROUTES:  # each weighted route forwards to its own, and only it does
        split = route.action.split()
        if split is not None:
            assert target_group_names(LOCAL)[split[1]] == SPEC_RUST_TARGET_GROUPS[route.key]


def test_a_route_made_weighted_gets_its_own_rust_target_group_from_the_table() -> None:
    added = Route("bulk-get", PUBLIC, 4000, when("/bulk"),
                  weighted_forward("py:cc-v1-st-GET-0", RUST_OF_ROUTE))
    (route,) = with_own_rust((added,))
    assert route.action.split() == ("py:cc-v1-st-GET-0", "rust:bulk-get")
    backends = rust_route_backends((*ROUTES, route))
    assert len(backends) == len(SPEC_RUST_TARGET_GROUPS) + 1
    assert (backends[-1].listener, backends[-1].target_group) == (PUBLIC, "rs-bulk-get")


def test_the_old_layout_forwards_to_the_shared_target_groups_and_alarms_on_them() -> None:
    names = target_group_names(OLD)
    for route in effective_routes(OLD, ROUTES):
        if (split := route.action.split()) is not None:
            assert names[split[1]] == SPEC_SHARED_RUST_TARGET_GROUPS[route.listener.name]
    (rust,) = (f for f in effective_functions(OLD, FUNCTIONS) if f.name == RUST_SCORER.name)
    assert {OLD.target_group_name(b.target_group) for b in rust.backends} == SHARED


def test_an_abort_in_the_middle_of_the_move_treats_the_shared_target_groups_as_rust() -> None:
    """Rules still on the shared target groups (the Lambda stack applied, the routing stack
    not yet) are Rust to the abort of the new layout: every one goes to Rust 0, not sticky."""
    account = FakeAccount()
    account.deploy(replace(OLD, rust_percent=50))
    assert rust_target_group_names(LOCAL) >= SHARED | OWN
    Router(account.elbv2, LOCAL).roll_back("test")
    weighted = {r.key for r in ROUTES if r.action.weighted}
    assert account.rust_weights(LOCAL) == dict.fromkeys(weighted, (0, False))


# ---- the deploy driver's expand / contract ------------------------------------------------
class Stand:
    """Synthesis and Terraform for the driver, as AWS answers: what each step did, in order."""

    def __init__(self, account: FakeAccount, fail_routing: bool = False) -> None:
        self.api = account.elbv2
        self.events: list[tuple[str, Any]] = []
        self.fail_routing = fail_routing

    def synth(self, env: dict[str, str], outdir: Path, timeout: float = 300) -> None:
        self.events.append(("synth", env.get(driver.KEPT_VARIABLE, "")))
        for part in STACK_PARTS:
            folder = outdir / "stacks" / LOCAL.stack_name(part)
            folder.mkdir(parents=True)
            (folder / "cdk.tf.json").write_text(json.dumps({"resource": {"r": {"a": {}}}}))
            (folder / "env.json").write_text(json.dumps(env))

    def apply(self, stack_dir: Path, env: dict[str, str], label: str, say: Any,
              parallelism: int = 4) -> None:
        (config,) = environments.selected(json.loads((stack_dir / "env.json").read_text()))
        part = stack_dir.name.removeprefix("scorer-local-")
        if part == "lambdas":
            self._lambdas(config)
        elif part == "routing":
            self._routing(config)

    def _in_use(self) -> set[str]:
        return {target_group_name(g["TargetGroupArn"]) for rules in self.api.rules.values()
                for rule in rules for g in (rule["Actions"][0].get("ForwardConfig") or {})
                .get("TargetGroups", [{"TargetGroupArn": rule["Actions"][0].get(
                    "TargetGroupArn", "x:targetgroup/none/0")}])}

    def _lambdas(self, config: EnvironmentConfig) -> None:
        (rust,) = (f for f in effective_functions(config, FUNCTIONS) if f.name == RUST_SCORER.name)
        wanted = {config.target_group_name(b.target_group)
                  for b in (*rust.backends, *kept_backends(config))}
        created = sorted(wanted - set(self.api.target_groups))
        for name in created:
            self.api.add_target_group(name)
        deleted = sorted(n for n in self.api.target_groups
                         if n in SHARED | OWN and n not in wanted)
        for name in deleted:
            if name in self._in_use():
                raise DeployError(f"deleting ELBv2 Target Group ({name}): ResourceInUse: "
                                  "the target group is currently in use by a listener or a rule")
            del self.api.target_groups[name]
        self.events.append(("lambdas", (created, deleted)))

    def _routing(self, config: EnvironmentConfig) -> None:
        if self.fail_routing:
            raise DeployError("[5/6] scorer-local-routing: failed (a throttled call)")
        names = target_group_names(config)
        by_key = {next(t["Value"] for t in r["Tags"] if t["Key"] == "Route"): r
                  for rules in self.api.rules.values() for r in rules}
        for route in effective_routes(config, ROUTES):
            if route.action.backends():
                missing = [names[b] for b in route.action.backends()
                           if names[b] not in self.api.target_groups]
                if missing:
                    raise DeployError(f"TargetGroupNotFound: {missing}")
            self.api.modify_rule(by_key[route.key]["RuleArn"], [route.action.render(
                API_ACTIONS, lambda b: self.api.target_groups[names[b]])])
        self.events.append(("routing", len(by_key)))


@pytest.fixture
def old_layout(monkeypatch: pytest.MonkeyPatch) -> FakeAccount:
    """``local`` deployed in the old layout (every weighted rule on a shared Rust target group,
    no per-route one yet), with the driver's rollout-state steps out of the way."""
    account = FakeAccount()
    account.deploy(replace(OLD, rust_percent=50))
    for name in OWN:
        del account.elbv2.target_groups[name]
    monkeypatch.setattr(driver, "persisted_rollout",
                        lambda *_, **__: driver.PersistedRollout({}))
    monkeypatch.setattr(driver, "create_persisted", lambda *_, **__: None)
    monkeypatch.setattr(driver, "check_rust_release", lambda *_, **__: None)  # its own tests
    monkeypatch.setattr(driver, "_converge_after_apply", lambda *_, **__: None)
    monkeypatch.setattr(driver, "read_routing_state", lambda *_, **__: None)
    monkeypatch.setattr(driver, "check_routing", lambda *_, **__: None)
    monkeypatch.setattr(driver, "initialised", lambda *_, **__: "terraform")
    return account


@pytest.fixture(autouse=True)
def own_lock_and_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The driver's lock and synth folders in ``tmp_path``: never this checkout's, which a
    real deploy (an emulator test) may hold."""
    lock, work = driver.deploy_lock, driver.work_folder
    monkeypatch.setattr(driver, "deploy_lock", lambda: lock(tmp_path / "deploy.lock"))
    monkeypatch.setattr(driver, "work_folder", lambda name: work(name, tmp_path / "work"))


def _deploy(account: FakeAccount, stand: Stand, monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path, **environ: str) -> list[str]:
    monkeypatch.setattr(driver, "synth", stand.synth)
    monkeypatch.setattr(driver, "_apply_importing", stand.apply)
    said: list[str] = []
    driver.deploy("local", ["lambdas", "routing"], {"RUST_ROUTING_PERCENT": "50", **environ},
                  say=said.append, state_dir=tmp_path / "state", client=account.elbv2)
    return said


def _rule_arns(account: FakeAccount) -> dict[str, str]:
    return {next(t["Value"] for t in r["Tags"] if t["Key"] == "Route"): r["RuleArn"]
            for rules in account.elbv2.rules.values() for r in rules}


def test_the_move_creates_first_updates_every_rule_in_place_and_removes_the_old_last(
        old_layout: FakeAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    arns = _rule_arns(old_layout)
    stand = Stand(old_layout)
    said = _deploy(old_layout, stand, monkeypatch, tmp_path)
    assert stand.events == [
        ("synth", "rust,rust-int"),
        ("lambdas", (sorted(OWN), [])),  # the new ones created, the shared ones kept
        ("routing", len(arns)),
        ("synth", ""),  # the Lambda stack once more, without them
        ("lambdas", ([], sorted(SHARED)))]
    assert _rule_arns(old_layout) == arns  # in place: no rule replaced
    assert stand._in_use() & SHARED == set()
    assert OWN <= set(old_layout.elbv2.target_groups) and not SHARED & set(
        old_layout.elbv2.target_groups)
    assert "keeping the Rust target groups rust, rust-int while live rules forward to them " \
           "(removed after the routing stack moved them)" in said
    assert any(line.startswith("[contract] scorer-local-lambdas: no live rule forwards to "
                               "rust, rust-int any more") for line in said), said


def test_without_keeping_them_the_lambda_stack_fails_before_any_rule_moved(
        old_layout: FakeAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What Terraform alone does: the Lambda stack destroys the shared target groups in the
    apply that creates the new ones, before the routing stack moved a rule; AWS refuses."""
    monkeypatch.setattr(driver, "kept_in_use", lambda *_, **__: [])
    stand = Stand(old_layout)
    with pytest.raises(DeployError, match="ResourceInUse"):
        _deploy(old_layout, stand, monkeypatch, tmp_path)
    assert [e for e, _ in stand.events] == ["synth"]


def test_a_routing_apply_that_fails_keeps_the_old_ones_and_the_next_deploy_finishes(
        old_layout: FakeAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    arns = _rule_arns(old_layout)
    with pytest.raises(DeployError, match="throttled"):
        _deploy(old_layout, Stand(old_layout, fail_routing=True), monkeypatch, tmp_path)
    assert SHARED <= set(old_layout.elbv2.target_groups)  # no contract after a failure
    stand = Stand(old_layout)
    _deploy(old_layout, stand, monkeypatch, tmp_path)
    assert stand.events[0] == ("synth", "rust,rust-int")
    assert stand.events[-1] == ("lambdas", ([], sorted(SHARED)))
    assert _rule_arns(old_layout) == arns


def test_a_deploy_after_the_move_keeps_nothing_and_applies_the_lambda_stack_once(
        old_layout: FakeAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _deploy(old_layout, Stand(old_layout), monkeypatch, tmp_path)
    stand = Stand(old_layout)
    _deploy(old_layout, stand, monkeypatch, tmp_path)
    assert stand.events == [("synth", ""), ("lambdas", ([], [])), ("routing", len(ROUTES))]


def test_moving_back_to_the_old_layout_keeps_the_per_route_ones_until_no_rule_uses_them(
        old_layout: FakeAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same expand / contract the other way (``RUST_SHARED_TARGET_GROUPS``): nothing
    special-cases the shared target groups."""
    _deploy(old_layout, Stand(old_layout), monkeypatch, tmp_path)
    stand = Stand(old_layout)
    _deploy(old_layout, stand, monkeypatch, tmp_path, RUST_SHARED_TARGET_GROUPS="true")
    own = ",".join(sorted(f"rust:{key}" for key in SPEC_RUST_TARGET_GROUPS))
    assert stand.events == [("synth", own), ("lambdas", (sorted(SHARED), [])),
                            ("routing", len(ROUTES)), ("synth", ""),
                            ("lambdas", ([], sorted(OWN)))]


def test_before_the_load_balancers_exist_nothing_is_kept() -> None:
    assert driver.kept_in_use(LOCAL, {}, print, FakeAccount().elbv2) == []
