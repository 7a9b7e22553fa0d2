#!/usr/bin/env python
"""Synthesize the routing infrastructure of the selected environments (all by default).

    ENVIRONMENTS=production RUST_ROUTING_PERCENT=5 pipenv run python main.py

The whole model is validated before any construct exists (``stacks.app.build``); on any
error the process prints every problem and exits 1 before anything is synthesized, so an
existing cdktf.out is left as it was.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from cdktf import App

import environments
from modules.errors import ConfigurationError
from stacks import app as scorer_app


def main() -> int:
    try:
        configs = environments.selected(os.environ)
        app = App()  # writes nothing until app.synth()
        scorer_app.build(app, configs)
    except ConfigurationError as error:
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
        count = sum(len(items) for items in config.get("resource", {}).values())
        lines.append(f"  {name:<32} {count:>3} resources")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
