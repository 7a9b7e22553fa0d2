"""The bad-input table (tests/helpers/bad_input.py, listed in docs/validation.md): each invalid
configuration, run as a process, exits 1 with its own message and leaves a previously
synthesized cdktf.out byte for byte as it was."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.bad_input import CASES, BadInput
from tests.helpers.processes import ROOT, process_environ, snapshot


def test_the_table_has_at_least_15_distinct_cases() -> None:
    assert len(CASES) >= 15
    assert len({c.name for c in CASES}) == len({c.message for c in CASES}) == len(CASES)


def _run(outdir: Path, case: BadInput) -> subprocess.CompletedProcess[str]:
    """One case as a process of its own, as ``main.py`` meets it: the table's file run as a
    script (``-P``: the project on the path, not tests/helpers/), so that the ``tests``
    package, whose import starts the jsii kernel, is never imported."""
    return subprocess.run(
        [sys.executable, "-O", "-P", str(ROOT / "tests" / "helpers" / "bad_input.py"),
         case.name], cwd=ROOT, text=True, capture_output=True, timeout=120,
        env=process_environ(outdir, PYTHONPATH=str(ROOT), **case.environ))


@pytest.fixture(scope="module")
def outcomes(synthesized_outdir: Path) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(cdktf.out before, each case's process, cdktf.out after): the cases run two at a
    time (each is a process of its own on a 2-core machine); none may write."""
    before = snapshot(synthesized_outdir)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip([c.name for c in CASES],
                           pool.map(lambda case: _run(synthesized_outdir, case), CASES),
                           strict=True))
    return before, results, snapshot(synthesized_outdir)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_with_its_own_message_and_changes_nothing(
    outcomes: tuple[dict[str, str], dict[str, Any], dict[str, str]], case: BadInput
) -> None:
    before, results, after = outcomes
    result = results[case.name]
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    # Every line is this case's problem (once per environment it affects), nothing else.
    assert all(case.message in line for line in lines), result.stderr
    assert after == before


def test_bad_input_is_refused_before_cdktf_and_the_provider_load() -> None:
    """Validation needs only data modules, so a mistake costs a fraction of a second."""
    code = ("import sys, main; main.main({'RUST_ROUTING_PERCENT': 'x'}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('cdktf', 'jsii', 'cdktf_cdktf_provider_aws', 'constructs')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True,
                            capture_output=True, timeout=60)
    assert result.stdout == "[]\n", result.stdout + result.stderr
