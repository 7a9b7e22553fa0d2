"""The rollout of the environment a function is deployed in, from the variables its stack
sets (``modules/rollout_controller.py``, ``modules/rollout_abort.py``):

- ``ENVIRONMENT``: the environment's name (its configuration is the project's own);
- ``LISTENER_ARNS``: JSON object, listener name (``public``, ``internal``) -> ARN;
- ``TOPIC_ARN``: the topic that gets the notifications.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import environments
from model.routing.listener import LISTENERS
from ops.adapters.aws import Clients
from ops.adapters.clients import AwsClients
from ops.controller.rollout import Rollout


def deployed_rollout(environ: Mapping[str, str], actor: str,
                     clients: AwsClients | None = None) -> Rollout:
    config = environments.ENVIRONMENTS[environ["ENVIRONMENT"]]  # canaries: found live
    arns = json.loads(environ.get("LISTENER_ARNS") or "{}")
    listener_arns = {listener: arns[listener.name] for listener in LISTENERS
                     if listener.name in arns} if isinstance(arns, dict) else {}
    return Rollout.of(config, clients or Clients(config.region),
                      listener_arns=listener_arns if len(listener_arns) == len(LISTENERS)
                      else None,
                      topic_arn=environ.get("TOPIC_ARN") or None, actor=actor)
