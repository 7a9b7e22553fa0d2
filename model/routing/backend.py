"""A backend: one target group, the listener (load balancer) it serves, its route-table key."""

from __future__ import annotations

from dataclasses import dataclass

from model.routing.listener import Listener


@dataclass(frozen=True)
class Backend:
    """``key`` is what routes name (``py:<function>``, ``rust:<route key>``, ``svc:...``);
    ``target_group`` is the target group's base name (before the environment's prefix). A
    target group serves one load balancer, so a backend belongs to one listener."""

    listener: Listener
    key: str
    target_group: str


# In the route table, a weighted route names its Rust side ``RUST_OF_ROUTE``: the Rust function
# through a target group of the route's own (``own_rust``), so every route's Rust side has its
# own metrics (docs/architecture.md). ``model.routing.route.with_own_rust`` fills it in.
RUST_OF_ROUTE = "rust:<route>"


def own_rust(route_key: str) -> str:
    """The backend key of ``route_key``'s own Rust target group."""
    return f"rust:{route_key}"


def own_rust_target_group(route_key: str) -> str:
    """The base name (before the environment's prefix) of ``route_key``'s Rust target group."""
    return f"rs-{route_key}"


def route_of_rust(backend: str) -> str | None:
    """The route whose own Rust target group ``backend`` is, or None."""
    return backend.removeprefix("rust:") if backend.startswith("rust:") else None
