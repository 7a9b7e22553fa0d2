"""The target-group registry's errors, each asserting its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.routing.listener import INTERNAL, PUBLIC
from model.routing.registry import RegistryError, TargetGroupRegistry


@pytest.fixture
def registry() -> TargetGroupRegistry[str]:
    found: TargetGroupRegistry[str] = TargetGroupRegistry("staging")
    found.register(PUBLIC, "py:submit-passport-0", "tg-submit")
    found.register(PUBLIC, "rust", "tg-rust")
    found.register(INTERNAL, "rust-int", "tg-rust-int")
    return found


def test_resolves_registered_backends(registry: TargetGroupRegistry[str]) -> None:
    assert registry.resolve(PUBLIC, "rust") == "tg-rust"
    assert registry.resolve(INTERNAL, "rust-int") == "tg-rust-int"
    assert registry.keys(PUBLIC) == ["py:submit-passport-0", "rust"]


def test_registering_the_same_key_twice(registry: TargetGroupRegistry[str]) -> None:
    with pytest.raises(RegistryError) as error:
        registry.register(PUBLIC, "rust", "another")
    assert str(error.value) == (
        "[staging] backend 'rust' is already registered on the public load balancer")


def test_registering_one_backend_on_two_load_balancers(registry: TargetGroupRegistry[str]) -> None:
    with pytest.raises(RegistryError) as error:
        registry.register(INTERNAL, "rust", "another")
    assert str(error.value) == (
        "[staging] backend 'rust' is registered on the public load balancer and cannot also "
        "serve the internal load balancer (a target group serves one load balancer)")


def test_unknown_key_lists_the_known_keys_of_that_load_balancer(
    registry: TargetGroupRegistry[str],
) -> None:
    with pytest.raises(RegistryError) as error:
        registry.resolve(PUBLIC, "py:ghost", used_by="ghost-route")
    assert str(error.value) == (
        "[staging] unknown backend 'py:ghost' (route 'ghost-route') on the public load "
        "balancer; known: py:submit-passport-0, rust")


def test_target_group_of_another_load_balancer(registry: TargetGroupRegistry[str]) -> None:
    with pytest.raises(RegistryError) as error:
        registry.resolve(INTERNAL, "rust", used_by="embed-add-stamps")
    assert str(error.value) == (
        "[staging] backend 'rust' (route 'embed-add-stamps') is a target group of the public "
        "load balancer and cannot be used on a listener of the internal load balancer")


def test_registry_errors_surface_from_construction(tmp_path: Path) -> None:
    """The routing stack resolves through the registry: a route that slipped past the model
    validation still fails while the app is built, before anything is written."""
    from environments import ENVIRONMENTS
    from model.routing.actions import forward
    from model.routing.route import Route, when
    from modules.aws import Testing
    from stacks.routing import RoutingStack

    registry: TargetGroupRegistry[object] = TargetGroupRegistry("local")
    registry.register(PUBLIC, "rust", object())
    bad = (Route("cross", INTERNAL, 2130, when("/x"), forward("rust")),)
    with pytest.raises(RegistryError) as error:
        RoutingStack(Testing.app(outdir=str(tmp_path)), ENVIRONMENTS["local"], registry,  # type: ignore[arg-type]
                     bad, {PUBLIC: "arn:public", INTERNAL: "arn:internal"})
    assert str(error.value) == (
        "[local] backend 'rust' (route 'cross') is a target group of the public load balancer "
        "and cannot be used on a listener of the internal load balancer")
