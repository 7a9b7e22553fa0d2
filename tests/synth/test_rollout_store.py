"""The rollout state store as synthesized: the rollout stack's DynamoDB table (its key schema
is the codec's, model/rollout/state.py), deployed before the stacks that read it."""

from __future__ import annotations

import json

from environments import ENVIRONMENTS
from model.config import STACK_DEPENDENCIES
from tests.helpers.spec_routes import SPEC_ENVIRONMENTS
from tests.helpers.synth import Synthesized, resources


def test_one_table_per_environment_keyed_by_version_recoverable_and_encrypted(
    synthesized: Synthesized
) -> None:
    for env in SPEC_ENVIRONMENTS:
        stack = synthesized[env]["rollout"]
        assert set(stack["resource"]) == {"aws_dynamodb_table"}
        (table,) = resources(stack, "aws_dynamodb_table").values()
        assert table == {
            "name": f"scorer-{env}-rust-rollout-state",
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "pk",
            "range_key": "version",
            "attribute": [{"name": "pk", "type": "S"}, {"name": "version", "type": "N"}],
            "point_in_time_recovery": {"enabled": True},
            "server_side_encryption": {"enabled": True},
            "deletion_protection_enabled": ENVIRONMENTS[env].deletion_protection,
        }


def test_the_table_carries_the_default_tags_and_depends_on_no_stack(
    synthesized: Synthesized
) -> None:
    for env in SPEC_ENVIRONMENTS:
        (provider,) = synthesized[env]["rollout"]["provider"]["aws"]
        tags = provider["default_tags"][0]["tags"]
        assert (tags["Stack"], tags["Environment"]) == (f"scorer-{env}-rollout", env)
        assert "data" not in synthesized[env]["rollout"]  # no remote state: the first wave
    assert "rollout" not in STACK_DEPENDENCIES
    assert {part for part, needs in STACK_DEPENDENCIES.items() if "rollout" in needs} == {
        "routing", "monitoring"}


def test_cdktf_deploys_the_table_before_the_stacks_that_read_it(
    synthesized: Synthesized
) -> None:
    """The routing and monitoring stacks name the table, not a cross-stack reference: their
    order for ``cdktf deploy`` is the manifest's dependency."""
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())["stacks"]
    for env in SPEC_ENVIRONMENTS:
        for part in ("routing", "monitoring"):
            assert f"scorer-{env}-rollout" in manifest[f"scorer-{env}-{part}"]["dependencies"]
