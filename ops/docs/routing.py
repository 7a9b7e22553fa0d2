"""Render docs/routing.md from the route table: ``pipenv run python -m ops.docs.routing``.

A test fails when docs/routing.md differs from what this prints.
"""

from __future__ import annotations

import sys

from model.catalog.route_table import ROUTES
from model.routing.listener import CANARY_HEADER, LISTENERS
from model.routing.route import Route


def _code(value: str) -> str:
    return f"`{value}`"


def _row(route: Route) -> str:
    c = route.conditions
    cells = [
        str(route.priority),
        route.key,
        ", ".join(map(_code, c.paths)) or "–",
        ", ".join(c.methods) or "any",
        ", ".join(map(_code, c.hosts)) or "–",
        route.action.describe(),
        route.why,
    ]
    return "| " + " | ".join(cells) + " |"


def render(routes: tuple[Route, ...] = ROUTES, rust_percents: dict[str, int] | None = None) -> str:
    lines = [
        "# Routing table",
        "",
        "Generated from `model/catalog/route_table.py` by `pipenv run python -m ops.docs.routing`; "
        "do not edit by hand (a test compares this file with the code).",
        "",
        "Rules are evaluated from the lowest priority up; the first match wins. Weighted routes "
        "send `100 - R` to Python and `R` to Rust; each rule is "
        "`aws_lb_listener_rule.<key with underscores>` in the `scorer-<env>-routing` stack. "
        "Each weighted route's Rust side is the Rust function through a target group of its "
        "own, `rust:<route key>` (target group `rs-<route key>`, its own invoke permission and "
        "metrics), which its canary rule forwards to as well.",
        "",
    ]
    if rust_percents:
        lines += ["R per environment (default; `RUST_ROUTING_PERCENT` overrides it at synth "
                  "time): " + ", ".join(f"{n} {r}" for n, r in rust_percents.items()) + ".", ""]
    for listener in LISTENERS:
        ranges = ", ".join(
            f"{r.start}" if len(r) == 1 else f"{r.start}-{r.stop - 1}"
            for r in listener.legacy_priorities)
        canary = listener.canary_priorities
        lines += [
            f"## {listener.title}",
            "",
            f"Default action: {listener.default_action.describe()}. "
            f"Legacy priorities kept free: {ranges}. "
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
