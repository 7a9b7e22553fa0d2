"""The import contract: which package may import which, checked on every source file.

    model           -> model (plain Python: never cdktf, the provider, boto3 or another package)
    environments    -> model
    modules         -> model, modules
    stacks          -> model, modules, stacks
    ops.adapters    -> model (one adapter per outside system)
    ops.controller  -> model, ops.adapters
    ops.driver      -> model, environments, ops.adapters, ops.controller (the rollout state
                       a deploy keeps, the abort it records)
    ops.cli         -> model, environments, ops.adapters, ops.controller, ops.driver
    ops.dev         -> model, environments, ops.* (development tools: the emulator harness)
    ops.docs        -> model, environments (docs generators)
    functions       -> model, environments, ops.adapters, ops.controller (code that runs in
                       Lambda; its package is assembled from these at synth time)
    security        -> model, ops.driver (the checkov gate beside its skip file)
    main.py, tests, bench -> anything of the project

Within tests/, no file imports a test module (``test_*``) or a conftest: shared code lives in
``tests/helpers/`` or in fixtures, so every test module can move, split or go alone.

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
    "ops.driver": {"model", "environments", "ops.adapters", "ops.controller", "ops.driver"},
    "ops.cli": {"model", "environments", "ops.adapters", "ops.controller", "ops.driver",
                "ops.cli"},
    "ops.dev": {"model", "environments"} | OPS,
    "ops.docs": {"model", "environments", "ops.docs"},
    "functions": {"functions", "model", "environments", "ops.adapters", "ops.controller"},
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


def modules_imported(path: str, source: str) -> set[str]:
    """Every dotted module name the file at ``path`` imports, relative imports resolved, and
    ``package.name`` for each name of a ``from package import name`` (it may be a module)."""
    package = path.removesuffix(".py").split("/")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            found.add(".".join(module))
            found |= {".".join([*module, alias.name]) for alias in node.names}
    return found


def imports_of_test_modules(path: str, source: str) -> list[str]:
    """Every import of a test module or a conftest by the file at ``path`` (under tests/)."""
    found: list[str] = []
    for name in sorted(modules_imported(path, source)):  # a module before the names from it
        parts = name.split(".")
        if any(p == "conftest" or p.startswith("test_") for p in parts) and not any(
                name.startswith(f"{culprit}.") for culprit in found):
            found.append(name)
    return [f"{path} imports {name}: a test module or a conftest; move what it shares to "
            "tests/helpers/ or a fixture" for name in found]


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
    ("ops/driver/deploy.py", "import ops.cli.rollout\n",
     "ops/driver/deploy.py imports ops.cli"),
    ("modules/alarms.py", "from environments import ENVIRONMENTS\n",
     "modules/alarms.py imports environments"),
    ("stacks/routing.py", "from constructs import Construct\n",
     "stacks/routing.py imports constructs directly"),
    ("environments/local.py", "from stacks.base import EnvironmentStack\n",
     "environments/local.py imports stacks"),
    ("functions/rollout_abort/handler.py", "from ops.cli.rollout import main\n",
     "functions/rollout_abort/handler.py imports ops.cli"),
    ("functions/rollout_abort/handler.py", "import ops.driver.deploy\n",
     "functions/rollout_abort/handler.py imports ops.driver"),
])
def test_a_wrong_arrow_is_caught(path: str, source: str, culprit: str) -> None:
    assert any(v.startswith(culprit) for v in violations(path, source))


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    tests = sorted((PROJECT_ROOT / "tests").rglob("*.py"))
    assert len(tests) > 20
    found = [problem for p in tests for problem in imports_of_test_modules(
        str(p.relative_to(PROJECT_ROOT)), p.read_text())]
    assert found == []


@pytest.mark.parametrize(("path", "source", "culprit"), [
    ("tests/synth/test_hardening.py", "from tests.synth.test_stacks import resources\n",
     "tests.synth.test_stacks"),
    ("tests/unit/test_gates.py", "from tests.conftest import ROOT\n", "tests.conftest"),
    ("tests/synth/test_monitoring.py", "from . import test_stacks\n", "tests.synth.test_stacks"),
    ("tests/emulator/test_live_rollout.py", "from .conftest import Deployment\n",
     "tests.emulator.conftest"),
    ("tests/emulator/test_live_rollout.py", "from ..unit.test_gates import sample\n",
     "tests.unit.test_gates"),
    ("tests/unit/test_docs.py", "def f():\n    import tests.unit.test_gates\n",
     "tests.unit.test_gates"),
    ("tests/helpers/synth.py", "from tests.synth import test_rollout_weights\n",
     "tests.synth.test_rollout_weights"),
    ("tests/emulator/conftest.py", "from tests.conftest import terraform_env\n",
     "tests.conftest"),
], ids=["a-name-from-a-test-module", "a-name-from-the-root-conftest", "a-sibling-test-module",
        "a-name-from-its-conftest", "a-name-from-a-test-module-of-another-layer",
        "a-test-module-in-a-function", "a-test-module-into-a-helper",
        "the-root-conftest-into-a-conftest"])
def test_a_test_module_or_conftest_import_is_caught(path: str, source: str, culprit: str) -> None:
    assert [v.split(" imports ")[1].split(":")[0] for v in imports_of_test_modules(path, source)
            ] == [culprit]


def test_helpers_and_fixtures_may_be_imported() -> None:
    assert imports_of_test_modules("tests/synth/test_stacks.py", (
        "from tests.helpers.synth import Synthesized, resources\n"
        "from tests.helpers import spec_routes\nimport pytest\n")) == []
