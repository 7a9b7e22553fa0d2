"""The checkov security gate's rules on made-up checkov reports, and the skip file (the real
scan: tests/security/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from security.checkov_gate import ScanError, Skip, evaluate, load_skips

REASON = "a reason of this system, long enough to say why the finding is accepted here"
LAMBDAS = "/x/cdktf.out/stacks/scorer-production-lambdas/cdk.tf.json"


def check(check_id: str, resource: str = "resource.submit_passport_0",
          path: str = LAMBDAS) -> dict[str, Any]:
    return {"check_id": check_id, "check_name": "a check", "file_path": path,
            "resource": resource}


def report(passed: int = 1, failed: tuple[dict[str, Any], ...] = (),
           parsing_errors: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"check_type": "terraform_json",
             "results": {"passed_checks": [check("CKV_AWS_1")] * passed,
                         "failed_checks": list(failed), "skipped_checks": [],
                         "parsing_errors": list(parsing_errors)},
             "summary": {"parsing_errors": len(parsing_errors)}}]


DLQ = Skip("CKV_AWS_116", ("scorer-*-lambdas",), ("*",), REASON)


def test_a_failed_check_in_the_skip_file_is_waived_with_its_reason() -> None:
    verdict = evaluate(report(failed=(check("CKV_AWS_116"),)), [DLQ],
                       ["scorer-production-lambdas"])
    assert verdict.ok and verdict.waived == {DLQ: 1}
    assert "1 passed, 0 failed, 1 skipped with reasons, 0 parsing errors" in verdict.report()


@pytest.mark.parametrize(("failed", "why"), [
    (check("CKV_AWS_115"), "another check"),
    (check("CKV_AWS_116", path="/x/stacks/scorer-production-routing/cdk.tf.json"),
     "another stack"),
])
def test_a_failed_check_not_in_the_skip_file_fails_the_gate(failed: dict[str, Any],
                                                            why: str) -> None:
    verdict = evaluate(report(failed=(failed, check("CKV_AWS_116"))), [DLQ],
                       ["scorer-production-lambdas", "scorer-production-routing"])
    assert not verdict.ok, why
    assert [f[0] for f in verdict.failed] == [failed["check_id"]]
    assert "FAILED " + failed["check_id"] in verdict.report()


def test_skip_matches_resource_names_as_checkov_reports_them() -> None:
    only_logs = Skip("CKV_AWS_21", ("scorer-*-alb",), ("access_logs",), REASON)
    alb = "/x/stacks/scorer-staging-public-alb/cdk.tf.json"
    assert only_logs.matches("CKV_AWS_21", "scorer-staging-public-alb", "aws_s3_bucket.access_logs")
    assert only_logs.matches("CKV_AWS_21", "scorer-staging-public-alb", "resource.access_logs")
    verdict = evaluate(report(failed=(check("CKV_AWS_21", "aws_s3_bucket.other", alb),)),
                       [only_logs], ["scorer-staging-public-alb"])
    assert not verdict.ok


def test_parsing_errors_fail_the_gate_although_checkov_passes() -> None:
    verdict = evaluate(report(parsing_errors=(LAMBDAS,)), [], ["scorer-production-lambdas"])
    assert not verdict.ok and verdict.parsing_errors == [LAMBDAS]


def test_a_stack_checkov_said_nothing_about_fails_the_gate() -> None:
    verdict = evaluate(report(), [], ["scorer-production-lambdas", "scorer-production-routing"])
    assert verdict.unscanned == ["scorer-production-routing"] and not verdict.ok


def test_a_stale_skip_entry_fails_the_gate_where_it_applies() -> None:
    assert not evaluate(report(), [DLQ], ["scorer-production-lambdas"]).ok
    # Scanning only other stacks (say ENVIRONMENTS=...) does not make it stale.
    routing = "/x/stacks/scorer-production-routing/cdk.tf.json"
    only_routing = [{**report()[0], "results": {"passed_checks": [check("CKV_AWS_1",
                                                                       path=routing)]}}]
    assert evaluate(only_routing, [DLQ], ["scorer-production-routing"]).ok


@pytest.mark.parametrize(("entry", "message"), [
    ('check = "CKV_AWS_116"\nstacks = ["*"]\nresources = ["*"]\nreason = "because"',
     "needs a reason of at least 40 characters"),
    (f'check = "CKV_AWS_116"\nstacks = []\nresources = ["*"]\nreason = "{REASON}"',
     "'stacks' must be a non-empty list of glob patterns"),
    (f'check = "AWS_116"\nstacks = ["*"]\nresources = ["*"]\nreason = "{REASON}"',
     "'check' must be a checkov AWS check ID"),
])
def test_malformed_skip_entries_are_refused(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "skips.toml"
    path.write_text(f"[[skip]]\n{entry}\n")
    with pytest.raises(ScanError, match=message):
        load_skips(path)


def test_every_committed_skip_has_its_own_reason() -> None:
    skips = load_skips()
    assert len({s.reason for s in skips}) == len(skips)
    assert len({(s.check, s.stacks) for s in skips}) == len(skips)
