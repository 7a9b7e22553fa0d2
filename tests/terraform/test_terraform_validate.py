"""Every synthesized stack of every environment passes ``terraform validate`` with
the real AWS provider."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers.spec_routes import SPEC_STACKS
from tests.helpers.synth import Synthesized

STACKS = list(SPEC_STACKS)  # every stack of every environment


def _terraform(args: list[str], stack_dir: Path, env: dict[str, str]) -> tuple[int, str]:
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=stack_dir, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    return result.returncode, f"terraform {args[0]}: {result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def validated(
    synthesized: Synthesized, terraform_env: dict[str, str]
) -> dict[str, tuple[int, str]]:
    """terraform init of every stack one after the other (the plugin cache is not safe for
    concurrent inits), then validate two at a time (the machine has 2 cores)."""
    stack_dirs = {name: synthesized.outdir / "stacks" / name for name in STACKS}
    results: dict[str, tuple[int, str]] = {}
    for name, stack_dir in stack_dirs.items():
        code, output = _terraform(["init", "-backend=false", "-input=false"], stack_dir,
                                  terraform_env)
        if code != 0:
            results[name] = (code, output)
    pending = [name for name in stack_dirs if name not in results]
    with ThreadPoolExecutor(max_workers=2) as pool:
        validations = pool.map(
            lambda name: _terraform(["validate"], stack_dirs[name], terraform_env), pending)
        results.update(zip(pending, validations, strict=True))
    return results




@pytest.mark.parametrize("stack", STACKS)
def test_stack_is_valid_terraform(validated: dict[str, tuple[int, str]], stack: str) -> None:
    """Valid, and without a warning (the DynamoDB lock's deprecation warning is gone)."""
    code, output = validated[stack]
    assert code == 0, output
    assert "Success! The configuration is valid." in output, output
