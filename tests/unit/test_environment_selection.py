"""Deploy-time variables: which environments are selected, their R by default, the image tag;
a bad value is an error naming the variable (what R does to the synthesized rules:
tests/synth/test_rollout_weights.py)."""

from __future__ import annotations

import pytest

import environments
from model.errors import ConfigurationError
from tests.helpers.spec_routes import SPEC_ENVIRONMENTS


@pytest.mark.parametrize("raw", ["abc", "-1", "101", "5.5", "", " ", "0x10"])
def test_invalid_rust_percent_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        environments.selected({"RUST_ROUTING_PERCENT": raw})
    assert f"RUST_ROUTING_PERCENT={raw!r} is invalid" in str(error.value)


def test_spec_defaults_without_override() -> None:
    assert {c.name: c.rust_percent for c in environments.selected({})} == {
        "staging": 100, "review": 100, "production": 0, "local": 50}


def test_environment_selection() -> None:
    assert [c.name for c in environments.selected({"ENVIRONMENTS": "production"})] == [
        "production"]
    assert [c.name for c in environments.selected({"ENVIRONMENTS": "local, staging"})] == [
        "local", "staging"]
    assert [c.name for c in environments.selected({})] == list(SPEC_ENVIRONMENTS)


def test_unknown_environment_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError) as error:
        environments.selected({"ENVIRONMENTS": "production,prod"})
    assert str(error.value) == (
        "ENVIRONMENTS names unknown environment(s) 'prod'; "
        "known: staging, review, production, local")


def test_python_image_tag_override() -> None:
    (config,) = environments.selected({"ENVIRONMENTS": "production", "PYTHON_IMAGE_TAG": "v1.2.3"})
    assert config.python_image_tag == "v1.2.3"
    with pytest.raises(ConfigurationError) as error:
        environments.selected({"PYTHON_IMAGE_TAG": ""})
    assert str(error.value).startswith("PYTHON_IMAGE_TAG='' is invalid: an image tag is")


def test_rust_version_override() -> None:
    """RUST_VERSION replaces every selected environment's release; a name that is not a
    release is refused naming the variable, its value and the pattern."""
    (config,) = environments.selected({"ENVIRONMENTS": "production", "RUST_VERSION": "v1.4.0"})
    assert config.rust_version == "v1.4.0"
    assert {c.rust_version for c in environments.selected({"RUST_VERSION": "2.0.1-rc.3"})} == {
        "2.0.1-rc.3"}
    for bad in ("", "latest", "v1.2.3.4", "v1.2/3", "v1.2.3\n", "v1-" + "a" * 33):
        with pytest.raises(ConfigurationError) as error:
            environments.selected({"RUST_VERSION": bad})
        assert str(error.value).startswith(f"RUST_VERSION={bad!r} is invalid: a Rust release"
                                           if len(bad) <= 60 else "RUST_VERSION="), bad


def test_an_environment_names_a_valid_release_and_a_key_per_release() -> None:
    from dataclasses import replace

    from model.config import release_problem

    for config in environments.ENVIRONMENTS.values():
        assert release_problem(config.rust_version) is None, config.name
    production = environments.ENVIRONMENTS["production"]
    assert "rust_version 'main' is not a Rust release name" in replace(
        production, rust_version="main").problems()
    fixed = replace(production, artifacts=replace(production.artifacts,  # type: ignore[type-var]
                                                  rust_key="rust/scorer.zip"))
    assert any("rust_key 'rust/scorer.zip' must hold {version}" in p for p in fixed.problems())
