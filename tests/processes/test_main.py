"""``main.py`` as operators run it: one real synth of every environment (bad input: see
test_bad_input.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from model.routing.listener import LISTENERS
from tests.helpers.processes import ROOT, process_environ, snapshot
from tests.helpers.spec_routes import SPEC_STACKS


def test_synthesizes_five_stacks_for_each_of_four_environments(synthesized_outdir: Path) -> None:
    stacks = sorted(p.name for p in (synthesized_outdir / "stacks").iterdir())
    assert stacks == sorted(SPEC_STACKS)
    for stack in stacks:
        assert (synthesized_outdir / "stacks" / stack / "cdk.tf.json").is_file()


def test_lazy_provider_loading_synthesizes_byte_for_byte_the_same(
    synthesized_outdir: Path, eager_outdir: Path
) -> None:
    """The ordinary (eager) import of the provider package and the lazy loader give the same
    files. Production and local between them take every code path (staging and review are
    production's calls with other values), so the eager synth builds those two only
    (``SCORER_PROVIDER_IMPORT=eager ENVIRONMENTS=production,local``, the conftest's
    ``eager_outdir``)."""
    eager = eager_outdir
    stacks = [s for s in SPEC_STACKS if s.startswith(("scorer-production-", "scorer-local-"))]
    eager_files = {k: v for k, v in snapshot(eager).items() if k.startswith("stacks/")}
    lazy_files = {k: v for k, v in snapshot(synthesized_outdir).items()
                  if k.startswith(tuple(f"stacks/{s}/" for s in stacks))}
    assert eager_files == lazy_files
    assert {k.split("/")[1] for k in eager_files} == set(stacks)


def test_the_scale_benchmark_app_synthesizes(tmp_path: Path) -> None:
    """make bench's scale case (bench/scale_app.py), small, so a change that breaks the
    benchmark shows here and not only when someone benchmarks."""
    result = subprocess.run([sys.executable, "-O", "bench/scale_app.py", "3", str(tmp_path)],
                            cwd=ROOT, env=process_environ(tmp_path), text=True,
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    routing = json.loads((tmp_path / "stacks" / "scorer-local-routing" / "cdk.tf.json")
                         .read_text())
    assert len(routing["resource"]["aws_lb_listener_rule"]) == 3 * len(LISTENERS)
