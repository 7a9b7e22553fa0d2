"""Deploy, synthesize and plan stacks with the real cdktf CLI and Terraform."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ops.tooling import PROJECT_ROOT, ToolError, cdktf_cli, require


class DeployError(RuntimeError):
    pass


def _run(command: list[str], env: dict[str, str], cwd: Path, timeout: float,
         log: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=True,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise DeployError(f"{' '.join(command[:3])} did not finish in {timeout:.0f} s") from error
    if log is not None:
        with log.open("a") as out:
            out.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    return result


def cdktf_deploy(stacks: list[str], env: dict[str, str], outdir: Path, log: Path,
                 timeout: float = 1200, without_dependencies: bool = False) -> None:
    """``cdktf deploy`` of ``stacks`` in dependency order (it synthesizes first, with ``env``).

    ``without_dependencies`` deploys ``stacks`` alone although they depend on others (their
    dependencies must be deployed already), as a rollout deploys the routing stack only.
    """
    require("terraform", "install Terraform >= 1.10 (https://developer.hashicorp.com/terraform)")
    command = [cdktf_cli(), "deploy", *stacks, "--auto-approve", "--no-color",
               # The lock of extra platforms' checksums needs the registry; the lock file for
               # this platform is still written by `terraform init`.
               "--skip-provider-lock", "--output", str(outdir),
               # Fewer concurrent API calls than Terraform's 10: under that load the emulator
               # was seen to answer a CreateFunction twice, leaving the provider retrying a
               # 409 conflict until its timeout.
               "--terraform-parallelism", "4"]
    if without_dependencies:
        command.append("--ignore-missing-stack-dependencies")
    result = _run(command, env, PROJECT_ROOT, timeout, log)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise DeployError(f"cdktf deploy {' '.join(stacks)} failed (log: {log}):\n{tail}")


def synth(env: dict[str, str], outdir: Path, timeout: float = 300) -> None:
    result = _run([sys.executable, "-O", "main.py"], {**env, "CDKTF_OUTDIR": str(outdir)},
                  PROJECT_ROOT, timeout)
    if result.returncode != 0:
        raise DeployError(f"synth failed:\n{result.stderr}")


def initialised(stack_dir: Path, env: dict[str, str], timeout: float = 600) -> str:
    """Terraform's path, once ``terraform init`` has run in ``stack_dir`` (inits share the
    plugin cache, which is not safe for concurrent inits: run them one at a time)."""
    terraform = require("terraform", "install Terraform >= 1.10")
    if not (stack_dir / ".terraform").exists():
        init = _run([terraform, "init", "-input=false", "-no-color"], env, stack_dir, timeout)
        if init.returncode != 0:
            raise DeployError(f"terraform init in {stack_dir} failed:\n{init.stderr}")
    return terraform


def plan(stack_dir: Path, env: dict[str, str], timeout: float = 600) -> dict[str, Any]:
    """``terraform plan`` saved (``tfplan``) and shown as JSON (``terraform show -json``)."""
    terraform = initialised(stack_dir, env, timeout)
    result = _run([terraform, "plan", "-input=false", "-no-color", "-out=tfplan"], env,
                  stack_dir, timeout)
    if result.returncode != 0:
        raise DeployError(f"terraform plan in {stack_dir} failed:\n{result.stderr}")
    shown = _run([terraform, "show", "-json", "tfplan"], env, stack_dir, timeout)
    if shown.returncode != 0:
        raise DeployError(f"terraform show in {stack_dir} failed:\n{shown.stderr}")
    return json.loads(shown.stdout)


def apply(stack_dir: Path, env: dict[str, str], timeout: float = 600) -> None:
    """``terraform apply`` of one synthesized stack, as an operator applies a reviewed plan:
    the plan ``plan()`` saved when there is one (it is consumed), else a fresh one. Same
    parallelism as ``cdktf_deploy``."""
    terraform = initialised(stack_dir, env, timeout)
    saved = stack_dir / "tfplan"
    command = [terraform, "apply", "-input=false", "-no-color", "-parallelism=4"]
    command += [saved.name] if saved.exists() else ["-auto-approve"]
    result = _run(command, env, stack_dir, timeout)
    saved.unlink(missing_ok=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise DeployError(f"terraform apply in {stack_dir} failed:\n{tail}")


def changes(plan_json: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(address, actions) of every resource the plan would change (no-ops left out)."""
    return [(c["address"], tuple(c["change"]["actions"]))
            for c in plan_json.get("resource_changes", [])
            if tuple(c["change"]["actions"]) not in (("no-op",), ("read",))]


__all__ = ["DeployError", "ToolError", "apply", "cdktf_deploy", "changes", "initialised", "plan",
           "synth"]
