"""``scorer-<env>-rollout``: the rollout state store, one DynamoDB table (docs/rollout.md).

Its key schema is the codec's (``model/rollout/state.py``: hash key ``pk``, range key
``version``): every version of the rollout document is an item of its own, never overwritten,
and the head item holds the latest. Terraform creates the table only; the deploy driver, the
``rollout`` commands, the controller and the abort function write its items (the routing
stack reads the head item). It depends on no other stack, so it deploys in the first wave.
"""

from __future__ import annotations

from model.config import EnvironmentConfig
from model.rollout.state import TABLE_HASH_KEY, TABLE_RANGE_KEY
from modules.aws import (
    Construct,
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from stacks.base import EnvironmentStack


class RolloutStack(EnvironmentStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config, "rollout")
        self.table = DynamodbTable(
            self, "rollout_state",
            name=config.rollout_table_name(),
            billing_mode="PAY_PER_REQUEST",
            hash_key=TABLE_HASH_KEY,
            range_key=TABLE_RANGE_KEY,
            attribute=[DynamodbTableAttribute(name=TABLE_HASH_KEY, type="S"),
                       DynamodbTableAttribute(name=TABLE_RANGE_KEY, type="N")],
            # The table is the audit trail of every traffic move: recoverable to the second.
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True),
            deletion_protection_enabled=config.deletion_protection,
        )
