"""modules/provider.py: lazy loading of the provider package, and its safe fallback."""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.provider import cache_type_hints, load_lazily

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


def test_type_hints_of_jsii_stubs_are_cached_and_others_are_not() -> None:
    cache_type_hints()
    cache_type_hints()  # idempotent

    def _typecheckingstub__example(value: int) -> None: ...

    def ordinary(value: str) -> None: ...

    first = typing.get_type_hints(_typecheckingstub__example)
    assert first == {"value": int, "return": type(None)}
    assert typing.get_type_hints(_typecheckingstub__example) is first
    assert typing.get_type_hints(ordinary) is not typing.get_type_hints(ordinary)
