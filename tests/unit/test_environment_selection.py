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
