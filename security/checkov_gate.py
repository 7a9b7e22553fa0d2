"""The security gate: checkov over every synthesized stack, against a committed skip file.

    pipenv run python -m security.checkov_gate [--outdir cdktf.out]

Without ``--outdir`` it synthesizes every environment into a temporary folder first.
checkov runs from its own virtual environment (``.venv-checkov/``, which ``make test`` and
``make security`` install from ``security/checkov-requirements.txt``) so its dependencies
never meet cdktf's;
``CHECKOV`` names another executable. It scans with the ``terraform_json`` framework,
offline (``--skip-download``). Exit status 0 passes; 1 fails on: a failed check that no entry
of ``security/checkov-skips.toml`` matches, a parsing error, a stack file checkov reported
nothing for, an entry without a reason, an entry that waives nothing in the stacks it
covers; 2 on a tool error.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.paths import PROJECT_ROOT

SKIP_FILE = PROJECT_ROOT / "security" / "checkov-skips.toml"
CHECKOV = PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"
_CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")
_REASON_MIN = 40  # characters: a reason, not a shrug


class ScanError(Exception):
    """The gate could not run (checkov missing or crashed, skip file malformed)."""


@dataclass(frozen=True)
class Skip:
    check: str
    stacks: tuple[str, ...]
    resources: tuple[str, ...]
    reason: str

    def matches(self, check: str, stack: str, resource: str) -> bool:
        name = resource.rsplit(".", 1)[-1]
        return (check == self.check
                and any(fnmatch.fnmatchcase(stack, p) for p in self.stacks)
                and any(fnmatch.fnmatchcase(name, p) for p in self.resources))


def load_skips(path: Path = SKIP_FILE) -> list[Skip]:
    """The skip entries; ScanError naming the entry when one is malformed."""
    try:
        entries = tomllib.loads(path.read_text()).get("skip", [])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScanError(f"cannot read the skip file {path}: {error}") from error
    skips, problems = [], []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name} entry {number} ({entry.get('check', 'no check')})"
        unknown = set(entry) - {"check", "stacks", "resources", "reason"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if not _CHECK_ID.match(str(entry.get("check", ""))):
            problems.append(f"{where}: 'check' must be a checkov AWS check ID")
        for key in ("stacks", "resources"):
            value = entry.get(key)
            if not (isinstance(value, list) and value and all(isinstance(v, str) and v
                                                              for v in value)):
                problems.append(f"{where}: '{key}' must be a non-empty list of glob patterns")
        reason = " ".join(str(entry.get("reason", "")).split())
        if len(reason) < _REASON_MIN:
            problems.append(f"{where}: needs a reason of at least {_REASON_MIN} characters")
        skips.append(Skip(str(entry.get("check")), tuple(entry.get("stacks") or ()),
                          tuple(entry.get("resources") or ()), reason))
    if problems:
        raise ScanError("\n".join(problems))
    return skips


@dataclass
class ScanResult:
    passed: int = 0
    waived: Counter[Skip] = field(default_factory=Counter)
    # (check, check name, stack, resource)
    failed: list[tuple[str, str, str, str]] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    unscanned: list[str] = field(default_factory=list)
    unused: list[Skip] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.parsing_errors or self.unscanned or self.unused)

    def report(self) -> str:
        lines = [f"checkov: {self.passed} passed, {len(self.failed)} failed, "
                 f"{sum(self.waived.values())} skipped with reasons, "
                 f"{len(self.parsing_errors)} parsing errors"]
        for check, name, stack, resource in self.failed:
            lines.append(f"  FAILED {check} {stack} {resource}: {name}")
        lines += [f"  PARSING ERROR {path}" for path in self.parsing_errors]
        lines += [f"  NOT SCANNED {stack} (checkov reported no check for it)"
                  for stack in self.unscanned]
        lines += [f"  UNUSED SKIP {s.check} {', '.join(s.stacks)}: matches no failed check; "
                  "delete it" for s in self.unused]
        for skip, count in sorted(self.waived.items(), key=lambda item: item[0].check):
            lines.append(f"  skipped {skip.check} x{count} ({', '.join(skip.stacks)}): "
                         f"{skip.reason[:90]}...")
        lines.append("security gate: " + ("PASSED" if self.ok else "FAILED"))
        return "\n".join(lines)


def stack_of(file_path: str) -> str:
    """checkov's file path of a stack's JSON (``.../stacks/<stack>/cdk.tf.json``) -> stack."""
    return Path(file_path).parent.name


def evaluate(reports: list[dict[str, Any]], skips: list[Skip], stacks: list[str]) -> ScanResult:
    verdict = ScanResult()
    scanned: set[str] = set()
    for report in reports:
        results = report.get("results", {})
        verdict.passed += len(results.get("passed_checks", []))
        verdict.parsing_errors += [str(p) for p in results.get("parsing_errors", [])]
        if report.get("summary", {}).get("parsing_errors") and not verdict.parsing_errors:
            verdict.parsing_errors.append(f"{report['summary']['parsing_errors']} file(s)")
        for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
            scanned |= {stack_of(c["file_path"]) for c in results.get(outcome, [])}
        for check in results.get("skipped_checks", []):  # inline skips: none are allowed
            verdict.failed.append((check["check_id"], "skipped inline, not in the skip file",
                                   stack_of(check["file_path"]), check["resource"]))
        for check in results.get("failed_checks", []):
            stack = stack_of(check["file_path"])
            skip = next((s for s in skips if s.matches(check["check_id"], stack,
                                                       check["resource"])), None)
            if skip is None:
                verdict.failed.append((check["check_id"], check.get("check_name", ""), stack,
                                       check["resource"]))
            else:
                verdict.waived[skip] += 1
    verdict.unscanned = sorted(set(stacks) - scanned)
    # An entry is stale when a stack it covers was scanned and it waived nothing there.
    verdict.unused = [s for s in skips if s not in verdict.waived and any(
        fnmatch.fnmatchcase(stack, p) for stack in scanned for p in s.stacks)]
    return verdict


def run_checkov(stack_files: list[Path], checkov: Path) -> list[dict[str, Any]]:
    if not os.access(checkov, os.X_OK):
        raise ScanError(f"checkov is not installed at {checkov}: run `make "
                        ".venv-checkov/.installed` (`make test` does it first)")
    files = [arg for path in stack_files for arg in ("--file", str(path))]
    result = subprocess.run(
        [str(checkov), *files, "--framework", "terraform_json", "--skip-download",
         "--output", "json", "--compact"],
        capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    if result.returncode not in (0, 1):  # 1: some check failed, which the skip file decides
        raise ScanError(f"checkov exited {result.returncode}:\n{result.stderr[-3000:]}")
    try:
        parsed = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise ScanError(f"checkov printed no JSON report: {result.stdout[:500]}"
                        f"{result.stderr[-2000:]}") from error
    return parsed if isinstance(parsed, list) else [parsed]


def scan(outdir: Path, checkov: Path = CHECKOV, skip_file: Path = SKIP_FILE) -> ScanResult:
    skips = load_skips(skip_file)
    stack_files = sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    if not stack_files:
        raise ScanError(f"no synthesized stack in {outdir}/stacks")
    reports = run_checkov(stack_files, checkov)
    return evaluate(reports, skips, [p.parent.name for p in stack_files])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, help="a synthesized cdktf.out (default: "
                        "synthesize every environment into a temporary folder)")
    args = parser.parse_args(argv)
    checkov = Path(os.environ.get("CHECKOV", CHECKOV))
    try:
        if args.outdir is not None:
            verdict = scan(args.outdir, checkov)
        else:
            from ops.driver.terraform import DeployError, synth

            with tempfile.TemporaryDirectory() as tmp:
                outdir = Path(tmp) / "cdktf.out"
                try:
                    synth({k: v for k, v in os.environ.items() if k != "CDKTF_OUTDIR"}, outdir)
                except DeployError as error:
                    raise ScanError(str(error)) from error
                verdict = scan(outdir, checkov)
    except ScanError as error:
        print(f"security gate: error: {error}", file=sys.stderr)
        return 2
    print(verdict.report())
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
