"""modules/provider.py: lazy loading of the provider package, in Python and in the jsii
kernel (Node.js), and the safe fallback of each."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.provider import NODE_PRELOAD, kernel_loading_lazily, load_lazily, type_hints_cached

SUBMODULES = 120


def _package(root: Path, name: str, layout_ok: bool) -> None:
    package = root / name
    (package / "_jsii").mkdir(parents=True)
    (package / "_jsii" / "__init__.py").write_text("LOADED_ASSEMBLY = True\n")
    lines = ['"""A package laid out like the provider\'s."""', "import publication",
             "from ._jsii import *" if layout_ok else "",
             f"__all__ = {[f'sub{i}' for i in range(SUBMODULES)]!r}",
             "publication.publish()"]
    lines += [f"from . import sub{i}" for i in range(SUBMODULES)]
    (package / "__init__.py").write_text("\n".join(lines) + "\n")
    for i in range(SUBMODULES):
        (package / f"sub{i}.py").write_text(f"from ._jsii import *\nVALUE = {i}\n")


@pytest.fixture
def fake_packages(tmp_path: Path) -> Iterator[Path]:
    _package(tmp_path, "fakeprovider_ok", layout_ok=True)
    _package(tmp_path, "fakeprovider_odd", layout_ok=False)
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in list(sys.modules):
        if name.startswith("fakeprovider_"):
            del sys.modules[name]


def test_only_the_submodules_asked_for_are_loaded(fake_packages: Path) -> None:
    assert load_lazily("fakeprovider_ok") is True
    from fakeprovider_ok.sub7 import VALUE  # type: ignore[import-not-found]

    assert VALUE == 7
    loaded = {n for n in sys.modules if n.startswith("fakeprovider_ok.sub")}
    assert loaded == {"fakeprovider_ok.sub7"}
    assert sys.modules["fakeprovider_ok._jsii"].LOADED_ASSEMBLY is True


def test_an_unexpected_layout_falls_back_to_the_ordinary_import(fake_packages: Path) -> None:
    with pytest.warns(RuntimeWarning, match=r"fakeprovider_odd: lazy loading unavailable .*"
                      r"lacks \['from \._jsii import \*'\]"):
        assert load_lazily("fakeprovider_odd") is False
    assert all(f"fakeprovider_odd.sub{i}" in sys.modules for i in range(SUBMODULES))


def test_an_already_imported_package_is_left_alone(fake_packages: Path) -> None:
    import fakeprovider_ok  # type: ignore[import-not-found]  # noqa: F401

    assert load_lazily("fakeprovider_ok") is False


def test_the_real_provider_is_loaded_lazily() -> None:
    import modules.aws  # noqa: F401

    loaded = [n for n in sys.modules if n.startswith("cdktf_cdktf_provider_aws.")]
    assert "cdktf_cdktf_provider_aws.lb_listener_rule" in loaded
    assert "cdktf_cdktf_provider_aws.wafv2_web_acl" not in loaded
    assert len(loaded) < 100


def test_type_hints_of_jsii_stubs_are_cached_within_the_build_only() -> None:
    import modules.aws  # noqa: F401  (importing the facade patches nothing)

    original = typing.get_type_hints

    def _typecheckingstub__example(value: int) -> None: ...

    def ordinary(value: str) -> None: ...

    with type_hints_cached():
        with type_hints_cached():  # nested: the outer patch serves
            first = typing.get_type_hints(_typecheckingstub__example)
        assert first == {"value": int, "return": type(None)}
        assert typing.get_type_hints(_typecheckingstub__example) is first
        assert typing.get_type_hints(ordinary) is not typing.get_type_hints(ordinary)
        assert typing.get_type_hints is not original
    assert typing.get_type_hints is original
    assert typing.get_type_hints(_typecheckingstub__example) is not first


def _node_package(root: Path, extra: str = "", package: str = "@cdktf/provider-aws") -> Path:
    """node_modules/<package> laid out as the real provider: an index.js requiring one
    module per resource (each records that it was loaded)."""
    lib = root / "node_modules" / package / "lib"
    names = [f"sub{i}" for i in range(SUBMODULES)]
    lines = ['"use strict";', "/**", " * header", " */",
             'Object.defineProperty(exports, "__esModule", { value: true });',
             " = ".join(f"exports.{n}" for n in names) + " = void 0;"]
    lines += [f'exports.{n} = require("./{n}");' for n in names] + [extra]
    for n in names:
        (lib / n).mkdir(parents=True)
        (lib / n / "index.js").write_text(
            f"(globalThis.loaded ||= []).push({n[3:]}); exports.VALUE = {n[3:]};\n")
    (lib / "index.js").write_text("\n".join(lines) + "\n")
    (lib.parent / "package.json").write_text(
        json.dumps({"name": package, "main": "lib/index.js"}))
    return root / "node_modules"


def _node(node_path: Path,
          package: str = "@cdktf/provider-aws") -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is required (it runs the jsii kernel)"
    script = (f"const p = require('{package}'); const before = (globalThis.loaded || [])"
              ".length; const value = p.sub7.VALUE; console.log(JSON.stringify({keys: "
              "Object.keys(p).length, before, value, after: globalThis.loaded}));")
    return subprocess.run([node, "--require", str(NODE_PRELOAD), "-e", script], text=True,
                          capture_output=True, timeout=60, check=True,
                          env={**os.environ, "NODE_PATH": str(node_path)})


def test_the_kernel_requires_only_the_provider_modules_in_use(tmp_path: Path) -> None:
    result = _node(_node_package(tmp_path))
    assert json.loads(result.stdout) == {"keys": SUBMODULES, "before": 0, "value": 7,
                                         "after": [7]}
    assert result.stderr == ""


def test_only_the_provider_packages_own_index_is_made_lazy(tmp_path: Path) -> None:
    """A package of the same shape below the provider (a dependency of its own) loads as is."""
    nested = _node_package(tmp_path / "node_modules" / "@cdktf" / "provider-aws", package="dep")
    found = json.loads(_node(nested, package="dep").stdout)
    assert (found["before"], len(found["after"])) == (SUBMODULES, SUBMODULES)


def test_an_unexpected_index_runs_as_it_is_with_a_warning(tmp_path: Path) -> None:
    result = _node(_node_package(tmp_path, extra="exports.extra = 1;"))
    found = json.loads(result.stdout)
    assert (found["before"], found["value"], len(found["after"])) == (SUBMODULES, 7, SUBMODULES)
    assert "has an unexpected shape; loading every provider module" in result.stderr


def test_kernel_loading_lazily_preloads_for_the_kernel_start_only(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "jsii")  # as before the first import of cdktf
    monkeypatch.setenv("NODE_OPTIONS", "--max-http-header-size=16384")
    monkeypatch.delenv("SCORER_PROVIDER_IMPORT", raising=False)
    with kernel_loading_lazily():
        assert os.environ["NODE_OPTIONS"] == (
            f'--max-http-header-size=16384 --require "{NODE_PRELOAD}"')
    assert os.environ["NODE_OPTIONS"] == "--max-http-header-size=16384"
    monkeypatch.setenv("SCORER_PROVIDER_IMPORT", "eager")
    with kernel_loading_lazily():
        assert os.environ["NODE_OPTIONS"] == "--max-http-header-size=16384"


def test_kernel_loading_lazily_leaves_a_running_kernel_alone() -> None:
    assert "jsii" in sys.modules  # this session's kernel runs already
    before = os.environ.get("NODE_OPTIONS")
    with kernel_loading_lazily():
        assert os.environ.get("NODE_OPTIONS") == before
