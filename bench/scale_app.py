"""Synthesize ``local`` with a synthetic route table of N rules per listener.

    python bench/scale_app.py N OUTDIR

Half of the rules are weighted Python/Rust, half plain forwards; the ALB quota check is
relaxed so that N may exceed 100 (benchmark only).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.provider import kernel_loading_lazily

with kernel_loading_lazily():
    from modules.aws import App

from environments import ENVIRONMENTS
from model.routing.actions import forward, weighted_forward
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.route import Route, when
from model.validation import validate
from stacks import app as scorer_app

BACKENDS = {
    PUBLIC: ("py:cc-v1-st-GET-0", "rust", "svc:registry"),
    INTERNAL: ("py:embed-gs-lambda", "rust-int", "svc:internal"),
}


def synthetic_routes(per_listener: int) -> tuple[Route, ...]:
    routes = []
    for listener, (python, rust, service) in BACKENDS.items():
        for i in range(per_listener):
            action = weighted_forward(python, rust) if i % 2 else forward(service)
            routes.append(Route(f"bench-{listener}-{i}", listener, 10_000 + i,
                                when(f"/bench/{i}/*", ["GET"]), action))
    return tuple(routes)


def main() -> None:
    per_listener, outdir = int(sys.argv[1]), sys.argv[2]
    app = App(outdir=outdir)
    configs, routes = [ENVIRONMENTS["local"]], synthetic_routes(per_listener)
    # past the quota; a synthetic table that was never deployed renames nothing
    validate(configs, routes, rules_per_load_balancer_max=10 * per_listener,
             deployed_keys=frozenset())
    scorer_app.build_validated(app, configs, routes)
    app.synth()


if __name__ == "__main__":
    main()
