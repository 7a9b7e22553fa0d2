"""The target-group registry: the one place where backends meet listener rules.

Lambda and ALB stacks register each target group under (listener, backend); the routing
stack resolves backends from it. A target group serves one load balancer only, so resolving
a backend for another load balancer's listener is an error.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from model.errors import ConfigurationError
from model.routing.listener import Listener

T = TypeVar("T")


class RegistryError(ConfigurationError):
    """A backend registered twice, unknown, or asked for on the wrong load balancer."""


class TargetGroupRegistry(Generic[T]):
    def __init__(self, environment: str) -> None:
        self.environment = environment
        self._entries: dict[tuple[Listener, str], T] = {}

    def register(self, listener: Listener, backend: str, target_group: T) -> None:
        key = (listener, backend)
        if key in self._entries:
            raise RegistryError(
                f"[{self.environment}] backend {backend!r} is already registered "
                f"on the {listener} load balancer"
            )
        owner = self.listener_of(backend)
        if owner is not None:
            raise RegistryError(
                f"[{self.environment}] backend {backend!r} is registered on the {owner} "
                f"load balancer and cannot also serve the {listener} load balancer "
                "(a target group serves one load balancer)"
            )
        self._entries[key] = target_group

    def keys(self, listener: Listener) -> list[str]:
        return sorted(b for lst, b in self._entries if lst == listener)

    def listener_of(self, backend: str) -> Listener | None:
        return next((lst for lst, b in self._entries if b == backend), None)

    def resolve(self, listener: Listener, backend: str, used_by: str = "") -> T:
        """The target group of ``backend`` for ``listener``'s load balancer."""
        found = self._entries.get((listener, backend))
        if found is not None:
            return found
        where = f" (route {used_by!r})" if used_by else ""
        owner = self.listener_of(backend)
        if owner is not None:
            raise RegistryError(
                f"[{self.environment}] backend {backend!r}{where} is a target group of the {owner} "
                f"load balancer and cannot be used on a listener of the {listener} "
                "load balancer"
            )
        known = ", ".join(self.keys(listener)) or "none"
        raise RegistryError(
            f"[{self.environment}] unknown backend {backend!r}{where} on the {listener} "
            f"load balancer; known: {known}"
        )
