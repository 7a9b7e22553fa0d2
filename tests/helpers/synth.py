"""Synthesis for the tests: the app built as ``main.py`` builds it, read back as JSON; the
deploy-time variants the synth tests share; small readers of synthesized JSON."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import typeguard

import environments
from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.validation import validate
from modules.aws import App, TerraformStack, Testing
from modules.provider import type_hints_cached
from stacks import app as scorer_app


class Synthesized(dict[str, dict[str, dict[str, Any]]]):
    """environment -> stack part -> synthesized JSON; ``outdir`` holds the app's output."""

    outdir: Path


Synth = Callable[[Mapping[str, str]], Synthesized]

# The rollout as operators run it in production, built once per session and shared by the
# rollout, rollout-control and monitoring tests (each build costs most of a second): the first
# step R = 5, one route held at its own R, two canary rules; and the same in an emergency.
CANARIES = "ceramic-cache-bulk-post,embed-add-stamps"
ROLLOUT = {"ENVIRONMENTS": "production", "RUST_ROUTING_PERCENT": "5",
           "RUST_ROUTING_PERCENT_ROUTES": "internal-catchall=0", "RUST_CANARY_ROUTES": CANARIES}
EMERGENCY = {**ROLLOUT, "RUST_EMERGENCY_ROLLBACK": "true"}


def without_metadata(text: str) -> Any:
    """A synthesized stack file's JSON without cdktf's ``"//"`` metadata: what
    ``Testing.synth`` returns for that stack."""
    return json.loads(text, object_hook=lambda o: {k: v for k, v in o.items() if k != "//"})


@contextlib.contextmanager
def jsii_type_checks(enabled: bool) -> Iterator[None]:
    """jsii's argument type checks (typeguard) on or off while constructs are built. Builds
    that make the same calls as a checked one with other values skip them."""
    original = typeguard.check_type
    if not enabled:
        typeguard.check_type = lambda *args, **kwargs: kwargs.get("value")
    try:
        yield
    finally:
        typeguard.check_type = original


def synthesize(environ: Mapping[str, str], outdir: Path, testing_synth: tuple[str, ...] = (),
               type_checked: tuple[str, ...] = ()) -> Synthesized:
    """Build the selected environments as ``main.py`` does and return every stack's JSON:
    with ``Testing.synth`` for the environments in ``testing_synth``, and for the others
    from the files the app's synth wrote, without their metadata, the same JSON at no extra
    cost (``synth/test_stacks.py`` compares both for every stack of production). jsii checks
    the argument types of the environments in ``type_checked`` only."""
    app: App = Testing.app(outdir=str(outdir))  # below pytest's own temporary folder
    configs = environments.selected(environ)
    validate(configs)
    built = {}
    for config in configs:
        with jsii_type_checks(config.name in type_checked), type_hints_cached():
            built[config.name] = scorer_app.build_environment(
                app, config, ROUTES, FUNCTIONS, SERVICE_BACKENDS)
    # Cross-stack references become remote-state lookups during the app's synth; only
    # after it does Testing.synth of one stack show them.
    app.synth()
    outdir = Path(app.outdir)

    def read(stack: TerraformStack, environment: str) -> dict[str, Any]:
        if environment in testing_synth:
            return json.loads(Testing.synth(stack))
        return without_metadata((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text())

    found = Synthesized({
        name: {stack.stack_name.removeprefix(f"scorer-{name}-"): read(stack, name)
               for stack in stacks.all()}
        for name, stacks in built.items()
    })
    found.outdir = outdir
    return found


def resources(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The resources of one kind in a synthesized stack, by name."""
    return stack.get("resource", {}).get(kind, {})


def addresses(synthesized: Synthesized) -> dict[tuple[str, str], set[str]]:
    """Every resource, data source and output address, per environment and stack."""
    found = {}
    for env, parts in synthesized.items():
        for part, stack in parts.items():
            names = {f"{kind}.{name}" for kind, items in stack.get("resource", {}).items()
                     for name in items}
            names |= {f"data.{kind}.{name}" for kind, items in stack.get("data", {}).items()
                      for name in items}
            names |= {f"output.{name}" for name in stack.get("output", {})}
            found[(env, part)] = names
    return found
