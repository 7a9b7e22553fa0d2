"""What every layer shares: the app built and synthesized once per session (the provider
import costs seconds; read by the synth, Terraform and security layers), Terraform's
environment (Terraform and emulator layers), and the order of the layers. Each layer's folder
has its own conftest (its marker, its fixtures); the code behind them is in
``tests/helpers/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers.layers import layer_of
from tests.helpers.synth import Synthesized, synthesize

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """All four environments with their default Rust percentages, production read with
    ``Testing.synth``. jsii checks every argument type of production and local, which take
    every code path between them (staging and review make production's calls with other
    values)."""
    return synthesize({}, tmp_path_factory.mktemp("synth"), testing_synth=("production",),
                      type_checked=("production", "local"))


@pytest.fixture(scope="session")
def terraform_env() -> dict[str, str]:
    """The environment for Terraform runs; Terraform missing fails the test, loudly."""
    from ops.driver.tools import terraform_environment

    if not shutil.which("terraform"):
        pytest.fail("Terraform is not on the PATH: install Terraform >= 1.10 to run the "
                    "validation and emulator tests (docs/testing.md)")
    return terraform_environment()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Cheapest layer first (``tests.helpers.layers.LAYERS``: unit, synth, processes,
    Terraform, security, emulator), whatever paths pytest was given; file order within a
    layer."""
    tests = Path(__file__).parent
    items.sort(key=lambda item: layer_of(item, tests))  # stable
