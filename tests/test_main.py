"""``main.py`` as operators run it: one real synth of every environment (bad input: see
test_bad_input.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_main, snapshot

pytestmark = pytest.mark.process


def test_synthesizes_five_stacks_for_each_of_four_environments(synthesized_outdir: Path) -> None:
    stacks = sorted(p.name for p in (synthesized_outdir / "stacks").iterdir())
    assert stacks == sorted(
        f"scorer-{env}-{part}"
        for env in ("staging", "review", "production", "local")
        for part in ("public-alb", "internal-alb", "lambdas", "routing", "monitoring"))
    for stack in stacks:
        assert (synthesized_outdir / "stacks" / stack / "cdk.tf.json").is_file()


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
