"""Checks that only run external tools, started in the background as soon as what they read
exists, so that their work overlaps the other layers' (the machine has 2 cores; most of the
emulator layer waits on the emulator and the AWS provider). The layer's own fixture waits for
its job and asserts on what it found, as it did when it ran the tool itself; run alone (a
layer's folder, ``-k``), the fixture starts the job and waits at once.

- ``terraform``: ``terraform init`` of every synthesized stack one after the other (the plugin
  cache is not safe for concurrent inits), then ``terraform validate`` two at a time;
- ``security``: checkov over a copy of every stack's JSON (the reports; the gate's verdict is
  computed by the test, ``security.checkov_gate.evaluate``).

Each job is a process in a session of its own (``python -m tests.helpers.background KIND ...``),
its output in a file; a session that ends before it is used ends its whole process tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from model.paths import PROJECT_ROOT
from ops.driver.tools import plugin_cache_lock
from tests.helpers.layers import selected_layers

JOBS: pytest.StashKey[dict[str, Job]] = pytest.StashKey()
TIMEOUT_S = 1800.0


class Job:
    """A command started now in a session of its own, its output (stdout and stderr) to a
    file; ``wait`` gives its exit code and output, ``stop`` ends its whole session."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str] | None = None,
                 cwd: Path = PROJECT_ROOT, folder: Path | None = None) -> None:
        self.log, self.folder = log, folder  # folder: what the job reads, when a copy
        self.started = time.monotonic()
        nice = shutil.which("nice")
        if nice:  # below the tests in the foreground and the emulator deploy: they wait on it
            command = [nice, "-n", "10", *command]
        with log.open("wb") as out:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        self.finished_s: float | None = None  # seconds from its start to its end, once waited
        self.waited_s: float | None = None  # how long the test that needed it waited for it

    def wait(self, timeout: float = TIMEOUT_S) -> tuple[int, str]:
        assert self._process is not None, f"the job writing {self.log} was stopped"
        waiting = time.monotonic()
        try:
            code = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"the background job writing {self.log} did not finish in "
                               f"{timeout:.0f} s") from None
        if self.finished_s is None:
            # when it ended: now if the test had to wait, else at most now (polled below)
            self.waited_s = time.monotonic() - waiting
            self.finished_s = time.monotonic() - self.started
        return code, self.log.read_text(errors="replace")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def jobs(config: pytest.Config) -> dict[str, Job]:
    """The session's background jobs by kind (``terraform``, ``security``)."""
    return config.stash.setdefault(JOBS, {})


def start_validation(outdir: Path, terraform_env: dict[str, str], log: Path) -> Job:
    return Job([sys.executable, "-m", "tests.helpers.background", "terraform", str(outdir)],
               log, env=terraform_env)


def copy_stacks(outdir: Path, into: Path) -> Path:
    """Only the stacks' JSON, so that Terraform's .terraform folders never get scanned."""
    for stack_file in (outdir / "stacks").glob("*/cdk.tf.json"):
        target = into / "stacks" / stack_file.parent.name
        target.mkdir(parents=True)
        shutil.copy(stack_file, target)
    return into


def start_checkov(outdir: Path, checkov: Path, tmp: Path) -> Job:
    """checkov over a copy of ``outdir``'s stacks in ``tmp`` (``Job.folder``)."""
    scanned = copy_stacks(outdir, tmp / "scanned")
    return Job([sys.executable, "-m", "tests.helpers.background", "security", str(scanned),
                str(checkov)], tmp / "checkov.log", folder=scanned)


def start_for(session: pytest.Session, outdir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> None:
    """The jobs of the layers the session holds, on the session's synthesis in ``outdir``;
    none where its tool is missing (the layer's fixture then fails, saying so)."""
    from ops.driver.tools import terraform_environment
    from security.checkov_gate import CHECKOV

    layers = selected_layers(session.items, Path(__file__).parent.parent)
    started = jobs(session.config)
    checkov = Path(os.environ.get("CHECKOV", CHECKOV))
    if "security" in layers and "security" not in started and os.access(checkov, os.X_OK):
        started["security"] = start_checkov(outdir, checkov, tmp_path_factory.mktemp("security"))
    if "terraform" in layers and "terraform" not in started and shutil.which("terraform"):
        started["terraform"] = start_validation(
            outdir, terraform_environment(), tmp_path_factory.mktemp("terraform") / "validate.log")


def start_main(outdir: Path, log: Path, **env: str) -> Job:
    """``main.py`` as ``tests.helpers.processes.run_main`` runs it, into ``outdir``."""
    from tests.helpers.processes import process_environ

    outdir.parent.mkdir(parents=True, exist_ok=True)
    return Job([sys.executable, "-O", "main.py"], log, env=process_environ(outdir, **env),
               folder=outdir)


# The processes layer's synths: every environment as an operator runs main.py (the lazy
# provider loading), and production and local with the ordinary (eager) import.
EAGER = {"SCORER_PROVIDER_IMPORT": "eager", "ENVIRONMENTS": "production,local"}


def start_processes(tmp: Path) -> dict[str, Job]:
    return {"main": start_main(tmp / "lazy" / "cdktf.out", tmp / "lazy.log"),
            "eager": start_main(tmp / "eager" / "cdktf.out", tmp / "eager.log", **EAGER)}


def start_at_session_start(session: pytest.Session,
                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """The jobs that need nothing but the checkout: the processes layer's synths."""
    layers = selected_layers(session.items, Path(__file__).parent.parent)
    if "processes" in layers:
        jobs(session.config).update(start_processes(tmp_path_factory.mktemp("processes")))


def main_outdir(job: Job) -> Path:
    """The ``cdktf.out`` of a ``start_main`` job, once it exited 0 (else the test fails with
    what it printed)."""
    code, output = job.wait()
    assert code == 0, output
    assert job.folder is not None
    return job.folder


def summary(config: pytest.Config) -> list[str]:
    """One line per background job the session used: how long it ran (an upper bound when
    the test found it done) and how long a test waited for it."""
    return [f"{kind}: done {job.finished_s:.0f} s after its start, waited for {job.waited_s:.0f} s"
            for kind, job in jobs(config).items()
            if job.finished_s is not None and job.waited_s is not None]


def stop_all(config: pytest.Config) -> None:
    for job in jobs(config).values():
        job.stop()


def _validate(outdir: Path) -> dict[str, tuple[int, str]]:
    env = dict(os.environ)

    def terraform(args: list[str], stack_dir: Path) -> tuple[int, str]:
        result = subprocess.run(["terraform", *args, "-no-color"], cwd=stack_dir, env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        return result.returncode, f"terraform {args[0]}: {result.stdout}{result.stderr}"

    stack_dirs = {p.name: p for p in sorted((outdir / "stacks").iterdir())}
    results: dict[str, tuple[int, str]] = {}
    for name, stack_dir in stack_dirs.items():
        with plugin_cache_lock(env):  # a deploy of the emulator layer may init meanwhile
            code, output = terraform(["init", "-backend=false", "-input=false"], stack_dir)
        if code != 0:
            results[name] = (code, output)
    pending = [name for name in stack_dirs if name not in results]
    with ThreadPoolExecutor(max_workers=2) as pool:
        validations = pool.map(lambda name: terraform(["validate"], stack_dirs[name]), pending)
        results.update(zip(pending, validations, strict=True))
    return results


def main(argv: list[str]) -> None:
    """In the job's process: print its findings as one JSON document, last."""
    kind, folder = argv[0], Path(argv[1])
    if kind == "terraform":
        found: object = _validate(folder)
    elif kind == "security":
        from security.checkov_gate import run_checkov

        found = run_checkov(sorted((folder / "stacks").glob("*/cdk.tf.json")), Path(argv[2]))
    else:
        raise SystemExit(f"unknown job {kind!r}")
    print(json.dumps(found))


def findings(job: Job) -> object:
    """What the job printed last (its JSON document); RuntimeError with its output when it
    failed."""
    code, output = job.wait()
    if code != 0:
        raise RuntimeError(f"the background job writing {job.log} exited {code}:\n"
                           f"{output[-3000:]}")
    return json.loads(output.splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
