"""The unit layer (marker ``unit``): the model, validation, gates, rollout state, adapters and
commands with stand-ins, the deploy driver with a stand-in Terraform, the import contract, the
docs. No synthesis of the app, no process of main.py, no Terraform, no emulator."""

from __future__ import annotations

import pytest

from tests.helpers.layers import mark_folder


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.unit)
