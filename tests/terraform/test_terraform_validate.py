"""Every synthesized stack of every environment passes ``terraform validate`` with
the real AWS provider."""

from __future__ import annotations

import pytest

from tests.helpers import background
from tests.helpers.spec_routes import SPEC_STACKS
from tests.helpers.synth import Synthesized

STACKS = list(SPEC_STACKS)  # every stack of every environment


@pytest.fixture(scope="module")
def validated(
    synthesized: Synthesized, terraform_env: dict[str, str], request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, str]]:
    """terraform init of every stack one after the other (the plugin cache is not safe for
    concurrent inits), then validate two at a time (the machine has 2 cores): in the
    background since the session's synthesis was built (``tests/helpers/background.py``),
    or started here when this layer runs alone."""
    job = background.jobs(request.config).get("terraform") or background.start_validation(
        synthesized.outdir, terraform_env, tmp_path_factory.mktemp("terraform") / "validate.log")
    found = background.findings(job)
    assert isinstance(found, dict), found
    return {stack: (code, output) for stack, (code, output) in found.items()}


@pytest.mark.parametrize("stack", STACKS)
def test_stack_is_valid_terraform(validated: dict[str, tuple[int, str]], stack: str) -> None:
    """Valid, and without a warning (the DynamoDB lock's deprecation warning is gone)."""
    code, output = validated[stack]
    assert code == 0, output
    assert "Success! The configuration is valid." in output, output
