"""The import contract: which package may import which, checked on every source file.

    model           -> model (plain Python: never cdktf, the provider, boto3 or another package)
    environments    -> model
    modules         -> model, modules
    stacks          -> model, modules, stacks
    ops.adapters    -> model (one adapter per outside system)
    ops.controller  -> model, ops.adapters
    ops.driver      -> model, environments, ops.adapters
    ops.cli         -> model, environments, ops.adapters, ops.controller, ops.driver
    ops.dev         -> model, environments, ops.* (development tools: the emulator harness)
    ops.docs        -> model, environments (docs generators)
    functions       -> model, ops.adapters, ops.controller (code that runs in Lambda; its
                       package is assembled from these at synth time)
    security        -> model, ops.driver (the checkov gate beside its skip file)
    main.py, tests, bench -> anything of the project

ops never imports stacks or modules: operators' tools read the model, not constructs. cdktf,
constructs, jsii and the provider bindings are imported by the facade (``modules/aws.py``)
alone; ``bench/floor_app.py`` is exempt: it measures a naive app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from model.paths import PROJECT_ROOT

OPS = {"ops.adapters", "ops.controller", "ops.driver", "ops.cli", "ops.dev", "ops.docs"}
PROJECT = {"model", "environments", "modules", "stacks", "ops", "main", "tests", "bench",
           "functions", "security"} | OPS
ALLOWED = {
    "model": {"model"},
    "environments": {"model", "environments"},
    "modules": {"model", "modules"},
    "stacks": {"model", "modules", "stacks"},
    "ops": set(),
    "ops.adapters": {"model", "ops.adapters"},
    "ops.controller": {"model", "ops.adapters", "ops.controller"},
    "ops.driver": {"model", "environments", "ops.adapters", "ops.driver"},
    "ops.cli": {"model", "environments", "ops.adapters", "ops.controller", "ops.driver",
                "ops.cli"},
    "ops.dev": {"model", "environments"} | OPS,
    "ops.docs": {"model", "environments", "ops.docs"},
    "functions": {"functions", "model", "ops.adapters", "ops.controller"},
    "security": {"model", "security", "ops.driver"},
    "main": PROJECT,
    "tests": PROJECT,
    "bench": PROJECT,
}
CDK = {"cdktf", "constructs", "jsii", "cdktf_cdktf_provider_aws"}
FACADE = {"modules/aws.py", "bench/floor_app.py"}
# Third-party packages the model may not use either (it is plain data and logic).
NOT_IN_MODEL = CDK | {"boto3", "botocore", "typeguard"}


def unit(dotted: str) -> str:
    """The package an import or a file belongs to for the contract: the top-level package,
    or ``ops.<folder>`` below ops."""
    parts = dotted.split(".")
    return ".".join(parts[:2]) if parts[0] == "ops" and len(parts) > 1 else parts[0]


def imported(source: str) -> set[str]:
    """Top-level names of every module ``source`` imports (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {unit(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(unit(node.module))
    return found


def violations(path: str, source: str) -> list[str]:
    """Every wrong arrow of the file at ``path`` (relative to the project) with ``source``."""
    parts = path.removesuffix(".py").split("/")
    package = unit(".".join(parts[:2] if parts[-1] != "__init__" else parts[:-1][:2]))
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
               "functions", "security")
    return [PROJECT_ROOT / "main.py"] + sorted(
        p for folder in folders for p in (PROJECT_ROOT / folder).rglob("*.py"))


def test_every_import_points_the_right_way() -> None:
    found = [problem for p in sources()
             for problem in violations(str(p.relative_to(PROJECT_ROOT)), p.read_text())]
    assert found == []


@pytest.mark.parametrize(("path", "source", "culprit"), [
    ("model/routing/route.py", "from stacks.app import build\n",
     "model/routing/route.py imports stacks"),
    ("model/routing/route.py", "import cdktf\n", "model/routing/route.py imports cdktf directly"),
    ("ops/cli/routes.py", "def f():\n    from stacks.routing import RoutingStack\n",
     "ops/cli/routes.py imports stacks"),
    ("ops/adapters/alb.py", "from modules.listener_rule import RULE_ACTIONS\n",
     "ops/adapters/alb.py imports modules"),
    ("ops/adapters/alb.py", "from ops.controller.rollout import Rollout\n",
     "ops/adapters/alb.py imports ops.controller"),
    ("ops/controller/rollout.py", "from ops.cli.common import run\n",
     "ops/controller/rollout.py imports ops.cli"),
    ("ops/driver/deploy.py", "import ops.controller.rollout\n",
     "ops/driver/deploy.py imports ops.controller"),
    ("modules/alarms.py", "from environments import ENVIRONMENTS\n",
     "modules/alarms.py imports environments"),
    ("stacks/routing.py", "from constructs import Construct\n",
     "stacks/routing.py imports constructs directly"),
    ("environments/local.py", "from stacks.base import EnvironmentStack\n",
     "environments/local.py imports stacks"),
    ("functions/rollout_abort/handler.py", "from ops.cli.rollout import main\n",
     "functions/rollout_abort/handler.py imports ops.cli"),
    ("functions/rollout_abort/handler.py", "import environments\n",
     "functions/rollout_abort/handler.py imports environments"),
])
def test_a_wrong_arrow_is_caught(path: str, source: str, culprit: str) -> None:
    assert any(v.startswith(culprit) for v in violations(path, source))
