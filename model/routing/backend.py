"""A backend: one target group, the listener (load balancer) it serves, its route-table key."""

from __future__ import annotations

from dataclasses import dataclass

from model.routing.listener import Listener


@dataclass(frozen=True)
class Backend:
    """``key`` is what routes name (``py:<function>``, ``rust``, ``rust-int``, ``svc:...``);
    ``target_group`` is the target group's base name (before the environment's prefix). A
    target group serves one load balancer, so a backend belongs to one listener."""

    listener: Listener
    key: str
    target_group: str
