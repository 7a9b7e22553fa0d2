"""The emergency rollback without Terraform (``routes rollback``): the rollout's abort, which
moves every rule that forwards to a Rust target group to Python (marked first, Rust 0,
stickiness off; a canary to its route's Python target group) and then records the abort, over
a missing or unreadable state too, so that deploys agree with it."""

from __future__ import annotations

import time

from ops.controller.rollout import Outcome, Rollout

REASON = "emergency rollback without Terraform (routes rollback)"


def emergency_rollback(rollout: Rollout, now: int | None = None) -> Outcome:
    return rollout.abort(int(time.time()) if now is None else now, REASON)
