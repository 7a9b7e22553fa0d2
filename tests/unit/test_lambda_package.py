"""Lambda packages are assembled from the project's modules at synth time
(``modules/lambda_package.py``): the abort function's package holds what its handler imports
and nothing of the synth side, and its handler imports from that folder alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from model.paths import PROJECT_ROOT
from modules.lambda_package import ARCHIVE_TIME, assemble, closure, handler_name

ENTRY = PROJECT_ROOT / "functions" / "rollout_abort" / "handler.py"
CONTROLLER = PROJECT_ROOT / "functions" / "rollout_controller" / "handler.py"


@pytest.mark.parametrize("entry", [ENTRY, CONTROLLER], ids=["abort", "controller"])
def test_a_package_holds_the_handler_and_the_modules_it_imports(entry: Path) -> None:
    files = {str(p) for p in closure(entry)}
    handler = str(entry.relative_to(PROJECT_ROOT))
    assert {handler, "functions/deployed.py", "model/rollout/state.py",
            "ops/controller/rollout.py", "ops/adapters/alb.py", "ops/adapters/store.py",
            "ops/__init__.py", "ops/adapters/__init__.py", "model/__init__.py",
            "environments/__init__.py"} <= files
    assert not any(f.startswith(("modules/", "stacks/", "ops/cli/", "ops/driver/", "ops/dev/",
                                 "tests/", "bench/")) for f in files)
    assert not any(f.endswith((".zip", ".json")) for f in files)  # code only
    assert handler_name(entry) == handler.removesuffix(".py").replace("/", ".") + ".handler"


@pytest.mark.parametrize("entry", [ENTRY, CONTROLLER], ids=["abort", "controller"])
def test_the_handler_imports_from_its_package_alone(entry: Path) -> None:
    folder = assemble(entry)
    module = handler_name(entry).removesuffix(".handler")
    result = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, '.'); "
         f"import {module} as h; print(h.handler.__name__)"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "handler"


def test_two_assemblies_hold_the_same_bytes_and_times() -> None:
    """The archive records file times: every synth must zip the same bytes."""
    first, second = assemble(ENTRY), assemble(ENTRY)
    def listing(folder: Path) -> list[tuple[str, bytes, int]]:
        return sorted((str(p.relative_to(folder)), p.read_bytes(), int(p.stat().st_mtime))
                      for p in folder.rglob("*") if p.is_file())
    assert listing(first) == listing(second)
    assert {mtime for _, _, mtime in listing(first)} == {ARCHIVE_TIME}


def test_the_controller_package_holds_the_controller_and_nothing_of_the_synth_side() -> None:
    entry = PROJECT_ROOT / "functions" / "rollout_controller" / "handler.py"
    files = {str(p) for p in closure(entry)}
    assert {"functions/rollout_controller/handler.py", "ops/controller/rollout.py",
            "ops/adapters/alb.py", "model/rollout/state.py"} <= files
    assert not any(f.startswith(("modules/", "stacks/", "ops/cli/", "ops/driver/", "tests/"))
                   for f in files)
    assert handler_name(entry) == "functions.rollout_controller.handler.handler"
