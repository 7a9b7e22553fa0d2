"""Notifications: every rollout transition and repair, published to the environment's SNS
topic (the monitoring stack's alarm topic) as one JSON message with who, why and the gates'
numbers. A notification that cannot be sent never undoes or blocks the transition: the
failure is printed (the function's log) and returned."""

from __future__ import annotations

import json
import sys
from typing import Any

from ops.adapters.clients import SnsClient

SUBJECT_MAX = 99  # characters of an SNS subject (less than 100)


class Notifier:
    """Publishes to one topic (None: notifications are off, e.g. no account known)."""

    def __init__(self, sns: SnsClient, topic_arn: str | None) -> None:
        self.sns = sns
        self.topic_arn = topic_arn
        self.sent: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> str | None:
        """Publish ``message``; None when sent, else why not."""
        if self.topic_arn is None:
            return "no topic to notify"
        subject = (f"scorer {message.get('environment')}: rollout "
                   f"{message.get('transition')} -> {message.get('to')}")
        subject = "".join(c if c.isprintable() else " " for c in subject)[:SUBJECT_MAX]
        try:
            self.sns.publish(TopicArn=self.topic_arn, Subject=subject,
                             Message=json.dumps(message, sort_keys=True))
        except Exception as error:  # a lost notification must not undo a transition
            problem = f"notification to {self.topic_arn} failed: {error}"
            print(problem, file=sys.stderr)
            return problem
        self.sent.append(message)
        return None
