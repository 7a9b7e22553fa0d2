"""The ``rollout`` command on the fakes: what it prints of a stored history, and bad input
refused before anything is read or written."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from ops.cli.rollout import main
from tests.helpers.fakes import FakeElbv2, FakeSsm

LOCAL = ENVIRONMENTS["local"]


@dataclass
class _Clients:
    ssm: FakeSsm = field(default_factory=FakeSsm)
    elbv2: FakeElbv2 = field(default_factory=FakeElbv2)
    cloudwatch: object = None
    s3: object = None
    sts: object = None


def test_a_stored_reason_cannot_print_a_forged_history_entry(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = _Clients()
    first = rs.initial_state(LOCAL, ROUTES)
    forged = replace(first, reason="ok\n2026-01-01T00:00:00  root\n    R 0 -> R 100", at=1)
    clients.ssm.put_parameter(Name=rs.parameter_name(LOCAL), Value=first.to_json(),
                              Type="String", Overwrite=True)
    clients.ssm.put_parameter(Name=rs.parameter_name(LOCAL), Value=forged.to_json(),
                              Type="String", Overwrite=True)
    assert main(["history", "--env", "local"], clients=clients) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * 3  # two entries, three lines each
    assert lines[-1] == "    why: ok\\n2026-01-01T00:00:00  root\\n    R 0 -> R 100"


def test_a_multi_line_reason_is_refused_before_the_state_is_read(
        capsys: pytest.CaptureFixture[str]) -> None:
    clients = _Clients()  # no state at all: the reason is refused first
    code = main(["abort", "--env", "local", "--reason", "a\nb"], clients=clients)
    assert code == 1
    assert capsys.readouterr().err == (
        "refused: reason holds a line break or another control character: give one line\n")
    assert clients.ssm.versions == {} and clients.elbv2.calls == []
