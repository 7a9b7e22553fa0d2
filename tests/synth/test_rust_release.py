"""Rust releases in the synthesized JSON (docs/rollout.md, Rust releases): the released
function publishes a version described by its release, the alias points at that version,
every Rust target group targets the alias (qualified ARN) with the alias's invoke permission;
the release is in the package (S3 key; the local stub made into the release's package)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from environments import ENVIRONMENTS
from model.catalog.functions import FUNCTIONS
from model.config import RUST_ALIAS, release_description
from model.names import terraform_id
from model.paths import PROJECT_ROOT
from modules.release_package import RELEASE_FILE, release_bytes
from tests.helpers.synth import Synth, Synthesized, resources

RELEASED = [spec for spec in FUNCTIONS if spec.released]
UNRELEASED = [spec for spec in FUNCTIONS if not spec.released]


def test_the_catalog_has_a_released_function() -> None:
    assert RELEASED, "the Rust scorer is released (FunctionSpec.released)"


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_the_released_function_publishes_a_version_an_alias_points_at(
        synthesized: Synthesized, environment: str) -> None:
    lambdas = synthesized[environment]["lambdas"]
    version = ENVIRONMENTS[environment].rust_version
    for spec in RELEASED:
        address = terraform_id(spec.name)
        function = resources(lambdas, "aws_lambda_function")[address]
        assert function["publish"] is True
        assert function["description"] == release_description(version)
        alias = resources(lambdas, "aws_lambda_alias")[address]
        assert alias["name"] == RUST_ALIAS
        assert alias["function_version"] == f"${{aws_lambda_function.{address}.version}}"
        assert alias["function_name"] == f"${{aws_lambda_function.{address}.function_name}}"
    assert set(resources(lambdas, "aws_lambda_alias")) == {terraform_id(s.name) for s in RELEASED}
    for spec in UNRELEASED:  # nothing published for the others: no version per deploy
        function = resources(lambdas, "aws_lambda_function")[terraform_id(spec.name)]
        assert "publish" not in function and "description" not in function


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_every_target_group_of_a_released_function_targets_its_alias(
        synthesized: Synthesized, environment: str) -> None:
    lambdas = synthesized[environment]["lambdas"]
    attachments = resources(lambdas, "aws_lb_target_group_attachment")
    permissions = resources(lambdas, "aws_lambda_permission")
    for spec in RELEASED:
        alias = f"aws_lambda_alias.{terraform_id(spec.name)}"
        assert spec.backends
        for backend in spec.backends:
            address = terraform_id(backend.target_group)
            assert attachments[address]["target_id"] == f"${{{alias}.arn}}"
            assert permissions[address]["qualifier"] == f"${{{alias}.name}}"
            assert permissions[address]["function_name"] == (
                f"${{aws_lambda_function.{terraform_id(spec.name)}.function_name}}")
    for spec in UNRELEASED:  # the others invoke their function, unqualified
        for backend in spec.backends:
            address = terraform_id(backend.target_group)
            assert attachments[address]["target_id"] == (
                f"${{aws_lambda_function.{terraform_id(spec.name)}.arn}}")
            assert "qualifier" not in permissions[address]


def test_rust_version_sets_the_release_of_the_s3_key_and_the_version(
        synthesize_with: Synth) -> None:
    built = synthesize_with({"ENVIRONMENTS": "staging", "RUST_VERSION": "v2.3.4-rc.1"})
    lambdas = built["staging"]["lambdas"]
    for spec in RELEASED:
        function = resources(lambdas, "aws_lambda_function")[terraform_id(spec.name)]
        assert function["s3_key"] == "rust/v2.3.4-rc.1/passport-v2-rust-scorer.zip"
        assert function["description"] == release_description("v2.3.4-rc.1")


def _local_package(built: Synthesized, spec_name: str) -> bytes:
    function = resources(built["local"]["lambdas"], "aws_lambda_function")[
        terraform_id(spec_name)]
    return (built.outdir / "stacks" / "scorer-local-lambdas" / function["filename"]).read_bytes()


def test_the_local_package_is_made_for_the_release(synthesized: Synthesized,
                                                   synthesize_with: Synth,
                                                   tmp_path: Path) -> None:
    """The same release gives the same bytes (the code hash stays); another release other
    bytes (a new version); the stub's entries are all there, the release named inside."""
    stub = PROJECT_ROOT / ENVIRONMENTS["local"].artifacts.rust_zip  # type: ignore[union-attr]
    version = ENVIRONMENTS["local"].rust_version
    other = synthesize_with({"ENVIRONMENTS": "local", "RUST_VERSION": "v9.9.9"})
    for spec in RELEASED:
        this = _local_package(synthesized, spec.name)
        assert this == release_bytes(stub, version) == release_bytes(stub, version)
        changed = _local_package(other, spec.name)
        assert hashlib.sha256(changed).digest() != hashlib.sha256(this).digest()
        (tmp_path / "p.zip").write_bytes(changed)
        with zipfile.ZipFile(tmp_path / "p.zip") as package, zipfile.ZipFile(stub) as source:
            assert set(package.namelist()) == {*source.namelist(), RELEASE_FILE}
            assert package.read(RELEASE_FILE) == b"v9.9.9\n"
            for name in source.namelist():
                assert package.read(name) == source.read(name)
                assert package.getinfo(name).external_attr == source.getinfo(name).external_attr


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_the_controller_may_read_the_release_of_the_rust_function_only(
        synthesized: Synthesized, environment: str) -> None:
    """The controller compares the alias's release with the rollout's: it reads the alias and
    the version's configuration of this environment's released function, nothing else."""
    import json

    config = ENVIRONMENTS[environment]
    policies = resources(synthesized[environment]["monitoring"], "aws_iam_role_policy")
    statements = {s["Sid"]: s for s in json.loads(policies["rollout_controller"]["policy"])[
        "Statement"]}
    function = (f"arn:aws:lambda:{config.region}:${{data.aws_caller_identity.account.account_id}}"
                f":function:{config.function_name(RELEASED[0].name)}")
    assert statements["ReadRustRelease"] == {
        "Sid": "ReadRustRelease", "Effect": "Allow", "Resource": [function, f"{function}:*"],
        "Action": ["lambda:GetAlias", "lambda:GetFunctionConfiguration"]}
    assert not any(a.startswith("lambda:") for sid, s in statements.items()
                   if sid != "ReadRustRelease"
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
