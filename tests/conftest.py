"""What every layer shares: the app built and synthesized once per session (the provider
import costs seconds; read by the synth, Terraform and security layers), Terraform's
environment (Terraform and emulator layers), the background jobs, and the order of the
layers. Each layer's folder
has its own conftest (its marker, its fixtures); the code behind them is in
``tests/helpers/``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import background
from tests.helpers.layers import run_rank, selected_layers
from tests.helpers.session_deploy import DEPLOY, SessionDeploy
from tests.helpers.synth import Synthesized, synthesize

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def synthesized(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """All four environments with their default Rust percentages, production read with
    ``Testing.synth``. jsii checks every argument type of production and local, which take
    every code path between them (staging and review make production's calls with other
    values). Once it is there, the Terraform and security layers' tools start on it in the
    background when the session holds those layers (``tests/helpers/background.py``)."""
    found = synthesize({}, tmp_path_factory.mktemp("synth"), testing_synth=("production",),
                       type_checked=("production", "local"))
    background.start_for(request.session, found.outdir, tmp_path_factory)
    return found


@pytest.fixture(scope="session", autouse=True)
def background_jobs(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The processes layer's synths start before the first test when the session holds that
    layer; background jobs a session started and did not use end with it."""
    background.start_at_session_start(request.session, tmp_path_factory)
    yield
    background.stop_all(request.config)


@pytest.fixture(scope="session")
def terraform_env() -> dict[str, str]:
    """The environment for Terraform runs; Terraform missing fails the test, loudly."""
    from ops.driver.tools import terraform_environment

    if not shutil.which("terraform"):
        pytest.fail("Terraform is not on the PATH: install Terraform >= 1.10 to run the "
                    "validation and emulator tests (docs/testing.md)")
    return terraform_environment()


@pytest.fixture(scope="session", autouse=True)
def session_deploy(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionDeploy | None]:
    """The emulator layer's deploy, started before the session's first test when the session
    holds emulator tests (and Terraform is there: else the ``deployed`` fixture fails, saying
    so), so that its waits overlap the cheaper layers (``tests/helpers/session_deploy.py``);
    ended with the session, however far it got."""
    if not shutil.which("terraform") or "emulator" not in selected_layers(
            request.session.items, Path(__file__).parent):
        yield None
        return
    from environments import ENVIRONMENTS
    from ops.driver.tools import terraform_environment

    started = SessionDeploy.start(tmp_path_factory.mktemp("emulator"), terraform_environment(),
                                  ENVIRONMENTS["local"].region)
    request.config.stash[DEPLOY] = started
    try:
        yield started
    finally:
        started.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    """How long the background jobs ran and how long tests waited for them (docs/testing.md)."""
    deploy = config.stash.get(DEPLOY, None)
    lines = background.summary(config) + (
        [f"emulator deploy: done {deploy.finished_s:.0f} s after its start, waited for "
         f"{deploy.waited_s:.0f} s"] if deploy and deploy.finished_s is not None
        and deploy.waited_s is not None else [])
    if lines:
        terminalreporter.write_sep("-", "background jobs")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The layers in ``tests.helpers.layers.RUN_ORDER`` (unit, synth, emulator, then
    processes, Terraform and security, whose tools ran in the background meanwhile), whatever
    paths pytest was given; file order within a layer."""
    tests = Path(__file__).parent
    items.sort(key=lambda item: run_rank(item, tests))  # stable
