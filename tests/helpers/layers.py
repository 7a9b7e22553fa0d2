"""The test layers: one folder each under tests/, cheapest first (``LAYERS``), run in
``RUN_ORDER``; each folder's conftest marks its tests with the layer's marker (``pytest -m``),
the root conftest orders them."""

from __future__ import annotations

from pathlib import Path

import pytest

LAYERS = ("unit", "synth", "processes", "terraform", "security", "emulator")
# The order a session runs them: cheapest first, except that the layers whose tools run in the
# background (processes, Terraform, security: tests/helpers/background.py) check what their
# jobs found after the emulator layer, whose deploys and plans are the session's longest chain
# of waits; so their jobs work while it waits, and their tests find them done.
RUN_ORDER = ("unit", "synth", "emulator", "processes", "terraform", "security")


def mark_folder(items: list[pytest.Item], conftest: str, marker: pytest.MarkDecorator) -> None:
    """Mark every item collected below the folder of ``conftest`` with ``marker``."""
    folder = Path(conftest).parent
    for item in items:
        if folder in item.path.parents:
            item.add_marker(marker)


def layer_of(item: pytest.Item, tests: Path) -> int:
    """The index in ``LAYERS`` of the folder below ``tests`` that holds ``item``; a test
    outside the layer folders is a usage error."""
    relative = item.path.relative_to(tests).parts
    if len(relative) < 2 or relative[0] not in LAYERS:
        raise pytest.UsageError(f"{item.nodeid}: every test module lives in a layer folder "
                                f"(tests/{{{','.join(LAYERS)}}}/)")
    return LAYERS.index(relative[0])


def run_rank(item: pytest.Item, tests: Path) -> int:
    """Where the layer of ``item`` comes in ``RUN_ORDER``."""
    return RUN_ORDER.index(LAYERS[layer_of(item, tests)])


def selected_layers(items: list[pytest.Item], tests: Path) -> set[str]:
    """The layers that hold at least one of ``items`` (the session's selected tests)."""
    return {LAYERS[layer_of(item, tests)] for item in items}
