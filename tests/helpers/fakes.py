"""One fake per outside system, for every test that needs one: an in-memory ELBv2 API (load
balancers, listeners, rules with tags, target groups), SSM parameters with history, and
CloudWatch alarm states and metric data. Each answers the calls the adapters make, shaped as
boto3 answers them, and raises the same named exceptions."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


class _NotFound(Exception):
    pass


class _PriorityInUse(Exception):
    pass


class _Exceptions:
    LoadBalancerNotFoundException = _NotFound
    TargetGroupNotFoundException = _NotFound
    PriorityInUseException = _PriorityInUse
    ParameterNotFound = _NotFound


@dataclass
class FakeElbv2:
    """Two load balancers with one listener each; rules are dicts as ``describe_rules``
    returns them, plus ``Tags``."""

    region: str = "us-east-1"
    balancers: dict[str, str] = field(default_factory=dict)  # name -> ARN
    listeners: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # LB ARN -> ...
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # listener -> rules
    target_groups: dict[str, str] = field(default_factory=dict)  # name -> ARN
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    page_size: int = 3  # small, so that every caller follows NextMarker
    exceptions = _Exceptions

    # set up -------------------------------------------------------------------------------
    def add_listener(self, balancer: str, port: int) -> str:
        arn = (f"arn:aws:elasticloadbalancing:{self.region}:1:loadbalancer/app/{balancer}/"
               f"{len(self.balancers)}")
        self.balancers[balancer] = arn
        listener = arn.replace(":loadbalancer/", ":listener/") + f"/{port}"
        self.listeners[arn] = [{"ListenerArn": listener, "Port": port}]
        self.rules[listener] = []
        return listener

    def add_target_group(self, name: str) -> str:
        self.target_groups[name] = (f"arn:aws:elasticloadbalancing:{self.region}:1:"
                                    f"targetgroup/{name}/{len(self.target_groups)}")
        return self.target_groups[name]

    def add_rule(self, listener: str, priority: int, action: dict[str, Any],
                 route: str | None = None, conditions: list[dict[str, Any]] | None = None
                 ) -> str:
        arn = (listener.replace(":listener/", ":listener-rule/")
               + f"/{priority}-{len(self.rules[listener])}")
        self.rules[listener].append({
            "RuleArn": arn, "Priority": str(priority), "IsDefault": False,
            "Conditions": conditions or [], "Actions": [action],
            "Tags": [{"Key": "Route", "Value": route}] if route else []})
        return arn

    def rule(self, arn: str) -> dict[str, Any]:
        return next(r for rules in self.rules.values() for r in rules if r["RuleArn"] == arn)

    # the API ------------------------------------------------------------------------------
    def describe_load_balancers(self, Names: list[str]) -> dict[str, Any]:
        if Names[0] not in self.balancers:
            raise _NotFound(Names[0])
        return {"LoadBalancers": [{"LoadBalancerArn": self.balancers[Names[0]]}]}

    def describe_listeners(self, LoadBalancerArn: str) -> dict[str, Any]:
        return {"Listeners": self.listeners[LoadBalancerArn]}

    def describe_rules(self, ListenerArn: str | None = None, RuleArns: list[str] | None = None,
                       Marker: str | None = None) -> dict[str, Any]:
        if RuleArns is not None:
            return {"Rules": [self._answer(self.rule(a)) for a in RuleArns]}
        rules = self.rules[ListenerArn or ""]
        start = int(Marker or 0)
        page = rules[start:start + self.page_size]
        answer: dict[str, Any] = {"Rules": [self._answer(r) for r in page]}
        if start + self.page_size < len(rules):
            answer["NextMarker"] = str(start + self.page_size)
        return answer

    @staticmethod
    def _answer(rule: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in rule.items() if k != "Tags"})

    def describe_tags(self, ResourceArns: list[str]) -> dict[str, Any]:
        assert len(ResourceArns) <= 20
        return {"TagDescriptions": [{"ResourceArn": a, "Tags": self.rule(a)["Tags"]}
                                    for a in ResourceArns]}

    def describe_target_groups(self, Names: list[str]) -> dict[str, Any]:
        if Names[0] not in self.target_groups:
            raise _NotFound(Names[0])
        return {"TargetGroups": [{"TargetGroupArn": self.target_groups[Names[0]]}]}

    def modify_rule(self, RuleArn: str, Actions: list[dict[str, Any]]) -> None:
        self.calls.append(("modify_rule", {"RuleArn": RuleArn, "Actions": Actions}))
        self.rule(RuleArn)["Actions"] = copy.deepcopy(Actions)

    def delete_rule(self, RuleArn: str) -> None:
        self.calls.append(("delete_rule", {"RuleArn": RuleArn}))
        for rules in self.rules.values():
            rules[:] = [r for r in rules if r["RuleArn"] != RuleArn]

    def set_rule_priorities(self, RulePriorities: list[dict[str, Any]]) -> None:
        self.calls.append(("set_rule_priorities", {"RulePriorities": RulePriorities}))
        for item in RulePriorities:
            self.rule(str(item["RuleArn"]))["Priority"] = str(item["Priority"])


@dataclass
class FakeSsm:
    """Parameters with their version history."""

    versions: dict[str, list[str]] = field(default_factory=dict)
    exceptions = _Exceptions

    def get_parameter(self, Name: str) -> dict[str, Any]:
        if not self.versions.get(Name):
            raise _NotFound(Name)
        return {"Parameter": {"Value": self.versions[Name][-1]}}

    def put_parameter(self, Name: str, Value: str, Type: str, Overwrite: bool) -> None:
        self.versions.setdefault(Name, []).append(Value)

    def get_parameter_history(self, Name: str, NextToken: str | None = None) -> dict[str, Any]:
        return {"Parameters": [{"Version": n + 1, "Value": v, "LastModifiedDate": "t",
                                "LastModifiedUser": "arn:aws:iam::1:user/test"}
                               for n, v in enumerate(self.versions.get(Name, []))]}
