"""The two listeners this project puts rules on, as values.

A ``Listener`` is the routing listener of one load balancer: its name (which is also the
load balancer's, ``scorer-<env>-<name>``), port and protocol, its default action (what a
request no rule matches gets), the priority range its canary rules take, and the legacy
priorities that rules of the previous code may still hold (docs/routing.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.routing.actions import Action, Redirect, fixed_response, forward


@dataclass(frozen=True)
class Listener:
    name: str
    port: int
    protocol: str
    internal: bool
    default_action: Action
    canary_priorities: range
    legacy_priorities: tuple[range, ...]
    title: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.name

    def legacy_range_of(self, priority: int) -> range | None:
        return next((r for r in self.legacy_priorities if priority in r), None)

    def is_canary_priority(self, priority: int) -> bool:
        return priority in self.canary_priorities


# Canary rules (model/rollout/controls.py) send requests with this header to Rust at any R.
CANARY_HEADER = ("X-Use-Rust-Scorer", "true")

# Canary ranges sit below every route of their listener: 1021-1029 between the legacy
# 1001-1020 and 1030; 2095-2099 below the legacy 2100-2103. The legacy priorities are those
# the previous code used; its rules may still exist until the old stacks are destroyed.
PUBLIC = Listener(
    name="public", port=443, protocol="HTTPS", internal=False,
    default_action=forward("svc:default"),
    canary_priorities=range(1021, 1030),
    legacy_priorities=(range(1001, 1021), range(2000, 2001), range(2021, 2024),
                       range(2060, 2061), range(3000, 3001), range(5010, 5011),
                       range(5020, 5021)),
    title="Public ALB, HTTPS :443 listener",
)
INTERNAL = Listener(
    name="internal", port=80, protocol="HTTP", internal=True,
    default_action=fixed_response(404, "application/json", '{"detail": "Not Found"}'),
    canary_priorities=range(2095, 2100),
    legacy_priorities=(range(2100, 2104), range(2202, 2203)),
    title="Internal ALB, HTTP :80 listener",
)
LISTENERS: tuple[Listener, ...] = (PUBLIC, INTERNAL)

# The public ALB's plain HTTP :80 listener carries no rules; it sends every request to HTTPS.
PUBLIC_HTTP_REDIRECT = Redirect(port=443, protocol="HTTPS")


def listener_named(name: str) -> Listener:
    """The listener called ``name``; KeyError naming the known ones otherwise."""
    for listener in LISTENERS:
        if listener.name == name:
            return listener
    raise KeyError(f"unknown listener {name!r}; known: {', '.join(map(str, LISTENERS))}")
