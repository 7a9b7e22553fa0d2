"""``scorer-<env>-monitoring``: the alarms of spec/alarms.md, their SNS topic, the rollout view.

It reads target groups from the registry and load balancers from the ALB stacks (cross-stack
references), and depends on no routing decision: changing R or rolling back deploys the
routing stack only, and the alarms and dashboard stay as they are.
"""

from __future__ import annotations

from constructs import Construct

from modules.alarm_model import AlarmKind, Evaluation, Subject
from modules.alarms import alarm_set
from modules.aws import (
    DataAwsSecretsmanagerSecretVersion,
    LbTargetGroup,
    SnsTopic,
    SnsTopicSubscription,
)
from modules.backend import Backend
from modules.dashboard import RolloutRow, TargetSeries, rollout_dashboards
from modules.function_spec import FunctionSpec
from modules.registry import TargetGroupRegistry
from modules.route import Route, WeightedForward
from stacks.alarm_policy import (
    FUNCTION_ALARMS,
    LOAD_BALANCER_ALARMS,
    RESPONSE_TIME_OVERRIDES,
    TARGET_ALARMS,
)
from stacks.base import EnvironmentStack
from stacks.config import EnvironmentConfig


class MonitoringStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        functions: tuple[FunctionSpec, ...],
        services: tuple[Backend, ...],
        routes: tuple[Route, ...],
        load_balancer_arn_suffixes: dict[str, str],
    ) -> None:
        super().__init__(scope, config, "monitoring")
        self.topic = SnsTopic(self, "alarms", name=config.alarm_topic_name())
        if config.paging is not None:
            endpoint = DataAwsSecretsmanagerSecretVersion(
                self, "paging_endpoint", secret_id=config.paging.secret_name).secret_string
            SnsTopicSubscription(self, "paging", topic_arn=self.topic.arn, protocol="https",
                                 endpoint=endpoint, endpoint_auto_confirms=True)
        actions = [self.topic.arn]
        lbs = load_balancer_arn_suffixes

        # Every target group: (backend, base name of the function it belongs to or None).
        targets: list[tuple[Backend, str | None]] = [
            (b, f.name) for f in functions for b in f.backends] + [(b, None) for b in services]
        suffix = {b.key: registry.resolve(b.load_balancer, b.key).arn_suffix for b, _ in targets}
        for kind in TARGET_ALARMS:
            alarm_set(self, kind, {
                backend.target_group: self._subject(
                    kind, config.target_group_name(backend.target_group),
                    {"LoadBalancer": lbs[backend.load_balancer],
                     "TargetGroup": suffix[backend.key]},
                    override=RESPONSE_TIME_OVERRIDES.get(function or "", {}).get(kind.name))
                for backend, function in targets
            }, actions)
        for kind in LOAD_BALANCER_ALARMS:
            alarm_set(self, kind, {
                which: self._subject(kind, f"{which}-alb", {"LoadBalancer": lbs[which]})
                for which in sorted(lbs)
            }, actions)
        for kind in FUNCTION_ALARMS:
            alarm_set(self, kind, {
                f.name: self._subject(kind, config.function_name(f.name),
                                      {"FunctionName": config.function_name(f.name)})
                for f in functions
            }, actions)

        # The dashboards name load balancers and target groups by key; one token each.
        arn_suffixes = {f"lb:{which}": token for which, token in lbs.items()}
        arn_suffixes |= {f"tg:{key}": token for key, token in suffix.items()}
        rows = []
        for route in routes:
            action = route.action
            if not isinstance(action, WeightedForward):
                continue
            lb = route.listener
            rows.append(RolloutRow(
                route.key, f"lb:{lb}",
                TargetSeries(f"Python {action.python.removeprefix('py:')}", f"tg:{action.python}"),
                TargetSeries(f"Rust ({action.rust}, all weighted routes of the {lb} ALB)",
                             f"tg:{action.rust}")))
        self.dashboards = rollout_dashboards(
            self, config.rollout_dashboard_name(), config.region, rows, arn_suffixes)

    def _subject(self, kind: AlarmKind, target: str, dimensions: dict[str, str],
                 override: Evaluation | None = None) -> Subject:
        """Alarm names say environment, target and metric, e.g.
        ``scorer-production-l-cc-v1-score-GET-0-target-5xx-ratio-burst``."""
        return Subject(f"scorer-{self.config.name}-{target}-{kind.name}", dimensions,
                       override or kind.evaluation)
