#!/usr/bin/env python
"""Synthesize the routing infrastructure of the selected environments (all by default).

    ENVIRONMENTS=production RUST_ROUTING_PERCENT=5 pipenv run python main.py

The whole model is validated first, without loading cdktf or the AWS provider bindings
(pure data: environments, route table, functions), so bad input fails in a fraction of a
second. On any error the process prints every problem and exits 1 before any construct
exists, so an existing cdktf.out is left as it was.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import environments
from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.errors import ConfigurationError
from model.function_spec import FunctionSpec
from model.routing.backend import Backend
from model.routing.route import Route
from model.validation import validate


def main(
    environ: Mapping[str, str] | None = None,
    routes: tuple[Route, ...] = ROUTES,
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
    services: tuple[Backend, ...] = SERVICE_BACKENDS,
) -> int:
    """Exit status: 0 synthesized, 1 bad input (nothing written)."""
    try:
        configs = environments.selected(os.environ if environ is None else environ)
        validate(configs, routes, functions, services)
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    # Only a valid model pays for cdktf and the provider bindings (about 1.5 s).
    from modules.provider import kernel_loading_lazily

    with kernel_loading_lazily():
        from modules.aws import App

    from stacks.app import build_validated

    app = App()  # writes nothing until app.synth()
    try:
        build_validated(app, configs, routes, functions, services)
    except ConfigurationError as error:  # the registry's checks, while constructs are built
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.synth()
    print(summary(app.outdir))
    return 0


def summary(outdir: str) -> str:
    """One line per synthesized stack with its resource count, for the operator."""
    manifest = json.loads(Path(outdir, "manifest.json").read_text())
    lines = [f"synthesized {len(manifest['stacks'])} stacks into {outdir}:"]
    for name, stack in sorted(manifest["stacks"].items()):
        config = json.loads(Path(outdir, stack["synthesizedStackPath"]).read_text())
        count = sum(_instances(resource) for items in config.get("resource", {}).values()
                    for resource in items.values())
        lines.append(f"  {name:<32} {count:>3} resources")
    return "\n".join(lines)


def _instances(resource: dict[str, object]) -> int:
    """A resource with a literal ``for_each`` map (the alarm sets) is one per key."""
    for_each = resource.get("for_each")
    return len(for_each) if isinstance(for_each, dict) else 1


if __name__ == "__main__":
    sys.exit(main())
