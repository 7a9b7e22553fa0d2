"""Terraform on synthesized stacks: synthesize, init, plan, apply, import (the deploy driver,
``ops/driver/deploy.py``, and the tests build on these)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ops.driver.tools import PROJECT_ROOT, ToolError, plugin_cache_lock, require


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


def synth(env: dict[str, str], outdir: Path, timeout: float = 300) -> None:
    result = _run([sys.executable, "-O", "main.py"], {**env, "CDKTF_OUTDIR": str(outdir)},
                  PROJECT_ROOT, timeout)
    if result.returncode != 0:
        raise DeployError(f"synth failed:\n{result.stderr}")


def initialised(stack_dir: Path, env: dict[str, str], timeout: float = 600) -> str:
    """Terraform's path, once ``terraform init`` has run in ``stack_dir`` (inits share the
    plugin cache, which is not safe for concurrent inits: one at a time, across processes
    too, ``plugin_cache_lock``)."""
    terraform = require("terraform", "install Terraform >= 1.10", env.get("PATH"))
    if not (stack_dir / ".terraform").exists():
        with plugin_cache_lock(env):
            init = _run([terraform, "init", "-input=false", "-no-color"], env, stack_dir,
                        timeout)
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


def apply(stack_dir: Path, env: dict[str, str], saved_plan: bool = False,
          timeout: float = 600) -> None:
    """``terraform apply`` of one synthesized stack: of the plan ``plan()`` saved there when
    ``saved_plan`` (as an operator applies a reviewed plan; it is consumed), else a fresh one.
    Same parallelism as every deploy here (4)."""
    terraform = initialised(stack_dir, env, timeout)
    saved = stack_dir / "tfplan"
    command = [terraform, "apply", "-input=false", "-no-color", "-parallelism=4"]
    command += [saved.name] if saved_plan else ["-auto-approve"]
    result = _run(command, env, stack_dir, timeout)
    saved.unlink(missing_ok=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise DeployError(f"terraform apply in {stack_dir} failed:\n{tail}")


def import_resource(stack_dir: Path, env: dict[str, str], address: str, resource_id: str,
                    timeout: float = 600) -> None:
    """``terraform import`` of one live resource into the stack's state."""
    terraform = initialised(stack_dir, env, timeout)
    result = _run([terraform, "import", "-input=false", "-no-color", address, resource_id],
                  env, stack_dir, timeout)
    if result.returncode != 0:
        raise DeployError(f"terraform import {address} failed:\n"
                          f"{(result.stdout + result.stderr)[-2000:]}")


def changes(plan_json: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(address, actions) of every resource the plan would change (no-ops left out)."""
    return [(c["address"], tuple(c["change"]["actions"]))
            for c in plan_json.get("resource_changes", [])
            if tuple(c["change"]["actions"]) not in (("no-op",), ("read",))]


__all__ = [
    "DeployError",
    "ToolError",
    "apply",
    "changes",
    "import_resource",
    "initialised",
    "plan",
    "synth",
]
