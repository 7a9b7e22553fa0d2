"""The security layer (marker ``security``): the checkov gate over every synthesized stack."""

from __future__ import annotations

import pytest

from tests.helpers.layers import mark_folder


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.security)
