"""Load only the AWS provider submodules this project uses.

``cdktf_cdktf_provider_aws/__init__.py`` imports all of its ~2,100 submodules (one per
resource or data source) even when a program imports a single class; that costs about ten
seconds per process. ``load_lazily()`` initialises the package from its own ``__init__``
source *without* those ``from . import <submodule>`` lines, so that
``from cdktf_cdktf_provider_aws.lb import Lb`` loads ``lb`` (and the shared jsii assembly)
only. Everything else the ``__init__`` does runs unchanged, so the classes, and the
synthesized JSON, are the same (a test compares both byte for byte).

The jsii kernel (Node.js) has the same problem on its side: the npm package's
``lib/index.js`` requires every resource's module (about two seconds and 450 MB per
process). ``kernel_loading_lazily()`` starts the kernel with ``lazy_provider_require.js``
preloaded, which turns that file's exports into getters that require a module on first use.
Call it around the first ``import cdktf`` of a process (the kernel starts there); it
restores the environment afterwards, so no other child process inherits the preload.

If either package's layout is not what this expects, each side falls back to the ordinary
import with a warning instead of breaking synth. ``SCORER_PROVIDER_IMPORT=eager`` forces the
ordinary import on both sides.

``type_hints_cached()`` keeps jsii's runtime argument checks but stops them from
re-evaluating the same annotations on every call: the generated code calls
``typing.get_type_hints`` on a module-level stub function for each argument check, and its
answer for such a stub never changes. It patches ``typing`` only within its block, which
``stacks.app`` opens around building the constructs.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import os
import re
import sys
import typing
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PACKAGE = "cdktf_cdktf_provider_aws"
_EAGER_IMPORT = re.compile(r"^from \. import [A-Za-z_][A-Za-z0-9_]*[ \t]*$", re.MULTILINE)
_REQUIRED = ("from ._jsii import *", "publication.publish()")
_MIN_SUBMODULES = 100


NODE_PRELOAD = Path(__file__).with_name("lazy_provider_require.js")


def _eager() -> bool:
    return os.environ.get("SCORER_PROVIDER_IMPORT") == "eager"


@contextlib.contextmanager
def kernel_loading_lazily() -> Iterator[None]:
    """Within this block, a starting jsii kernel preloads the provider's lazy ``require``.

    The kernel reads the environment once, when the first jsii module (``cdktf``,
    ``constructs``) is imported; the block adds ``--require <preload>`` to ``NODE_OPTIONS``
    for that moment only. No effect with ``SCORER_PROVIDER_IMPORT=eager``, when the kernel
    already runs, or when the preload file is missing (then with a warning).
    """
    previous = os.environ.get("NODE_OPTIONS")
    if _eager() or "jsii" in sys.modules or str(NODE_PRELOAD) in (previous or ""):
        yield
        return
    if not NODE_PRELOAD.is_file():
        warnings.warn(f"{NODE_PRELOAD} is missing; the jsii kernel loads every provider "
                      "module, which is slower", RuntimeWarning, stacklevel=3)
        yield
        return
    os.environ["NODE_OPTIONS"] = " ".join(
        part for part in (previous, f'--require "{NODE_PRELOAD}"') if part)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("NODE_OPTIONS", None)
        else:
            os.environ["NODE_OPTIONS"] = previous


class LayoutError(RuntimeError):
    """The provider package does not look the way the lazy loader expects."""


def load_lazily(package: str = PACKAGE) -> bool:
    """Initialise ``package`` without its eager submodule imports; True when that was done.

    False when the package was imported already, the ordinary import was asked for, or the
    layout was unexpected (then the ordinary import ran, with a warning).
    """
    if package in sys.modules or _eager():
        return False
    try:
        _initialise_without_submodules(package)
        return True
    except Exception as error:  # any surprise: the ordinary import is always correct
        sys.modules.pop(package, None)
        warnings.warn(f"{package}: lazy loading unavailable ({error}); importing every "
                      "submodule, which is slower", RuntimeWarning, stacklevel=2)
        importlib.import_module(package)
        return False


def _initialise_without_submodules(package: str) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise LayoutError("not an installed package")
    source = spec.loader.get_source(package)  # type: ignore[attr-defined]
    if source is None:
        raise LayoutError("no source for __init__")
    missing = [line for line in _REQUIRED if line not in source]
    if missing:
        raise LayoutError(f"__init__ lacks {missing!r}")
    stripped, count = _EAGER_IMPORT.subn("", source)
    if count < _MIN_SUBMODULES:
        raise LayoutError(f"only {count} eager submodule imports in __init__")
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    # publication.publish() at the end replaces sys.modules[package] by the public module,
    # exactly as in the ordinary import.
    exec(compile(stripped, spec.origin or package, "exec"), module.__dict__)


_STUB_PREFIX = "_typecheckingstub__"
_GET_TYPE_HINTS = typing.get_type_hints


@functools.cache
def _stub_hints(obj: Any, include_extras: bool) -> dict[str, Any]:
    """A stub's hints, computed once per process (kept between blocks)."""
    return _GET_TYPE_HINTS(obj, include_extras=include_extras)


@contextlib.contextmanager
def type_hints_cached() -> Iterator[None]:
    """Within this block, ``typing.get_type_hints`` memoises jsii's type-checking stubs;
    afterwards it is the original again. Nested blocks reuse the outer one's cache."""
    original = typing.get_type_hints
    if getattr(original, "_scorer_cached", False):
        yield
        return

    @functools.wraps(original)
    def get_type_hints(obj: Any, globalns: Any = None, localns: Any = None,
                       include_extras: bool = False) -> dict[str, Any]:
        if (globalns is None and localns is None
                and getattr(obj, "__name__", "").startswith(_STUB_PREFIX)):
            return _stub_hints(obj, include_extras)
        return original(obj, globalns, localns, include_extras)

    get_type_hints._scorer_cached = True  # type: ignore[attr-defined]
    typing.get_type_hints = get_type_hints
    try:
        yield
    finally:
        typing.get_type_hints = original
