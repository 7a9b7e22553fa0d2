"""A Rust release on the emulator (docs/rollout.md, Rust releases; docs/runbook.md): at R = 0
the deploy driver deploys a new release (a new published version, the alias moved, every Rust
target group still at the alias) and the state records it, not validated; ``rollout start``
records the release it validates, the controller run keeps it, ``status`` and ``history`` show
it; another release while Rust carries traffic is refused before anything changes.

The session's baseline is put back at the end: Rust to 0, the baseline's release deployed
again (the other tests plan the Lambda stack against it), then the listeners and the state
(``tests/emulator/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from model.catalog.functions import FUNCTIONS
from model.config import RUST_ALIAS, release_description
from ops.driver.preflight import Refused
from tests.helpers.emulator import LOCAL, Cli, Deployment, weights

(RUST,) = [spec for spec in FUNCTIONS if spec.released]
FUNCTION = LOCAL.function_name(RUST.name)
NEW, REFUSED = "v0.2.0", "v0.3.0"


def alias(deployment: Deployment) -> dict[str, Any]:
    """The alias and the description of the version it serves, read with boto3."""
    client = deployment.aws("lambda")
    found = client.get_alias(FunctionName=FUNCTION, Name=RUST_ALIAS)
    version = client.get_function_configuration(FunctionName=FUNCTION,
                                                Qualifier=found["FunctionVersion"])
    return {"arn": found["AliasArn"], "version": found["FunctionVersion"],
            "description": version["Description"]}


def rust_targets(deployment: Deployment) -> dict[str, set[str]]:
    """Every Rust target group of the function -> the IDs of the targets registered in it."""
    client = deployment.client
    names = {deployment_name for backend in RUST.backends
             if (deployment_name := LOCAL.target_group_name(backend.target_group))}
    found = {}
    for group in client.describe_target_groups()["TargetGroups"]:
        if group["TargetGroupName"] in names:
            health = client.describe_target_health(TargetGroupArn=group["TargetGroupArn"])
            found[group["TargetGroupName"]] = {d["Target"]["Id"]
                                              for d in health["TargetHealthDescriptions"]}
    assert set(found) == names
    return found


def test_a_release_deploys_at_r_0_rolls_out_and_another_is_refused_under_traffic(
    deployment: Deployment, cli: Cli
) -> None:
    before = alias(deployment)
    assert before["description"] == release_description(LOCAL.rust_version)
    assert rust_targets(deployment) == {name: {before["arn"]}
                                        for name in rust_targets(deployment)}
    code, out, err = cli.rollout(["abort", "--env", "local", "--reason",
                                  f"deploy Rust {NEW}"])  # Rust to 0, as the runbook says
    assert code == 0, out + err
    try:
        said = deployment.deploy(["lambdas"], {**deployment.env, "RUST_VERSION": NEW})
        assert any(f"Rust release {NEW} deployed at R 0 (was {LOCAL.rust_version}), not "
                   "validated" in line for line in said), said
        moved = alias(deployment)
        assert moved["description"] == release_description(NEW)
        assert int(moved["version"]) > int(before["version"]) and moved["arn"] == before["arn"]
        assert rust_targets(deployment) == {name: {moved["arn"]}
                                            for name in rust_targets(deployment)}
        assert deployment.store().require().state.rust_version == NEW

        code, out, err = cli.rollout(["start", "--env", "local", "--steps", "5,100",
                                      "--bake", "1h", "--reason", f"roll out {NEW}"])
        assert code == 0, out + err
        assert weights(deployment.ours()) == {(95, 5)}
        code, out, err = cli.rollout(["tick", "--env", "local"])  # a controller run
        assert code == 0 and not out.startswith("abort"), out + err
        code, out, err = cli.rollout(["status", "--env", "local"])
        assert code == 0, out + err
        assert (f"rust release: {NEW} (validating); live on the alias: {NEW} (version "
                f"{moved['version']})") in out
        history = cli.history()  # the abort, the release deployed, the start
        assert [row["rust"] for row in history[-3:]] == [None, NEW, NEW]
        assert f"deployed Rust release {NEW} at R 0" in history[-2]["why"]
        assert history[-1]["why"] == f"roll out {NEW}"

        head = deployment.store().require()
        with pytest.raises(Refused, match=rf"Rust carries traffic \(recorded: .*=5.*with "
                                          rf"release {NEW} .*deploying {REFUSED} would give it "
                                          "that traffic untested"):
            deployment.deploy(["lambdas"], {**deployment.env, "RUST_VERSION": REFUSED})
        assert alias(deployment) == moved
        assert deployment.store().require() == head
        assert weights(deployment.ours()) == {(95, 5)}
    finally:  # the baseline's release back, at R 0
        cli.rollout(["abort", "--env", "local", "--reason", "test: the baseline's release"])
        deployment.deploy(["lambdas"])
    assert alias(deployment)["description"] == release_description(LOCAL.rust_version)
