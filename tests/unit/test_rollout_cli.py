"""The ``rollout`` command on the fakes: what it prints of a stored history, and bad input
refused before anything is read or written."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from ops.adapters.store import RolloutStore
from ops.cli.rollout import main
from tests.helpers.fakes import FakeAccount

LOCAL = ENVIRONMENTS["local"]


def test_a_stored_reason_cannot_print_a_forged_history_entry(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()
    first = rs.initial_state(LOCAL, ROUTES)
    forged = replace(first, reason="ok\n2026-01-01T00:00:00  root\n    R 0 -> R 100", at=1)
    clients.deploy(LOCAL, first)
    store = RolloutStore(clients.dynamodb, LOCAL.rollout_table_name())
    store.write(forged, 1, 2)
    assert main(["history", "--env", "local"], clients=clients) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * 3  # two entries, three lines each
    assert lines[-1] == "    why: ok\\n2026-01-01T00:00:00  root\\n    R 0 -> R 100"


def test_a_multi_line_reason_is_refused_before_the_state_is_read(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()  # no state at all: the reason is refused first
    code = main(["abort", "--env", "local", "--reason", "a\nb"], clients=clients)
    assert code == 1
    assert capsys.readouterr().err == (
        "refused: reason holds a line break or another control character: give one line\n")
    assert clients.dynamodb.calls == [] and clients.elbv2.calls == []


def test_without_a_state_the_commands_exit_2_naming_the_store(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()
    clients.deploy(LOCAL)  # rules and an empty table: no head item
    assert main(["status", "--env", "local"], clients=clients) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no rollout state in the rollout state store "
                          f"{LOCAL.rollout_table_name()}") and err.count("\n") == 1


def test_status_watch_refreshes_until_the_phase_changes() -> None:
    from ops.cli.rollout import watch
    from ops.controller.rollout import Rollout

    clients = FakeAccount()
    clients.deploy(LOCAL, rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES))
    rollout = Rollout.of(LOCAL, clients, actor="alice")
    rollout.transition("start", 100, steps="5,100", bake="1h")
    printed: list[str] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:  # the operator in another terminal pauses the rollout
            rollout.transition("pause", 200)

    assert watch(lambda: rollout.status(150), 10.0, sleep=sleep, limit=10,
                 out=printed.append) == 0
    assert sleeps == [10.0] * 3 and printed[-1] == "phase changed: rolling -> paused"
    weighted = len(rollout.store.require().state.routes)
    assert f"next step -> R 100; rolling 2/2, on {weighted} rule(s):" in printed[0]
    assert "rules (live | recorded):" in printed[0]


def test_status_shows_live_beside_recorded_and_flags_a_difference(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()
    clients.deploy(LOCAL, rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES))
    head = RolloutStore(clients.dynamodb, LOCAL.rollout_table_name()).require()
    RolloutStore(clients.dynamodb, LOCAL.rollout_table_name()).write(
        replace(head.state, routes=dict.fromkeys(head.state.routes, 20)), head.version, 5)
    assert main(["status", "--env", "local"], clients=clients) == 0
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.startswith("  ! ")]
    assert len(flagged) == len(head.state.routes)  # every weighted rule differs: live 0, R 20
    assert f"{len(flagged)} rule(s) differ from the record" in out


def test_a_stored_time_out_of_range_prints_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()
    clients.deploy(LOCAL, rs.initial_state(LOCAL, ROUTES))
    table = clients.dynamodb.tables[LOCAL.rollout_table_name()]
    table[("rust-rollout", 1)]["written_at"] = {"N": "9" * 30}
    assert main(["history", "--env", "local"], clients=clients) == 0
    assert capsys.readouterr().out.startswith("v1 " + "9" * 30 + "  ")


def test_status_and_history_show_a_per_route_abort(capsys: pytest.CaptureFixture[str]) -> None:
    clients = FakeAccount()
    idle = rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES)
    rolling = rs.start(idle, (5, 100), 60, (), 100, "alice", "start")
    first = rolling.rollout_routes[0]
    clients.deploy(LOCAL, rs.abort_routes(rolling, (first,), 160, "rollout controller", "red"))
    assert main(["status", "--env", "local"], clients=clients) == 0
    out = capsys.readouterr().out
    assert f"aborted routes (R 0, not sticky, out of the rollout until a start): {first}" in out
    assert "an automatic abort acts on the failing routes" in out
    assert not [line for line in out.splitlines() if line.startswith("  ! ")]  # as recorded
    assert main(["history", "--env", "local"], clients=clients) == 0
    assert f"(1 route(s) aborted: {first}, R 0, not sticky); rolling 1/2" in (
        capsys.readouterr().out)
