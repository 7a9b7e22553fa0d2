"""``main.py`` as operators run it: one real synth, then a bad input that must change nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parent.parent


def run_main(outdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CDKTF_OUTDIR": str(outdir),
               "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **env}
    for name in ("ENVIRONMENTS", "RUST_ROUTING_PERCENT", "PYTHON_IMAGE_TAG",
                 "SCORER_PROVIDER_IMPORT"):
        if name not in env:
            environ.pop(name, None)
    # As cdktf.json runs it: -O skips jsii's per-call argument type checks (the in-process
    # tests keep them on and build every environment).
    return subprocess.run([sys.executable, "-O", "main.py"], cwd=ROOT, env=environ, text=True,
                          capture_output=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synthesized_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    result = run_main(outdir)
    assert result.returncode == 0, result.stderr
    return outdir


def test_synthesizes_five_stacks_for_each_of_four_environments(synthesized_outdir: Path) -> None:
    stacks = sorted(p.name for p in (synthesized_outdir / "stacks").iterdir())
    assert stacks == sorted(
        f"scorer-{env}-{part}"
        for env in ("staging", "review", "production", "local")
        for part in ("public-alb", "internal-alb", "lambdas", "routing", "monitoring"))
    for stack in stacks:
        assert (synthesized_outdir / "stacks" / stack / "cdk.tf.json").is_file()


@pytest.mark.parametrize(("env", "message"), [
    ({"RUST_ROUTING_PERCENT": "abc"},
     "error: RUST_ROUTING_PERCENT='abc' is invalid: it must be an integer from 0 to 100"),
    ({"ENVIRONMENTS": "prod"},
     "error: ENVIRONMENTS names unknown environment(s) 'prod'; "
     "known: staging, review, production, local"),
    ({"PYTHON_IMAGE_TAG": "no spaces"},
     "error: PYTHON_IMAGE_TAG='no spaces' is invalid: an image tag is 1..128 characters of "
     "[A-Za-z0-9_.-], not starting with '.' or '-'"),
])
def test_bad_input_exits_non_zero_and_leaves_cdktf_out_as_it_was(
    synthesized_outdir: Path, env: dict[str, str], message: str
) -> None:
    before = snapshot(synthesized_outdir)
    result = run_main(synthesized_outdir, **env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == message
    assert snapshot(synthesized_outdir) == before


def test_lazy_provider_loading_synthesizes_byte_for_byte_the_same(
    synthesized_outdir: Path, tmp_path: Path
) -> None:
    """The ordinary (eager) import of the provider package and the lazy loader give the same
    files for every environment."""
    eager = tmp_path / "cdktf.out"
    result = run_main(eager, SCORER_PROVIDER_IMPORT="eager")
    assert result.returncode == 0, result.stderr
    assert snapshot(eager) == snapshot(synthesized_outdir)
    assert len([name for name in snapshot(eager) if name.endswith("cdk.tf.json")]) == 20
