"""The deploy driver (ops/driver/deploy.py) without AWS: its lock, its waves, what it prints.

Terraform is a stand-in script here that prints what ``terraform apply -json`` prints; the
emulator layer (tests/emulator/) runs the real thing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.config import STACK_PARTS, deploy_waves
from model.paths import PROJECT_ROOT
from ops.driver.deploy import _apply_importing, _apply_with_progress, deploy_lock, work_folder
from ops.driver.preflight import Refused
from ops.driver.terraform import DeployError


def _fake_terraform(folder: Path, messages: list[dict[str, object]], code: int) -> Path:
    """A ``terraform`` that prints ``messages`` as JSON lines and exits ``code``."""
    script = folder / "terraform"
    lines = "\n".join(json.dumps(m) for m in messages)
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{lines}\nEOF\nexit {code}\n")
    script.chmod(0o755)
    return folder


def _change(kind: str, action: str) -> dict[str, object]:
    key = "change" if kind == "planned_change" else "hook"
    return {"type": kind, key: {"action": action, "resource": {"addr": "x"}}}


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stack"
    (folder / ".terraform").mkdir(parents=True)  # initialised already
    return folder


def test_progress_counts_resources_not_reads(stack_dir: Path, tmp_path: Path) -> None:
    bin_dir = _fake_terraform(tmp_path, [
        _change("planned_change", "create"), _change("planned_change", "update"),
        _change("planned_change", "read"), _change("apply_complete", "read"),
        _change("apply_complete", "create"), _change("apply_complete", "update")], 0)
    said: list[str] = []
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    _apply_with_progress(stack_dir, env, "[4/5] scorer-local-routing", said.append, every_s=0)
    assert said[-1].startswith("[4/5] scorer-local-routing: done, 2 resources changed, ")
    assert any(line.startswith("[4/5] scorer-local-routing: 1/2 resources, ") for line in said)


def test_a_failed_apply_says_the_last_terraform_error(stack_dir: Path, tmp_path: Path) -> None:
    bin_dir = _fake_terraform(tmp_path, [
        _change("planned_change", "create"),
        {"type": "diagnostic", "@level": "error", "diagnostic": {
            "summary": "creating ELBv2 Listener Rule", "detail": "PriorityInUse: 1021"}}], 1)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    with pytest.raises(DeployError) as error:
        _apply_with_progress(stack_dir, env, "[4/5] scorer-local-routing", print)
    assert "last Terraform error:\n  creating ELBv2 Listener Rule: PriorityInUse: 1021" in str(
        error.value)
    assert "(0/1 resources done)" in str(error.value)


def _conflicting_terraform(folder: Path, import_code: int = 0) -> Path:
    """A ``terraform`` whose first apply fails as the provider does when its create of
    ``aws_lambda_function.submit_passport`` was retried after the emulator had applied it;
    ``import`` exits ``import_code``; a later apply succeeds. Each call is logged."""
    conflict = [_change("planned_change", "create"), _change("planned_change", "create"),
                _change("apply_complete", "create"),
                {"type": "diagnostic", "@level": "error", "diagnostic": {
                    "severity": "error", "address": "aws_lambda_function.submit_passport",
                    "summary": "creating Lambda Function (submit-passport-0): operation error "
                               "Lambda: CreateFunction, https response error StatusCode: 409, "
                               "ResourceConflictException: Function already exist: "
                               "submit-passport-0", "detail": ""}}]
    success = [_change("planned_change", "update"), _change("apply_complete", "update")]
    (folder / "conflict.json").write_text("\n".join(json.dumps(m) for m in conflict) + "\n")
    (folder / "success.json").write_text("\n".join(json.dumps(m) for m in success) + "\n")
    script = folder / "terraform"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {folder}/calls.log
case "$1" in
  import) exit {import_code} ;;
  apply) if [ -e {folder}/applied ]; then cat {folder}/success.json; exit 0; fi
         touch {folder}/applied; cat {folder}/conflict.json; exit 1 ;;
esac
""")
    script.chmod(0o755)
    return folder


def test_a_create_that_met_its_own_resource_imports_it_and_applies_again(
        stack_dir: Path, tmp_path: Path) -> None:
    bin_dir = _conflicting_terraform(tmp_path)
    said: list[str] = []
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    _apply_importing(stack_dir, env, "[3/5] scorer-local-lambdas", said.append)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert [call.split()[0] for call in calls] == ["apply", "import", "apply"]
    assert calls[1].endswith(" aws_lambda_function.submit_passport submit-passport-0")
    assert ("[3/5] scorer-local-lambdas: aws_lambda_function.submit_passport exists in AWS but "
            "not in the state (its create was applied, the answer lost, the create sent "
            "again): importing submit-passport-0") in said
    assert said[-1].startswith("[3/5] scorer-local-lambdas: done, 1 resources changed, ")


def test_a_failed_import_fails_the_deploy_with_both_errors(stack_dir: Path,
                                                          tmp_path: Path) -> None:
    bin_dir = _conflicting_terraform(tmp_path, import_code=1)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    with pytest.raises(DeployError) as error:
        _apply_importing(stack_dir, env, "[3/5] scorer-local-lambdas", print)
    assert "Function already exist: submit-passport-0" in str(error.value)
    assert ("importing aws_lambda_function.submit_passport as submit-passport-0 failed"
            in str(error.value))
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert [call.split()[0] for call in calls] == ["apply", "import"]  # no second apply


def test_other_failures_import_nothing(stack_dir: Path, tmp_path: Path) -> None:
    bin_dir = _fake_terraform(tmp_path, [
        {"type": "diagnostic", "@level": "error", "diagnostic": {
            "address": "aws_lb_listener_rule.x", "summary": "creating ELBv2 Listener Rule",
            "detail": "PriorityInUse: 1021"}}], 1)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    with pytest.raises(DeployError, match="PriorityInUse: 1021"):
        _apply_importing(stack_dir, env, "[4/5] scorer-local-routing", print)


def test_a_second_deploy_of_one_checkout_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    lock = tmp_path / ".deploy.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from ops.driver.deploy import deploy_lock\n"
         f"with deploy_lock(Path({str(lock)!r})):\n    print('held', flush=True)\n"
         "    time.sleep(30)\n"], cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(Refused) as error, deploy_lock(lock):
            pass
        assert f"another deploy from this checkout is running (pid {holder.pid}, since " in str(
            error.value)
    finally:
        holder.kill()
        holder.wait()
    with deploy_lock(lock):  # released when its holder ends, however it ends
        pass


def test_independent_stacks_deploy_in_one_wave() -> None:
    assert deploy_waves(list(STACK_PARTS)) == [
        ["public-alb", "internal-alb", "lambdas", "rollout"], ["routing", "monitoring"]]
    assert deploy_waves(["routing"]) == [["routing"]]
    assert deploy_waves(["monitoring", "routing", "rollout"]) == [
        ["rollout"], ["routing", "monitoring"]]
    assert deploy_waves(["monitoring", "lambdas"]) == [["lambdas"], ["monitoring"]]


def test_the_folder_of_a_killed_deploy_is_removed_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / ".deploy-work"
    killed = subprocess.Popen(
        [sys.executable, "-c", "import time\nfrom pathlib import Path\n"
         "from ops.driver.deploy import work_folder\n"
         f"folder = work_folder('local', Path({str(root)!r}))\n"
         "(folder / 'cdktf.out').mkdir()\nprint(folder, flush=True)\ntime.sleep(30)\n"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    assert killed.stdout is not None
    left = Path(killed.stdout.readline().strip())
    killed.kill()  # SIGKILL: no finally runs
    killed.wait()
    assert (left / "cdktf.out").is_dir()
    mine = work_folder("local", root)
    assert not left.exists() and list(root.iterdir()) == [mine]


def test_a_small_stack_beside_large_ones_takes_no_share_of_the_parallelism() -> None:
    from ops.driver.deploy import PARALLELISM, parallelism_shares

    shares = parallelism_shares({"public-alb": 30, "internal-alb": 20, "lambdas": 130,
                                 "rollout": 1})
    assert shares == {"public-alb": 2, "internal-alb": 2, "lambdas": 2, "rollout": 1}
    assert parallelism_shares({"routing": 40, "monitoring": 160}) == {
        "routing": PARALLELISM // 2, "monitoring": PARALLELISM // 2}
    assert parallelism_shares({"rollout": 1}) == {"rollout": 1}
