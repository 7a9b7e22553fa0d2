"""A backend: one target group, the load balancer it serves, and its route-table key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    """``key`` is what routes name (``py:<function>``, ``rust``, ``rust-int``, ``svc:...``);
    ``target_group`` is the target group's base name (before the environment's prefix)."""

    load_balancer: str
    key: str
    target_group: str
