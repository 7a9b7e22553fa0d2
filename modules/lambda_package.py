"""Lambda packages assembled at synth time from the project's own modules: a handler file and
every project module it imports, transitively (found by reading the imports, as the import
contract does), with their packages' ``__init__.py``; nothing copied by hand.

The folder is made anew for each synth and holds the same bytes (and file times) for the same
sources, so the archive, and the asset's hash, change only when code the function runs
changes.
"""

from __future__ import annotations

import ast
import atexit
import os
import shutil
import tempfile
from pathlib import Path

from model.paths import PROJECT_ROOT

# Top-level packages whose modules a function may take along (the import contract says which
# of them a function may import).
PACKAGED = frozenset({"functions", "model", "ops", "environments"})
ARCHIVE_TIME = 315_532_800  # 1980-01-01, the earliest time a zip entry holds


def _imports(path: Path) -> set[str]:
    """Dotted names of every project module ``path`` imports (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in PACKAGED}


def _file_of(dotted: str, root: Path) -> Path | None:
    """The source file of a module or package, or None (a name imported from a module)."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def closure(entry: Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """``entry`` and every project source file it needs, relative to ``root``, sorted."""
    needed: set[Path] = set()
    pending = [entry]
    while pending:
        path = pending.pop()
        relative = path.relative_to(root)
        if relative in needed:
            continue
        needed.add(relative)
        for parent in relative.parents:  # the packages on the way
            init = root / parent / "__init__.py"
            if parent != Path(".") and init.is_file():
                pending.append(init)
        pending += [found for name in _imports(path) if (found := _file_of(name, root))]
    return sorted(needed)


def assemble(entry: Path, root: Path = PROJECT_ROOT) -> Path:
    """A new folder holding ``closure(entry)`` at the same relative paths (removed when this
    process exits, after synthesis has archived it)."""
    folder = Path(tempfile.mkdtemp(prefix="scorer-lambda-package-"))
    atexit.register(shutil.rmtree, folder, True)
    for relative in closure(entry, root):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
    for path in [*folder.rglob("*"), folder]:  # the archive records times: the same for all
        os.utime(path, (ARCHIVE_TIME, ARCHIVE_TIME))
    return folder


def handler_name(entry: Path, function: str = "handler", root: Path = PROJECT_ROOT) -> str:
    """``functions.rollout_abort.handler.handler`` for ``functions/rollout_abort/handler.py``."""
    return ".".join(entry.relative_to(root).with_suffix("").parts) + f".{function}"
