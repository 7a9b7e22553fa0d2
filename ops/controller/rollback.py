"""The emergency rollback without Terraform: Rust weight 0 and stickiness off on every rule
that forwards to a Rust target group (``Router.roll_back``), recorded in the rollout state as
an emergency abort so that deploys agree with it."""

from __future__ import annotations

import getpass
import time

from model.config import EnvironmentConfig
from model.rollout.state import abort, parameter_name
from ops.adapters.alb import Router
from ops.adapters.store import RolloutStore


def emergency_rollback(router: Router, store: RolloutStore,
                       config: EnvironmentConfig) -> tuple[list[str], str]:
    """(one line per rule changed, what was recorded)."""
    lines = router.roll_back()
    return lines, record_emergency(store, config)


def record_emergency(store: RolloutStore, config: EnvironmentConfig) -> str:
    """The rollback in the rollout state (an emergency abort), so that deploys agree with it."""
    state = store.read(config)
    if state is None:
        return f"no rollout state {parameter_name(config)} to record the rollback in"
    aborted = abort(state, int(time.time()), f"{getpass.getuser()} (routes rollback)",
                    "emergency rollback without Terraform (routes rollback)", emergency=True)
    store.write(config, aborted)
    return f"recorded in {parameter_name(config)}: {aborted.summary}"
