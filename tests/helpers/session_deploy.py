"""The emulator layer's session deploy of ``local``, started before the session's first test
(``tests/conftest.py``) when the session holds emulator tests, in a process of its own, so
that its waits overlap the other layers' work: most of the deploy's two minutes is the AWS
provider waiting (30 s before it first looks at a new load balancer, polls after), not
computing. ``tests/emulator/conftest.py`` waits for it where the first emulator test needs
it and reads the baseline then.

A process, not a thread: the unit layer monkeypatches modules the deploy driver uses
(``time``, ``subprocess``, the driver's own functions), which a thread would share. The
process runs in a session of its own, so that a session which ends before the deploy is used
(``-x``, an interrupt) ends it with Terraform and the provider under it.

    python -m tests.helpers.session_deploy TMP   # what the process runs (the env aims it)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ops.driver.deploy as driver
from model.config import STACK_PARTS
from model.paths import PROJECT_ROOT
from ops.dev.emulator import Emulator

DEPLOY_TIMEOUT_S = 1800.0  # the deploy driver's own bound on one apply


def _elbv2(env: dict[str, str]) -> object:
    import boto3  # here: collecting the unit tests need not import it

    return boto3.client("elbv2", endpoint_url=env["AWS_ENDPOINT_URL"],
                        region_name=env["AWS_REGION"], aws_access_key_id="testing",
                        aws_secret_access_key="testing")


class SessionDeploy:
    """The emulator (started here, on a free loopback port) and the deploy process aimed at
    it; ``wait`` returns what the deploy printed, ``stop`` ends both, however far they got."""

    def __init__(self, tmp: Path, env: dict[str, str], emulator: Emulator,
                 process: subprocess.Popen[bytes], log: Path) -> None:
        self.tmp, self.env, self.emulator = tmp, env, emulator
        self._process: subprocess.Popen[bytes] | None = process
        self._log = log
        self.started = time.monotonic()
        self.waited_s: float | None = None  # how long the first emulator test waited for it
        self.finished_s: float | None = None  # from its start to when that test had it

    @classmethod
    def start(cls, tmp: Path, terraform_env: dict[str, str], region: str) -> SessionDeploy:
        emulator = Emulator(tmp / "moto-server.log").start()
        try:
            env = {**terraform_env, **emulator.environment(region), "ENVIRONMENTS": "local"}
            env.pop("RUST_ROUTING_PERCENT", None)
            log = tmp / "session-deploy.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "tests.helpers.session_deploy", str(tmp)],
                    cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
        except BaseException:
            emulator.stop()
            raise
        return cls(tmp, env, emulator, process, log)

    def wait(self) -> list[str]:
        """The deploy's output lines once it finished; RuntimeError with its tail when it
        failed or did not finish within the deploy driver's own bound."""
        assert self._process is not None, "the session deploy was stopped"
        waiting = time.monotonic()
        try:
            code = self._process.wait(timeout=DEPLOY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"the session deploy did not finish in {DEPLOY_TIMEOUT_S:.0f} "
                               f"s; its output: {self._log}") from None
        self.waited_s = time.monotonic() - waiting
        self.finished_s = time.monotonic() - self.started
        said = self._log.read_text(errors="replace").splitlines()
        if code != 0:
            tail = "\n".join(said[-40:])
            raise RuntimeError(f"the session deploy of local exited {code} ({self._log}):\n"
                               f"{tail}")
        return said

    def stop(self) -> None:
        """The deploy process's whole session (Terraform, the provider) ended if it still
        runs, then the emulator stopped."""
        process, self._process = self._process, None
        try:
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        finally:
            self.emulator.stop()


DEPLOY: pytest.StashKey[SessionDeploy] = pytest.StashKey()  # the session's, once started


def main(tmp: Path) -> None:
    """In the deploy process: the base stacks, the legacy rules as the old code left them,
    then the routing stack beside them (each line the deploy driver says, printed)."""
    from tests.helpers.emulator import LOCAL, create_legacy_rules

    env = dict(os.environ)
    client = _elbv2(env)

    def say(line: str) -> None:
        print(line, flush=True)

    assert env["AWS_REGION"] == LOCAL.region, (env["AWS_REGION"], LOCAL.region)
    driver.deploy("local", [part for part in STACK_PARTS if part != "routing"], env, say=say,
                  state_dir=tmp / "terraform-state", client=client)
    create_legacy_rules(client)
    driver.deploy("local", ["routing"], env, say=say, state_dir=tmp / "terraform-state",
                  client=client)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
