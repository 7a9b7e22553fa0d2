"""Synthesize ``local`` with a synthetic route table of N rules per listener.

    python bench/scale_app.py N OUTDIR

Half of the rules are weighted Python/Rust (each with its own Rust target group), half plain
forwards; the ALB quota checks (rules, target groups) are relaxed so that N may exceed 100
(benchmark only).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.provider import kernel_loading_lazily

with kernel_loading_lazily():
    from modules.aws import App

from dataclasses import replace

from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS, RUST_SCORER, rust_route_backends
from model.routing.actions import forward, weighted_forward
from model.routing.backend import RUST_OF_ROUTE
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.route import Route, when, with_own_rust
from model.validation import validate
from stacks import app as scorer_app

BACKENDS = {
    PUBLIC: ("py:cc-v1-st-GET-0", RUST_OF_ROUTE, "svc:registry"),
    INTERNAL: ("py:embed-gs-lambda", RUST_OF_ROUTE, "svc:internal"),
}


def synthetic_routes(per_listener: int) -> tuple[Route, ...]:
    routes = []
    for listener, (python, rust, service) in BACKENDS.items():
        for i in range(per_listener):
            action = weighted_forward(python, rust) if i % 2 else forward(service)
            routes.append(Route(f"bench-{listener}-{i}", listener, 10_000 + i,
                                when(f"/bench/{i}/*", ["GET"]), action))
    return with_own_rust(tuple(routes))  # each weighted route its own Rust target group


def main() -> None:
    per_listener, outdir = int(sys.argv[1]), sys.argv[2]
    app = App(outdir=outdir)
    configs, routes = [ENVIRONMENTS["local"]], synthetic_routes(per_listener)
    # past the quota; a synthetic table that was never deployed renames nothing
    functions = tuple(replace(f, backends=rust_route_backends(routes))
                      if f.name == RUST_SCORER.name else f for f in FUNCTIONS)
    validate(configs, routes, functions, rules_per_load_balancer_max=10 * per_listener,
             deployed_keys=frozenset(),
             target_groups_per_load_balancer_max=10 * per_listener + 100)
    scorer_app.build_validated(app, configs, routes, functions)
    app.synth()


if __name__ == "__main__":
    main()
