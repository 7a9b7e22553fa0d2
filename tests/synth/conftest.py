"""The synth layer (marker ``synth``): tests on the synthesized JSON of the app built once per
session (``synthesized``, root conftest), of deploy-time variants built once each
(``synthesize_with``), or of a small app of their own."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.helpers.layers import mark_folder
from tests.helpers.synth import Synth, Synthesized, synthesize


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.synth)


@pytest.fixture(scope="session")
def synthesize_with(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Synthesize with deploy-time variables; each distinct set is built once per session."""
    cache: dict[tuple[tuple[str, str], ...], Synthesized] = {}

    def build(environ: Mapping[str, str]) -> Synthesized:
        key = tuple(sorted(environ.items()))
        if key not in cache:
            # the default build checked these calls' argument types
            cache[key] = synthesize(environ, tmp_path_factory.mktemp("variant"))
        return cache[key]

    return build
