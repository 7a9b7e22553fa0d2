"""The checkov security gate, for real (marker ``security``): checkov from its own virtual
environment over every stack of the session's synthesis; without that environment it fails,
loudly (its rules on made-up reports: tests/unit/test_security_gate_rules.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from security.checkov_gate import CHECKOV, ScanResult, evaluate, load_skips, scan
from tests.helpers import background
from tests.helpers.spec_routes import SPEC_STACKS
from tests.helpers.synth import Synthesized


@pytest.fixture(scope="module")
def checkov() -> Path:
    checkov = Path(os.environ.get("CHECKOV", CHECKOV))
    if not os.access(checkov, os.X_OK):
        pytest.fail(f"checkov is not installed at {checkov}: `make test` (or `make "
                    ".venv-checkov/.installed`) creates it from security/checkov-requirements.txt")
    return checkov


@pytest.fixture(scope="module")
def scanned(synthesized: Synthesized, checkov: Path, request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScanResult]:
    """checkov over a copy of every stack's JSON (only the JSON, so that Terraform's
    .terraform folders never get scanned) and the gate's verdict, as ``scan`` gives it:
    checkov has run in the background since the session's synthesis was built
    (``tests/helpers/background.py``), or starts here when this layer runs alone."""
    job = background.jobs(request.config).get("security") or background.start_checkov(
        synthesized.outdir, checkov, tmp_path_factory.mktemp("security"))
    assert job.folder is not None
    stack_files = sorted((job.folder / "stacks").glob("*/cdk.tf.json"))
    reports = background.findings(job)
    assert isinstance(reports, list), reports
    return job.folder, evaluate(reports, load_skips(), [p.parent.name for p in stack_files])


def test_security_gate_passes_on_every_synthesized_stack(
        scanned: tuple[Path, ScanResult]) -> None:
    folder, verdict = scanned
    print(verdict.report())
    assert verdict.ok, verdict.report()
    assert sorted(p.name for p in (folder / "stacks").iterdir()) == sorted(SPEC_STACKS)


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

