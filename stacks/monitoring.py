"""``scorer-<env>-monitoring``: the alarms of docs/monitoring.md, their SNS topic, the rollout view.

It reads target groups from the registry and load balancers from the ALB stacks (cross-stack
references), and depends on no routing decision: changing R or rolling back deploys the
routing stack only, and the alarms and dashboard stay as they are (the canary routes reach the
rollout controller's configuration, the one exception). The rollout functions (abort, controller)
act on the rollout stack's table, by its name.
"""

from __future__ import annotations

from model.catalog.alarm_policy import (
    FUNCTION_ALARMS,
    LOAD_BALANCER_ALARMS,
    RESPONSE_TIME_OVERRIDES,
    TARGET_ALARMS,
)
from model.catalog.functions import all_backends
from model.config import EnvironmentConfig
from model.function_spec import FunctionSpec
from model.monitoring.alarm_model import AlarmKind, Evaluation, Subject
from model.rollout.controls import effective_routes, rust_alarm_prefixes
from model.routing.backend import Backend
from model.routing.listener import Listener
from model.routing.registry import TargetGroupRegistry
from model.routing.route import Route
from modules.alarms import alarm_set
from modules.aws import (
    Construct,
    DataAwsCallerIdentity,
    DataAwsSecretsmanagerSecretVersion,
    LbTargetGroup,
    SnsTopic,
    SnsTopicSubscription,
)
from modules.dashboard import RolloutRow, TargetSeries, rollout_dashboards
from modules.rollout_abort import RolloutAbortFunction
from modules.rollout_controller import RolloutControllerFunction
from stacks.base import EnvironmentStack


class MonitoringStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        registry: TargetGroupRegistry[LbTargetGroup],
        functions: tuple[FunctionSpec, ...],
        services: tuple[Backend, ...],
        routes: tuple[Route, ...],
        load_balancer_arn_suffixes: dict[Listener, str],
        listener_arns: dict[Listener, str],
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
        function_of = {b.key: f.name for f in functions for b in f.backends}
        names = {b.key: b.target_group for f in functions for b in f.backends}
        targets = [(b, function_of.get(b.key)) for b in all_backends(functions, services)]
        suffix = {b.key: registry.resolve(b.listener, b.key).arn_suffix for b, _ in targets}
        for kind in TARGET_ALARMS:
            alarm_set(self, kind, {
                backend.target_group: self._subject(
                    kind, config.target_group_name(backend.target_group),
                    {"LoadBalancer": lbs[backend.listener],
                     "TargetGroup": suffix[backend.key]},
                    override=RESPONSE_TIME_OVERRIDES.get(function or "", {}).get(kind.name))
                for backend, function in targets
            }, actions)
        for kind in LOAD_BALANCER_ALARMS:
            alarm_set(self, kind, {
                listener.name: self._subject(kind, f"{listener}-alb",
                                             {"LoadBalancer": lbs[listener]})
                for listener in lbs
            }, actions)
        for kind in FUNCTION_ALARMS:
            alarm_set(self, kind, {
                f.name: self._subject(kind, config.function_name(f.name),
                                      {"FunctionName": config.function_name(f.name)})
                for f in functions
            }, actions)

        # The dashboards name load balancers and target groups by key; one token each.
        arn_suffixes = {f"lb:{listener}": token for listener, token in lbs.items()}
        arn_suffixes |= {f"tg:{key}": token for key, token in suffix.items()}
        rows = []
        for route in effective_routes(config, routes):  # the Rust target groups' layout
            if not route.action.weighted:
                continue
            python, rust = route.action.backends()
            rows.append(RolloutRow(
                route.key, f"lb:{route.listener}",
                TargetSeries(f"Python {python.removeprefix('py:')}", f"tg:{python}"),
                TargetSeries(f"Rust {config.target_group_name(names[rust])}", f"tg:{rust}")))
        self.dashboards = rollout_dashboards(
            self, config.rollout_dashboard_name(), config.region, rows, arn_suffixes)

        # A Rust alarm entering ALARM aborts the rollout, with nobody watching; the controller
        # moves it on its schedule. Both act on the rollout stack's table (by its name).
        account_id = DataAwsCallerIdentity(self, "account").account_id
        self.rollout_abort = RolloutAbortFunction(
            self, config,
            account_id=account_id,
            listener_arns=listener_arns,
            topic_arn=self.topic.arn,
            alarm_prefixes=rust_alarm_prefixes(config, routes, functions),
        )
        self.rollout_controller = RolloutControllerFunction(
            self, config, account_id=account_id, listener_arns=listener_arns,
            topic_arn=self.topic.arn)

    def _subject(self, kind: AlarmKind, target: str, dimensions: dict[str, str],
                 override: Evaluation | None = None) -> Subject:
        """Alarm names say environment, target and metric (``EnvironmentConfig.alarm_name``)."""
        return Subject(self.config.alarm_name(target, kind.name), dimensions,
                       override or kind.evaluation)
