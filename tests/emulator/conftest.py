"""The emulator layer (marker ``emulator``): one emulator and one deploy of ``local`` per
session (started before the session's first test, ``tests/helpers/session_deploy.py``), shared
by every test; each test gets it at the baseline that deploy left and leaves it
so (``tests/helpers/emulator.py``), so any test runs alone (``-k``) and in any order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.emulator import BASE_STACKS, LOCAL, Baseline, Cli, Deployment
from tests.helpers.layers import mark_folder
from tests.helpers.session_deploy import SessionDeploy


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.emulator)


@pytest.fixture(scope="session")
def deployed(
    session_deploy: SessionDeploy | None, terraform_env: dict[str, str]
) -> tuple[Deployment, Baseline]:
    """The emulator on a free loopback port with ``local`` deployed by the deploy driver: the
    ALB, Lambda and monitoring stacks, legacy rules created with boto3 as the old code left
    them, then the routing stack beside them; and the baseline read right after. The deploy
    was started before the session's first test (``tests/helpers/session_deploy.py``); this
    waits for it. The emulator is stopped at the end of the session, however it ends."""
    assert session_deploy is not None, "tests/conftest.py starts it for every emulator session"
    said = session_deploy.wait()
    # progress per stack: "[n/4] <stack>: done, <k> resources changed, <s> s"
    assert {line.split("] ", 1)[1].split(":")[0] for line in said
            if ": done, " in line and LOCAL.stack_name("routing") not in line} == set(
        BASE_STACKS), said
    assert any(": done, " in line and LOCAL.stack_name("routing") in line for line in said), said
    import boto3  # here: collecting the unit tests need not import it

    env = session_deploy.env
    client = boto3.client("elbv2", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=LOCAL.region,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    found = Deployment(session_deploy.tmp, env, client)
    return found, Baseline.of(found)


@pytest.fixture
def deployment(deployed: tuple[Deployment, Baseline],
               request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """The session's deployment at its baseline, put back to it after the test whatever the
    test changed, and checked; put back before the test too when that check failed."""
    found, baseline = deployed
    if not found.at_baseline:
        baseline.restore(found)
        assert baseline.differences(found) == []
    yield found
    found.at_baseline = False
    put_back = baseline.restore(found)
    for line in put_back:
        print(f"{request.node.name}: put back {line}")  # shown with -rP
    if put_back:  # else the restore found everything as it was
        assert baseline.differences(found) == []
    found.at_baseline = True


@pytest.fixture
def cli(deployment: Deployment, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    """The ``routes`` and ``rollout`` commands against the deployment."""
    return Cli(deployment, monkeypatch, capsys)
