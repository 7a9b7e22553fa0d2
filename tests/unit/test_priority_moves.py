"""The ALB adapter's priority moves (``ops/driver/preflight.py``) against a stand-in ELBv2
API: permutations and their fallback; the metrics adapter's alarm filter."""

from __future__ import annotations

import pytest

from ops.adapters.alb import ListenerRules
from ops.driver.preflight import move_priorities

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/1/2"


class _PriorityInUse(Exception):
    pass


class _Elbv2:
    """Rules of one listener; ``atomic``: SetRulePriorities checks the final state (AWS),
    else each target against the current priorities (the local emulator)."""

    class exceptions:
        PriorityInUseException = _PriorityInUse

    def __init__(self, priorities: dict[str, int], atomic: bool) -> None:
        self.priorities = {f"{LISTENER.replace(':listener/', ':listener-rule/')}/{k}": v
                           for k, v in priorities.items()}
        self.atomic = atomic
        self.calls = 0

    def arn(self, key: str) -> str:
        return f"{LISTENER.replace(':listener/', ':listener-rule/')}/{key}"

    def describe_rules(self, ListenerArn: str) -> dict[str, object]:
        assert ListenerArn == LISTENER
        return {"Rules": [{"RuleArn": a, "Priority": str(p)} for a, p in self.priorities.items()]}

    def describe_tags(self, ResourceArns: list[str]) -> dict[str, object]:
        return {"TagDescriptions": [{"ResourceArn": a, "Tags": []} for a in ResourceArns]}

    def set_rule_priorities(self, RulePriorities: list[dict[str, object]]) -> None:
        self.calls += 1
        after = dict(self.priorities)
        for item in RulePriorities:
            target = int(item["Priority"])  # type: ignore[arg-type]
            if not self.atomic and target in self.priorities.values():
                raise _PriorityInUse(target)
            after[str(item["RuleArn"])] = target
        if len(set(after.values())) != len(after):
            raise _PriorityInUse("two rules at one priority")
        self.priorities = after


def _moves(api: _Elbv2, wanted: dict[str, int]) -> list[tuple[str, str, int, int]]:
    return [(f"aws_lb_listener_rule.{k}", api.arn(k), api.priorities[api.arn(k)], v)
            for k, v in sorted(wanted.items())]


@pytest.mark.parametrize("atomic", [True, False], ids=["aws", "one-at-a-time"])
def test_a_swap_and_a_rotation_deploy(atomic: bool) -> None:
    api = _Elbv2({"a": 1032, "b": 1033, "c": 1034, "d": 1035, "other": 1036}, atomic)
    lines = move_priorities(ListenerRules(api),
                            _moves(api, {"a": 1033, "b": 1032, "c": 1035, "d": 1034}))
    assert {k.rsplit("/", 1)[1]: p for k, p in api.priorities.items()} == {
        "a": 1033, "b": 1032, "c": 1035, "d": 1034, "other": 1036}
    assert len(lines) == 4 and lines[0].startswith(
        "moved       aws_lb_listener_rule.a: priority 1032 -> 1033")
    # one-at-a-time: the refused atomic call, then per cycle: park one, move two
    assert api.calls == (1 if atomic else 1 + 3 + 3)


def test_nothing_to_move_calls_nothing() -> None:
    api = _Elbv2({"a": 1032}, atomic=True)
    assert move_priorities(ListenerRules(api), []) == [] and api.calls == 0


def test_only_rust_and_load_balancer_alarms_in_alarm_count() -> None:
    """DescribeAlarms with a name prefix: the emulator ignores StateValue beside it (the
    runbook's first tick aborted on alarms in OK), so the state is checked here too."""
    from environments import ENVIRONMENTS
    from ops.adapters.metrics import Metrics
    from ops.controller.gates import rust_alarms_in_alarm
    from tests.helpers.spec_routes import SPEC_RUST_TARGET_GROUPS

    first, *_, last = SPEC_RUST_TARGET_GROUPS.values()  # each route's own Rust target group

    class _Cloudwatch:
        def describe_alarms(self, **_: object) -> dict[str, object]:
            return {"MetricAlarms": [
                {"AlarmName": f"scorer-local-{first}-target-5xx-ratio-burst",
                 "StateValue": "ALARM"},
                {"AlarmName": f"scorer-local-{last}-response-time-burst",
                 "StateValue": "OK"},
                {"AlarmName": "scorer-local-public-alb-elb-5xx-ratio-burst",
                 "StateValue": "ALARM"},
                {"AlarmName": "scorer-local-l-cc-v1-st-GET-0-target-5xx-ratio-burst",
                 "StateValue": "ALARM"}]}

    assert sorted(rust_alarms_in_alarm(Metrics(_Cloudwatch()), ENVIRONMENTS["local"])) == [
        "scorer-local-public-alb-elb-5xx-ratio-burst",
        f"scorer-local-{first}-target-5xx-ratio-burst"]


def test_cloudwatch_dimensions_of_load_balancers_and_target_groups() -> None:
    from ops.adapters.metrics import dimension as _dimension

    assert _dimension("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/lb/50dc") == (
        "app/lb/50dc")
    assert _dimension("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/73e2") == (
        "targetgroup/tg/73e2")
