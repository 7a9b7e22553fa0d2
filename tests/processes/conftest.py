"""The processes layer (marker ``process``): ``main.py`` (and the bad-input cases, the scale
benchmark's app) as separate processes, as operators run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import background
from tests.helpers.layers import mark_folder


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.process)


@pytest.fixture(scope="session")
def synthesized_outdir(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cdktf.out`` of one real ``main.py`` run of every environment: started before the
    session's first test (``tests/helpers/background.py``), or here."""
    job = background.jobs(request.config).get("main") or background.start_main(
        tmp_path_factory.mktemp("synth") / "cdktf.out", tmp_path_factory.mktemp("log") / "main.log")
    return background.main_outdir(job)


@pytest.fixture
def eager_outdir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """``cdktf.out`` of one real ``main.py`` run with the ordinary (eager) provider import, of
    production and local (``background.EAGER``): started before the session's first test, or
    here."""
    job = background.jobs(request.config).get("eager") or background.start_main(
        tmp_path / "cdktf.out", tmp_path / "main.log", **background.EAGER)
    return background.main_outdir(job)
