"""The import contract: which package may import which, checked on every source file.

    model         -> model (plain Python: never cdktf, the provider, boto3 or another package)
    environments  -> model
    modules       -> model, modules
    stacks        -> model, modules, stacks
    ops           -> model, environments, ops, functions (never stacks or modules: operators'
                     tools read the model, not constructs)
    functions     -> functions (code that runs in Lambda: its folder is its whole package)
    main.py, tests, bench -> anything of the project

cdktf, constructs, jsii and the provider bindings are imported by the facade
(``modules/aws.py``) alone; ``bench/floor_app.py`` is exempt: it measures a naive app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from model.paths import PROJECT_ROOT

PROJECT = {"model", "environments", "modules", "stacks", "ops", "main", "tests", "bench",
           "functions"}
ALLOWED = {
    "model": {"model"},
    "environments": {"model", "environments"},
    "modules": {"model", "modules"},
    "stacks": {"model", "modules", "stacks"},
    "ops": {"model", "environments", "ops", "functions"},
    "functions": {"functions"},
    "main": PROJECT,
    "tests": PROJECT,
    "bench": PROJECT,
}
CDK = {"cdktf", "constructs", "jsii", "cdktf_cdktf_provider_aws"}
FACADE = {"modules/aws.py", "bench/floor_app.py"}
# Third-party packages the model may not use either (it is plain data and logic).
NOT_IN_MODEL = CDK | {"boto3", "botocore", "typeguard"}


def imported(source: str) -> set[str]:
    """Top-level names of every module ``source`` imports (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(path: str, source: str) -> list[str]:
    """Every wrong arrow of the file at ``path`` (relative to the project) with ``source``."""
    package = path.split("/")[0].removesuffix(".py")
    found = []
    for name in sorted(imported(source)):
        if name in PROJECT and name not in ALLOWED[package]:
            found.append(f"{path} imports {name} ({package} may import "
                         f"{', '.join(sorted(ALLOWED[package]))})")
        if name in CDK and path not in FACADE:
            found.append(f"{path} imports {name} directly; import it through modules/aws.py")
        if package == "model" and name in NOT_IN_MODEL:
            found.append(f"{path} imports {name}; the model is plain Python")
    return found


def sources() -> list[Path]:
    folders = ("model", "environments", "modules", "stacks", "ops", "tests", "bench",
               "functions")
    return [PROJECT_ROOT / "main.py"] + sorted(
        p for folder in folders for p in (PROJECT_ROOT / folder).rglob("*.py"))


def test_every_import_points_the_right_way() -> None:
    found = [problem for p in sources()
             for problem in violations(str(p.relative_to(PROJECT_ROOT)), p.read_text())]
    assert found == []


@pytest.mark.parametrize(("path", "source", "culprit"), [
    ("model/route.py", "from stacks.app import build\n", "model/route.py imports stacks"),
    ("model/route.py", "import cdktf\n", "model/route.py imports cdktf directly"),
    ("ops/routes.py", "def f():\n    from stacks.routing import RoutingStack\n",
     "ops/routes.py imports stacks"),
    ("ops/live.py", "from modules.listener_rule import RULE_ACTIONS\n",
     "ops/live.py imports modules"),
    ("modules/alarms.py", "from environments import ENVIRONMENTS\n",
     "modules/alarms.py imports environments"),
    ("stacks/routing.py", "from constructs import Construct\n",
     "stacks/routing.py imports constructs directly"),
    ("environments/local.py", "from stacks.base import EnvironmentStack\n",
     "environments/local.py imports stacks"),
    ("functions/rollout_abort/handler.py", "from model.rollout_state import abort\n",
     "functions/rollout_abort/handler.py imports model"),
])
def test_a_wrong_arrow_is_caught(path: str, source: str, culprit: str) -> None:
    assert any(v.startswith(culprit) for v in violations(path, source))
