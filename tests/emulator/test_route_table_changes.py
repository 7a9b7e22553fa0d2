"""A change of the route table meets a deployed environment whose rollout state exists: a
route made weighted enters the rollout document at R = 0 when the deploy driver deploys it,
the routing stack deploys and the listeners are in sync; the route made unweighted again
leaves the document. Both recorded in the history. (Before, the document had no entry for
the new key, every rule's precondition was false and no command could add it.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from model.paths import PROJECT_ROOT
from tests.helpers.emulator import Cli, Deployment

ROUTE = "passport-analysis"
FORWARD = 'forward("py:passport-analysis-GET-0"),'
WEIGHTED = 'weighted_forward("py:passport-analysis-GET-0", RUST_OF_ROUTE),'


def _checkout_with_the_route_weighted(into: Path) -> Path:
    """A copy of this checkout's sources whose route table makes ``ROUTE`` weighted."""
    copy = into / "checkout"
    shutil.copytree(PROJECT_ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "node_modules", "cdktf.out", "terraform-state", ".pytest_cache",
        "__pycache__", ".deploy.lock", ".ruff_cache"))
    table = copy / "model" / "catalog" / "route_table.py"
    text = table.read_text()
    assert text.count(FORWARD) == 1, f"the route table no longer has {FORWARD}"
    table.write_text(text.replace(FORWARD, WEIGHTED))
    return copy


def _run(copy: Path, deployment: Deployment, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=copy, env=deployment.env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_a_route_made_weighted_enters_at_0_deploys_in_sync_and_leaves_again(
        deployment: Deployment, cli: Cli, tmp_path: Path) -> None:
    copy = _checkout_with_the_route_weighted(tmp_path)
    # its own Rust target group first (the Lambda stack), then its rule
    deployed = _run(copy, deployment, "ops.cli.deploy", "--env", "local", "--parts",
                    "lambdas,routing", "--state-dir", str(deployment.state_dir))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert (f"rollout state of local reconciled with the route table: added {ROUTE} at R 0 "
            "(new weighted routes)") in deployed.stdout
    state = deployment.store().require().state
    assert state is not None and state.routes[ROUTE] == 0 and ROUTE not in state.rollout_routes
    (rule,) = [v for v in deployment.live() if v.key == ROUTE]
    assert dict(rule.targets) == {"l-passport-analysis-GET-0": 100,
                                  f"rs-{ROUTE}": 0}  # its own Rust target group
    diff = _run(copy, deployment, "ops.cli.routes", "diff", "--env", "local", "--live",
                "--state", str(deployment.routing_state))
    assert diff.returncode == 0 and diff.stdout.startswith("in sync: local"), (
        diff.stdout + diff.stderr)
    assert cli.history()[-1]["why"].startswith(
        f"reconciled with the route table: added {ROUTE} at R 0")

    # this checkout: the route is not weighted; its Rust target group is kept while its rule
    # forwards to it, and removed once the routing stack moved the rule
    said = deployment.deploy(["lambdas", "routing"])
    assert any(f"removed {ROUTE} (no longer weighted)" in line for line in said), said
    assert f"keeping the Rust target groups rust:{ROUTE} while live rules forward to them " \
           "(removed after the routing stack moved them)" in said, said
    assert f"rs-{ROUTE}" not in deployment.target_groups()
    state = deployment.store().require().state
    assert state is not None and ROUTE not in state.routes
    cli.assert_in_sync()
