"""The rollout controller: one reconcile step of this environment's rollout per run
(``ops.controller.rollout.Rollout.reconcile``, the code ``rollout tick`` runs), on a schedule
(``modules/rollout_controller.py``; every minute by default, switched off per environment by
``ControllerPolicy.enabled``). Each run records an abort it finds on the listeners, acts on
the gates (abort, advance, or at the progress deadline pause or abort), and repairs live
weights that differ from the record; outside a rollout it reads no gates. Configuration:
``functions.deployed``. One run at a time (reserved concurrency 1)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from functions.deployed import deployed_rollout

ACTOR = "rollout controller"


def handler(event: dict[str, Any], context: Any = None, clients: Any = None,
            now: int | None = None) -> dict[str, Any]:
    rollout = deployed_rollout(os.environ, ACTOR, clients)
    outcome = rollout.reconcile(int(time.time()) if now is None else now)
    answer = {"action": outcome.action, "what": outcome.what, "rules": outcome.lines,
              "problems": outcome.problems,
              "state": outcome.state.summary if outcome.state else None}
    print(json.dumps(answer))
    return answer
