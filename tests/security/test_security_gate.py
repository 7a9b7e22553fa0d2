"""The checkov security gate, for real (marker ``security``): checkov from its own virtual
environment over every stack of the session's synthesis; without that environment it fails,
loudly (its rules on made-up reports: tests/unit/test_security_gate_rules.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from security.checkov_gate import CHECKOV, scan
from tests.helpers.spec_routes import SPEC_STACKS
from tests.helpers.synth import Synthesized


@pytest.fixture(scope="module")
def checkov() -> Path:
    checkov = Path(os.environ.get("CHECKOV", CHECKOV))
    if not os.access(checkov, os.X_OK):
        pytest.fail(f"checkov is not installed at {checkov}: `make test` (or `make "
                    ".venv-checkov/.installed`) creates it from security/checkov-requirements.txt")
    return checkov


def test_security_gate_passes_on_every_synthesized_stack(
    synthesized: Synthesized, checkov: Path, tmp_path: Path
) -> None:
    # Only the stacks' JSON, so that Terraform's .terraform folders never get scanned.
    for stack_file in (synthesized.outdir / "stacks").glob("*/cdk.tf.json"):
        target = tmp_path / "stacks" / stack_file.parent.name
        target.mkdir(parents=True)
        shutil.copy(stack_file, target)
    verdict = scan(tmp_path, checkov)
    print(verdict.report())
    assert verdict.ok, verdict.report()
    assert sorted(p.name for p in (tmp_path / "stacks").iterdir()) == sorted(SPEC_STACKS)


def test_security_gate_fails_on_a_file_checkov_cannot_parse(
    synthesized: Synthesized, checkov: Path, tmp_path: Path
) -> None:
    good = synthesized.outdir / "stacks" / "scorer-production-routing" / "cdk.tf.json"
    for name, text in (("scorer-production-routing", good.read_text()),
                       ("scorer-broken-routing", json.dumps({"resource": {}})[:-3])):
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "cdk.tf.json").write_text(text)
    verdict = scan(tmp_path, checkov)
    assert not verdict.ok
    assert [Path(p).parent.name for p in verdict.parsing_errors] == ["scorer-broken-routing"]

