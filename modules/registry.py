"""The target-group registry: the one place where backends meet listener rules.

Lambda and ALB stacks register each target group under (load balancer, backend);
the routing stack resolves backends from it. A target group serves one load
balancer only, so resolving a backend on another load balancer's listener is an error.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from modules.errors import ConfigurationError

T = TypeVar("T")


class RegistryError(ConfigurationError):
    """A backend registered twice, unknown, or asked for on the wrong load balancer."""


class TargetGroupRegistry(Generic[T]):
    def __init__(self, environment: str) -> None:
        self.environment = environment
        self._entries: dict[tuple[str, str], T] = {}

    def register(self, load_balancer: str, backend: str, target_group: T) -> None:
        key = (load_balancer, backend)
        if key in self._entries:
            raise RegistryError(
                f"[{self.environment}] backend {backend!r} is already registered "
                f"on the {load_balancer} load balancer"
            )
        for other_lb, other_backend in self._entries:
            if other_backend == backend:
                raise RegistryError(
                    f"[{self.environment}] backend {backend!r} is registered on the {other_lb} "
                    f"load balancer and cannot also serve the {load_balancer} load balancer "
                    "(a target group serves one load balancer)"
                )
        self._entries[key] = target_group

    def keys(self, load_balancer: str) -> list[str]:
        return sorted(b for lb, b in self._entries if lb == load_balancer)

    def load_balancer_of(self, backend: str) -> str | None:
        return next((lb for lb, b in self._entries if b == backend), None)

    def resolve(self, load_balancer: str, backend: str, used_by: str = "") -> T:
        """The target group of ``backend`` for a listener of ``load_balancer``."""
        found = self._entries.get((load_balancer, backend))
        if found is not None:
            return found
        where = f" (route {used_by!r})" if used_by else ""
        owner = self.load_balancer_of(backend)
        if owner is not None:
            raise RegistryError(
                f"[{self.environment}] backend {backend!r}{where} is a target group of the {owner} "
                f"load balancer and cannot be used on a listener of the {load_balancer} "
                "load balancer"
            )
        known = ", ".join(self.keys(load_balancer)) or "none"
        raise RegistryError(
            f"[{self.environment}] unknown backend {backend!r}{where} on the {load_balancer} "
            f"load balancer; known: {known}"
        )
