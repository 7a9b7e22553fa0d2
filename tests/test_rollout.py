"""R at deploy time: RUST_ROUTING_PERCENT changes weights and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

import environments
from modules.errors import ConfigurationError
from tests.conftest import Synthesized

Synth = Callable[[Mapping[str, str]], Synthesized]


def weighted_weights(synthesized: Synthesized) -> set[tuple[int, int]]:
    found = set()
    for parts in synthesized.values():
        for rule in parts["routing"]["resource"]["aws_lb_listener_rule"].values():
            forward = rule["action"][0].get("forward")
            if forward:
                found.add(tuple(t["weight"] for t in forward["target_group"]))
    return found


def addresses(synthesized: Synthesized) -> dict[tuple[str, str], set[str]]:
    """Every resource, data source and output address, per environment and stack."""
    found = {}
    for env, parts in synthesized.items():
        for part, stack in parts.items():
            names = {f"{kind}.{name}" for kind, items in stack.get("resource", {}).items()
                     for name in items}
            names |= {f"data.{kind}.{name}" for kind, items in stack.get("data", {}).items()
                      for name in items}
            names |= {f"output.{name}" for name in stack.get("output", {})}
            found[(env, part)] = names
    return found


def at_r(synthesized: Synthesized, synthesize_with: Synth, r: str) -> Synthesized:
    """Every environment synthesized with R = ``r``: an environment whose own R is ``r``
    comes from the session's default build, only the others are built again (R = 0 and 100
    are the spec defaults of production and of staging and review)."""
    others = [name for name, config in environments.ENVIRONMENTS.items()
              if str(config.rust_percent) != r]
    built = synthesize_with({"RUST_ROUTING_PERCENT": r, "ENVIRONMENTS": ",".join(others)})
    return Synthesized({name: built[name] if name in others else synthesized[name]
                        for name in environments.ENVIRONMENTS})


def test_five_percent_gives_95_5_on_every_weighted_rule(
    synthesized: Synthesized, synthesize_with: Synth
) -> None:
    assert weighted_weights(at_r(synthesized, synthesize_with, "5")) == {(95, 5)}


@pytest.mark.parametrize("r", ["0", "100"])
def test_bounds_are_accepted(synthesized: Synthesized, synthesize_with: Synth, r: str) -> None:
    assert weighted_weights(at_r(synthesized, synthesize_with, r)) == {(100 - int(r), int(r))}


def test_changing_r_changes_nothing_but_weights(
    synthesized: Synthesized, synthesize_with: Synth
) -> None:
    by_r = {r: addresses(at_r(synthesized, synthesize_with, r)) for r in ("0", "5", "100")}
    assert by_r["0"] == by_r["5"] == by_r["100"]
    assert len(by_r["0"]) == 20  # five stacks in each of four environments


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
    assert len(environments.selected({"ENVIRONMENTS": ""})) == 4


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
