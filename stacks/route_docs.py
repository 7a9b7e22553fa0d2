"""Render docs/routing.md from the route table: ``pipenv run python -m stacks.route_docs``.

A test fails when docs/routing.md differs from what this prints.
"""

from __future__ import annotations

import sys

from modules.route import LISTENERS, FixedResponse, Forward, Route, WeightedForward
from stacks.route_table import (
    CANARY_HEADER,
    CANARY_PRIORITIES,
    INTERNAL_DEFAULT_RESPONSE,
    LEGACY_PRIORITIES,
    PUBLIC_DEFAULT_BACKEND,
    ROUTES,
)

_LISTENER_TITLES = {
    "public": "Public ALB, HTTPS :443 listener",
    "internal": "Internal ALB, HTTP :80 listener",
}


def _code(value: str) -> str:
    return f"`{value}`"


def _action(route: Route) -> str:
    action = route.action
    if isinstance(action, Forward):
        return f"forward {_code(action.backend)}"
    if isinstance(action, WeightedForward):
        return (f"weighted: {_code(action.python)} 100-R, {_code(action.rust)} R, "
                f"sticky {action.stickiness_seconds} s")
    assert isinstance(action, FixedResponse)
    return f"fixed response {action.status_code} {_code(action.content_type)}"


def _row(route: Route) -> str:
    c = route.conditions
    cells = [
        str(route.priority),
        route.key,
        ", ".join(map(_code, c.paths)) or "–",
        ", ".join(c.methods) or "any",
        ", ".join(map(_code, c.hosts)) or "–",
        _action(route),
        route.why,
    ]
    return "| " + " | ".join(cells) + " |"


def render(routes: tuple[Route, ...] = ROUTES, rust_percents: dict[str, int] | None = None) -> str:
    lines = [
        "# Routing table",
        "",
        "Generated from `stacks/route_table.py` by `pipenv run python -m stacks.route_docs`; "
        "do not edit by hand (a test compares this file with the code).",
        "",
        "Rules are evaluated from the lowest priority up; the first match wins. Weighted routes "
        "send `100 - R` to Python and `R` to Rust; each rule is "
        "`aws_lb_listener_rule.<key with underscores>` in the `scorer-<env>-routing` stack.",
        "",
    ]
    if rust_percents:
        lines += ["R per environment (default; `RUST_ROUTING_PERCENT` overrides it at synth "
                  "time): " + ", ".join(f"{n} {r}" for n, r in rust_percents.items()) + ".", ""]
    defaults = {
        "public": f"forward {_code(PUBLIC_DEFAULT_BACKEND)}",
        "internal": f"fixed response {INTERNAL_DEFAULT_RESPONSE.status_code} "
                    f"{_code(INTERNAL_DEFAULT_RESPONSE.body)}",
    }
    for listener in LISTENERS:
        ranges = ", ".join(
            f"{r.start}" if len(r) == 1 else f"{r.start}-{r.stop - 1}"
            for r in LEGACY_PRIORITIES[listener])
        canary = CANARY_PRIORITIES[listener]
        lines += [
            f"## {_LISTENER_TITLES[listener]}",
            "",
            f"Default action: {defaults[listener]}. Legacy priorities kept free: {ranges}. "
            f"Canary rules ({CANARY_HEADER[0]}: {CANARY_HEADER[1]}, where an environment "
            f"lists them): {canary.start}-{canary.stop - 1}.",
            "",
            "| priority | route key | path | methods | host | action | why |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [_row(r) for r in sorted(routes, key=lambda r: r.priority)
                  if r.listener == listener]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    from environments import ENVIRONMENTS

    sys.stdout.write(render(rust_percents={n: c.rust_percent for n, c in ENVIRONMENTS.items()}))


if __name__ == "__main__":
    main()
