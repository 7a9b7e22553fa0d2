"""The bad-input table (tests/bad_input.py, listed in docs/validation.md): each invalid
configuration, run as a process, exits 1 with its own message and leaves a previously
synthesized cdktf.out byte for byte as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_input import CASES, BadInput
from tests.conftest import ROOT, process_environ, snapshot

pytestmark = pytest.mark.process


def test_the_table_has_at_least_15_distinct_cases() -> None:
    assert len(CASES) >= 15
    assert len({c.name for c in CASES}) == len({c.message for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def before(synthesized_outdir: Path) -> dict[str, str]:
    return snapshot(synthesized_outdir)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_with_its_own_message_and_changes_nothing(
    synthesized_outdir: Path, before: dict[str, str], case: BadInput
) -> None:
    result = subprocess.run(
        [sys.executable, "-O", "-m", "tests.bad_input", case.name], cwd=ROOT, text=True,
        env=process_environ(synthesized_outdir, **case.environ), capture_output=True,
        timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    # Every line is this case's problem (once per environment it affects), nothing else.
    assert all(case.message in line for line in lines), result.stderr
    assert snapshot(synthesized_outdir) == before


def test_bad_input_is_refused_before_cdktf_and_the_provider_load() -> None:
    """Validation needs only data modules, so a mistake costs a fraction of a second."""
    code = ("import sys, main; main.main({'RUST_ROUTING_PERCENT': 'x'}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('cdktf', 'jsii', 'cdktf_cdktf_provider_aws', 'constructs')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True,
                            capture_output=True, timeout=60)
    assert result.stdout == "[]\n", result.stdout + result.stderr
