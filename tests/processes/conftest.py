"""The processes layer (marker ``process``): ``main.py`` (and the bad-input cases, the scale
benchmark's app) as separate processes, as operators run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.layers import mark_folder
from tests.helpers.processes import run_main


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.process)


@pytest.fixture(scope="session")
def synthesized_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cdktf.out`` of one real ``main.py`` run of every environment."""
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    result = run_main(outdir)
    assert result.returncode == 0, result.stderr
    return outdir
