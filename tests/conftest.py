"""Shared fixtures: the app is built and synthesized once per session (the provider import
costs seconds), then every stack is read back with cdktf ``Testing.synth``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typeguard

import environments
from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.config import STACK_PARTS
from model.paths import PROJECT_ROOT
from model.validation import validate
from modules.aws import App, TerraformStack, Testing
from modules.provider import type_hints_cached
from stacks import app as scorer_app

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ROOT = PROJECT_ROOT
PARTS = STACK_PARTS


class Synthesized(dict[str, dict[str, dict[str, Any]]]):
    """environment -> stack part -> synthesized JSON; ``outdir`` holds the app's output."""

    outdir: Path


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
    cost (``test_stacks.py`` compares both for every stack of production). jsii checks the
    argument types of the environments in ``type_checked`` only."""
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


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """All four environments with their default Rust percentages, production read with
    ``Testing.synth``. jsii checks every argument type of production and local, which take
    every code path between them (staging and review make production's calls with other
    values)."""
    return synthesize({}, tmp_path_factory.mktemp("synth"), testing_synth=("production",),
                      type_checked=("production", "local"))


# The rollout as operators run it in production, built once per session and shared by the
# rollout, rollout-control and monitoring tests (each build costs most of a second): the first
# step R = 5, one route held at its own R, two canary rules; and the same in an emergency.
CANARIES = "ceramic-cache-bulk-post,embed-add-stamps"
ROLLOUT = {"ENVIRONMENTS": "production", "RUST_ROUTING_PERCENT": "5",
           "RUST_ROUTING_PERCENT_ROUTES": "internal-catchall=0", "RUST_CANARY_ROUTES": CANARIES}
EMERGENCY = {**ROLLOUT, "RUST_EMERGENCY_ROLLBACK": "true"}


@pytest.fixture(scope="session")
def synthesize_with(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Mapping[str, str]], Synthesized]:
    """Synthesize with deploy-time variables; each distinct set is built once per session."""
    cache: dict[tuple[tuple[str, str], ...], Synthesized] = {}

    def build(environ: Mapping[str, str]) -> Synthesized:
        key = tuple(sorted(environ.items()))
        if key not in cache:
            # the default build checked these calls' argument types
            cache[key] = synthesize(environ, tmp_path_factory.mktemp("variant"))
        return cache[key]

    return build


@pytest.fixture(scope="session")
def terraform_env() -> dict[str, str]:
    """The environment for Terraform runs; Terraform missing fails the test, loudly."""
    from ops.driver.tools import terraform_environment

    if not shutil.which("terraform"):
        pytest.fail("Terraform is not on the PATH: install Terraform >= 1.5 to run the "
                    "validation and emulator tests (docs/testing.md)")
    return terraform_environment()


_DEPLOY_VARIABLES = ("ENVIRONMENTS", "RUST_ROUTING_PERCENT", "RUST_ROUTING_PERCENT_ROUTES",
                     "RUST_EMERGENCY_ROLLBACK", "RUST_CANARY_ROUTES", "PYTHON_IMAGE_TAG",
                     "SCORER_PROVIDER_IMPORT")


def process_environ(outdir: Path, **env: str) -> dict[str, str]:
    """This process's environment without the operator's deploy-time variables, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if k not in _DEPLOY_VARIABLES}
    return {**environ, "CDKTF_OUTDIR": str(outdir),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **env}


def run_main(outdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # As cdktf.json runs it: -O skips jsii's per-call argument type checks (the in-process
    # tests keep them on and build every environment).
    return subprocess.run([sys.executable, "-O", "main.py"], cwd=ROOT, text=True,
                          env=process_environ(outdir, **env), capture_output=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def synthesized_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    result = run_main(outdir)
    assert result.returncode == 0, result.stderr
    return outdir


_LAYER_ORDER = ("process", "security", "terraform", "emulator")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Cheapest layer first: unit tests, then main.py processes, the security gate, Terraform,
    the emulator."""

    def layer(item: pytest.Item) -> int:
        marks = {m.name for m in item.iter_markers()}
        return next((i + 1 for i, name in enumerate(_LAYER_ORDER) if name in marks), 0)

    items.sort(key=layer)  # stable: file order within a layer
