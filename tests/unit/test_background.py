"""The suite's background jobs (tests/helpers/background.py) and the plugin cache's init lock
(ops/driver/tools.py): a job that fails says so with its output, a job stopped early ends its
whole process tree, and two holders of the init lock never hold it at once, across processes."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.paths import PROJECT_ROOT
from ops.driver.tools import plugin_cache_lock
from tests.helpers.background import Job, findings


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_failed_job_fails_its_fixture_with_its_output(tmp_path: Path) -> None:
    job = Job([sys.executable, "-c", "print('half done'); raise SystemExit(3)"],
              tmp_path / "job.log")
    with pytest.raises(RuntimeError) as error:
        findings(job)
    assert "exited 3" in str(error.value) and "half done" in str(error.value)


def test_a_job_prints_its_findings_last(tmp_path: Path) -> None:
    job = Job([sys.executable, "-c", "print('noise'); print('{\"a\": [0, \"ok\"]}')"],
              tmp_path / "job.log")
    assert findings(job) == {"a": [0, "ok"]}
    assert job.finished_s is not None and job.waited_s is not None


def test_a_job_stopped_early_ends_its_whole_process_tree(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    job = Job(["sh", "-c", "sleep 300 & echo $!; wait"], log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not log.read_text().strip():
        time.sleep(0.05)
    child = int(log.read_text().split()[0])
    assert _alive(child)
    job.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)  # the orphaned child is reaped by init once killed
    assert not _alive(child) or Path(f"/proc/{child}/stat").read_text().split()[2] == "Z"
    with pytest.raises(AssertionError, match="was stopped"):
        job.wait()


def test_the_init_lock_is_held_by_one_process_at_a_time(tmp_path: Path) -> None:
    cache = tmp_path / "plugins"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom ops.driver.tools import plugin_cache_lock\n"
         f"with plugin_cache_lock({{'TF_PLUGIN_CACHE_DIR': {str(cache)!r}}}):\n"
         "    print('held', flush=True)\n    sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with (cache / ".init.lock").open("a") as handle:
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        holder.communicate("", timeout=30)
    with plugin_cache_lock({"TF_PLUGIN_CACHE_DIR": str(cache)}):  # free once its holder ended
        pass


def test_without_a_plugin_cache_there_is_no_lock(tmp_path: Path) -> None:
    with plugin_cache_lock({}):
        assert list(tmp_path.iterdir()) == []
