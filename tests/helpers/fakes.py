"""One fake per outside system, for every test that needs one: an in-memory ELBv2 API (load
balancers, listeners, rules with tags, target groups), the rollout store's DynamoDB table
(conditional transactions), SSM parameters with history (the store before DynamoDB), SNS,
STS, CloudWatch alarm states and metric data, and Lambda versions and aliases (the Rust
release). Each answers the calls the adapters make,
shaped as boto3 answers them, and raises the same named exceptions; ``FakeAccount`` holds
one of each, with an environment's rules deployed as the model renders them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.config import EnvironmentConfig
    from model.rollout.state import RolloutState


class _NotFound(Exception):
    pass


class _PriorityInUse(Exception):
    pass


class TransactionCanceled(Exception):
    def __init__(self, reasons: list[dict[str, str]]) -> None:
        super().__init__("Transaction cancelled")
        self.response = {"CancellationReasons": reasons}


class _Exceptions:
    LoadBalancerNotFoundException = _NotFound
    TargetGroupNotFoundException = _NotFound
    PriorityInUseException = _PriorityInUse
    ParameterNotFound = _NotFound
    TransactionCanceledException = TransactionCanceled
    ResourceNotFoundException = _NotFound


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

    def add_tags(self, ResourceArns: list[str], Tags: list[dict[str, str]]) -> None:
        assert len(ResourceArns) <= 20
        self.calls.append(("add_tags", {"ResourceArns": ResourceArns, "Tags": Tags}))
        for arn in ResourceArns:
            rule = self.rule(arn)
            keys = {t["Key"] for t in Tags}
            rule["Tags"] = [t for t in rule["Tags"] if t["Key"] not in keys] + copy.deepcopy(Tags)

    def remove_tags(self, ResourceArns: list[str], TagKeys: list[str]) -> None:
        assert len(ResourceArns) <= 20
        self.calls.append(("remove_tags", {"ResourceArns": ResourceArns, "TagKeys": TagKeys}))
        for arn in ResourceArns:
            rule = self.rule(arn)
            rule["Tags"] = [t for t in rule["Tags"] if t["Key"] not in TagKeys]

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


@dataclass
class FakeDynamodb:
    """Tables of items keyed by (pk, version), with the conditions the store writes:
    ``attribute_not_exists(#v)`` and ``#h = :read``, all or nothing per transaction."""

    tables: dict[str, dict[tuple[str, int], dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    exceptions = _Exceptions

    def table(self, name: str) -> dict[tuple[str, int], dict[str, Any]]:
        if name not in self.tables:
            raise _NotFound(f"table {name} not found")
        return self.tables[name]

    @staticmethod
    def _key(item: dict[str, Any]) -> tuple[str, int]:
        return item["pk"]["S"], int(item["version"]["N"])

    def get_item(self, TableName: str, Key: dict[str, Any],
                 ConsistentRead: bool = False) -> dict[str, Any]:
        self.calls.append("get_item")
        item = self.table(TableName).get(self._key(Key))
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def query(self, TableName: str, KeyConditionExpression: str,
              ExpressionAttributeNames: dict[str, str], ExpressionAttributeValues: dict[str, Any],
              ConsistentRead: bool = False, ScanIndexForward: bool = True,
              Limit: int | None = None, ExclusiveStartKey: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        self.calls.append("query")
        assert KeyConditionExpression == "#pk = :pk AND #v > :head"
        pk = ExpressionAttributeValues[":pk"]["S"]
        above = int(ExpressionAttributeValues[":head"]["N"])
        keys = sorted((k for k in self.table(TableName) if k[0] == pk and k[1] > above),
                      key=lambda k: k[1], reverse=not ScanIndexForward)
        if ExclusiveStartKey is not None:
            start = self._key(ExclusiveStartKey)
            keys = keys[keys.index(start) + 1:]
        page = keys[:Limit or 2]  # small pages, so that every caller follows them
        answer: dict[str, Any] = {"Items": [copy.deepcopy(self.table(TableName)[k])
                                            for k in page]}
        if len(keys) > len(page) and Limit is None:
            answer["LastEvaluatedKey"] = {"pk": {"S": page[-1][0]},
                                          "version": {"N": str(page[-1][1])}}
        return answer

    def _holds(self, table: dict[tuple[str, int], dict[str, Any]], put: dict[str, Any]) -> bool:
        existing = table.get(self._key(put["Item"]))
        condition = put.get("ConditionExpression")
        if condition is None:
            return True
        if condition == "attribute_not_exists(#v)":
            return existing is None
        if condition == "attribute_exists(#v) AND attribute_not_exists(#h)":
            return existing is not None and "head" not in existing
        if condition == "#h = :read":
            return (existing is not None and existing.get("head", {}).get("N")
                    == put["ExpressionAttributeValues"][":read"]["N"])
        raise AssertionError(f"condition the fake does not know: {condition}")

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        self.calls.append("transact_write_items")
        puts = [item["Put"] for item in TransactItems]
        held = [self._holds(self.table(p["TableName"]), p) for p in puts]
        if not all(held):
            raise TransactionCanceled([
                {"Code": "None" if ok else "ConditionalCheckFailed"} for ok in held])
        for put in puts:
            self.table(put["TableName"])[self._key(put["Item"])] = copy.deepcopy(put["Item"])


@dataclass
class FakeSns:
    published: list[dict[str, str]] = field(default_factory=list)

    def publish(self, TopicArn: str, Subject: str, Message: str) -> None:
        assert len(Subject) < 100 and Subject.isprintable(), Subject  # SNS: under 100
        self.published.append({"TopicArn": TopicArn, "Subject": Subject, "Message": Message})


@dataclass
class FakeSts:
    arn: str = "arn:aws:sts::123456789012:assumed-role/operator/alice"

    def get_caller_identity(self) -> dict[str, str]:
        return {"Arn": self.arn, "Account": self.arn.split(":")[4]}


@dataclass
class FakeCloudwatch:
    """Alarms in ALARM by name, and metric values per query id (empty by default: the gates
    are then inconclusive). A value list holds plain values (one per period from
    ``StartTime`` on) or (epoch second, value) pairs; answers carry ``Timestamps`` as
    datetimes, like boto3's."""

    in_alarm: list[str] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)
    # (side "python"/"rust" of the gates' query ids, metric name, stat) -> datapoints
    series: Callable[[str, str, str], list[Any]] | None = None
    calls: int = 0

    def get_metric_data(self, MetricDataQueries: list[dict[str, Any]], StartTime: int,
                        EndTime: int, NextToken: str | None = None) -> dict[str, Any]:
        self.calls += 1

        def answer(query: dict[str, Any]) -> dict[str, Any]:
            if self.series is not None:
                side = "rust" if "_rust_" in query["Id"] else "python"
                stat = query["MetricStat"]
                found = self.series(side, stat["Metric"]["MetricName"], stat["Stat"])
            else:
                found = self.values.get(query["Id"], [])
            period = query["MetricStat"].get("Period", 60)
            first = int(StartTime) - int(StartTime) % period
            pairs = [p if isinstance(p, tuple) else (first + period * n, p)
                     for n, p in enumerate(found)]
            return {"Id": query["Id"], "Values": [v for _, v in pairs],
                    "Timestamps": [datetime.fromtimestamp(t, UTC) for t, _ in pairs]}

        return {"MetricDataResults": [answer(q) for q in MetricDataQueries]}

    def describe_alarms(self, StateValue: str, AlarmNamePrefix: str,
                        NextToken: str | None = None) -> dict[str, Any]:
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": "ALARM"} for n in self.in_alarm
                                 if n.startswith(AlarmNamePrefix)]}


@dataclass
class FakeLambda:
    """Published versions (number -> description) and aliases (name -> version) per
    function, as the release adapter reads them."""

    versions: dict[str, dict[str, str]] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    exceptions = _Exceptions

    def release(self, function: str, version: str, alias: str = "live") -> str:
        """``version`` published (described as the deploy describes it) and ``alias`` moved
        to it: what a deploy of the lambdas stack does; the version number."""
        from model.config import release_description

        published = self.versions.setdefault(function, {})
        number = str(len(published) + 1)
        published[number] = release_description(version)
        self.aliases.setdefault(function, {})[alias] = number
        return number

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, Any]:
        self.calls.append("get_alias")
        if Name not in self.aliases.get(FunctionName, {}):
            raise _NotFound(f"alias {Name} of {FunctionName}")
        return {"Name": Name, "FunctionVersion": self.aliases[FunctionName][Name]}

    def get_function_configuration(self, FunctionName: str, Qualifier: str) -> dict[str, Any]:
        self.calls.append("get_function_configuration")
        if Qualifier not in self.versions.get(FunctionName, {}):
            raise _NotFound(f"version {Qualifier} of {FunctionName}")
        return {"FunctionName": FunctionName, "Version": Qualifier,
                "Description": self.versions[FunctionName][Qualifier]}


@dataclass
class FakeAccount:
    """One fake of each system the adapters reach, as ``AwsClients``."""

    elbv2: FakeElbv2 = field(default_factory=FakeElbv2)
    dynamodb: FakeDynamodb = field(default_factory=FakeDynamodb)
    ssm: FakeSsm = field(default_factory=FakeSsm)
    sns: FakeSns = field(default_factory=FakeSns)
    sts: FakeSts = field(default_factory=FakeSts)
    cloudwatch: FakeCloudwatch = field(default_factory=FakeCloudwatch)
    lambda_: FakeLambda = field(default_factory=FakeLambda)
    s3: object = None

    def rust_weights(self, config: EnvironmentConfig,
                     keys: set[str] | None = None) -> dict[str, tuple[int, bool]]:
        """Route key -> (live Rust weight, sticky) of every weighted rule (of ``keys``), read
        from the fake directly, not through the adapter under test."""
        from model.catalog.route_table import ROUTES
        from model.routing.view import rust_target_group_names
        from ops.adapters.alb import target_group_name

        weighted = keys if keys is not None else {r.key for r in ROUTES if r.action.weighted}
        rust = rust_target_group_names(config)  # the retired shared ones too
        found = {}
        for rules in self.elbv2.rules.values():
            for rule in rules:
                key = next((t["Value"] for t in rule["Tags"] if t["Key"] == "Route"), None)
                forward = rule["Actions"][0].get("ForwardConfig")
                if key in weighted and forward:
                    weight = sum(g["Weight"] for g in forward["TargetGroups"]
                                 if target_group_name(g["TargetGroupArn"]) in rust)
                    found[key] = (weight, forward["TargetGroupStickinessConfig"]["Enabled"])
        return found

    def marked(self, tag: str = "RustAbort") -> list[str]:
        """The ARNs of the rules that carry an abort's mark."""
        return [rule["RuleArn"] for rules in self.elbv2.rules.values() for rule in rules
                if any(t["Key"] == tag for t in rule["Tags"])]

    def deploy(self, config: EnvironmentConfig, state: RolloutState | None = None,
               table: bool = True) -> dict[str, str]:
        """``config``'s rules on two fake listeners as the model renders them for the API
        (``state`` applied when given), its rollout store table holding ``state`` (or none);
        route key -> rule ARN."""
        from model.catalog.route_table import ROUTES
        from model.rollout.controls import effective_routes
        from model.rollout.state import applied_to
        from model.routing.listener import INTERNAL, PUBLIC
        from model.routing.view import target_group_names
        from ops.adapters.alb import API_ACTIONS, API_CONDITIONS

        api = self.elbv2
        listeners = {PUBLIC: api.add_listener(config.load_balancer_name(PUBLIC), 443),
                     INTERNAL: api.add_listener(config.load_balancer_name(INTERNAL), 80)}
        names = target_group_names(config)
        for name in sorted(set(names.values())):
            api.add_target_group(name)
        rendered = applied_to(config, state) if state is not None else config
        arns = {}
        for route in effective_routes(rendered, ROUTES):
            action = route.action.render(API_ACTIONS, lambda b: api.target_groups[names[b]])
            arns[route.key] = api.add_rule(listeners[route.listener], route.priority, action,
                                           route.key, route.conditions.render(API_CONDITIONS))
        if table:
            self.dynamodb.tables[config.rollout_table_name()] = {}
        if state is not None:
            from ops.adapters.store import RolloutStore

            RolloutStore(self.dynamodb, config.rollout_table_name(),
                         lambda: "arn:aws:iam::123456789012:role/deployer").write(state, None, 0)
        return arns


class NoWrites:
    """A DynamoDB client that reads ``dynamodb`` and refuses every write with ``error`` (a
    store whose writes fail: throttling, permissions)."""

    def __init__(self, dynamodb: FakeDynamodb, error: str = "ThrottlingException") -> None:
        self.dynamodb = dynamodb
        self.error = error
        self.exceptions = dynamodb.exceptions

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self.dynamodb.get_item(**kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self.dynamodb.query(**kwargs)

    def transact_write_items(self, **_: Any) -> None:
        raise RuntimeError(self.error)
