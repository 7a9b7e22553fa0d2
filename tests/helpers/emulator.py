"""The emulator layer's deployment of ``local``: the ``Deployment`` the tests act on, the
``Baseline`` it is put back to around every test, and the operator's commands (``Cli``) run
against it.

One deploy per session (``tests/emulator/conftest.py``); every test starts from the baseline
that deploy left (R 50 live and persisted, phase idle, legacy rules beside ours, every alarm
OK) and leaves it so, whatever it changed: that is what lets each test run alone (``-k``) and
in any order.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

import ops.driver.deploy as driver
from environments import ENVIRONMENTS
from model.catalog.route_table import ROUTES
from model.config import STACK_PARTS
from model.rollout.state import TABLE_HASH_KEY, TABLE_RANGE_KEY
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.view import RuleView, rust_target_group_names
from ops.adapters.alb import Router
from ops.adapters.store import RolloutStore
from ops.cli.rollout import main as rollout_main
from ops.cli.routes import main as routes_main
from ops.driver.terraform import apply, changes, initialised, plan, synth

LOCAL = ENVIRONMENTS["local"]
# Everything but the routing stack (the monitoring stack reads the ALB and Lambda stacks)
BASE_STACKS = [LOCAL.stack_name(part) for part in STACK_PARTS if part != "routing"]
ROUTING = LOCAL.stack_name("routing")
WEIGHTED = sum(1 for r in ROUTES if r.action.weighted)

# Rules as the old code left them, at the legacy priorities (docs/routing.md).
LEGACY_RULES = {
    PUBLIC: [(1001, "/ceramic-cache/score/*"), (1002, "/ceramic-cache/stamps/bulk"),
             (1012, "/passport/analysis/*"), (2023, "/v2/stamps/*/score/*"),
             (3000, "/registry/*"), (5010, "/account/nonce")],
    INTERNAL: [(2100, "/internal/embed/stamps/*"), (2101, "/internal/embed/validate-api-key"),
               (2103, "/internal/embed/score/*")],
}
_CREDENTIALS = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


@dataclass
class Deployment:
    tmp: Path
    env: dict[str, str]
    client: Any
    at_baseline: bool = True  # as the session's deploy left it, checked after the last test

    @property
    def outdir(self) -> Path:
        return self.tmp / "cdktf.out"

    def with_r(self, r: int) -> dict[str, str]:
        return {**self.env, "RUST_ROUTING_PERCENT": str(r)}

    @property
    def state_dir(self) -> Path:
        return self.tmp / "terraform-state"

    @property
    def routing_state(self) -> Path:
        return self.state_dir / f"{ROUTING}.tfstate"

    def aws(self, service: str) -> Any:
        """A boto3 client of ``service`` on the emulator."""
        import boto3  # here: collecting the unit tests need not import it

        return boto3.client(service, endpoint_url=self.env["AWS_ENDPOINT_URL"],
                            region_name=LOCAL.region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def ssm(self) -> Any:
        return self.aws("ssm")

    def clients(self) -> Any:
        """The emulator's clients as ``AwsClients`` (what a function is handed)."""
        from types import SimpleNamespace

        return SimpleNamespace(lambda_=self.aws("lambda"), **{name: self.aws(name) for name in (
            "elbv2", "dynamodb", "sns", "sts", "cloudwatch", "ssm", "s3", "sqs", "lambda")})

    def store(self) -> RolloutStore:
        """The rollout state store of ``local`` on the emulator."""
        return RolloutStore(self.aws("dynamodb"), LOCAL.rollout_table_name(),
                            lambda: "arn:aws:iam::123456789012:user/test")

    def deploy(self, parts: list[str], env: dict[str, str] | None = None) -> list[str]:
        """The deploy driver (as make local runs it); what it printed."""
        said: list[str] = []
        driver.deploy("local", parts, env or self.env, say=said.append,
                      state_dir=self.state_dir, client=self.client)
        return said

    def record(self, r: int) -> None:
        """Persist R = ``r`` on every weighted route, as a rollout transition would."""
        head = self.store().require()
        self.store().write(replace(head.state, routes=dict.fromkeys(head.state.routes, r),
                                   emergency=False, phase="idle", reason=f"test: R = {r}"),
                           head.version, int(time.time()))

    def apply_routing(self) -> None:
        """Apply the routing stack's plan that ``plans`` saved: ``terraform apply`` of the
        synthesized JSON, as an operator applies a reviewed rollout step."""
        apply(self.outdir / "stacks" / ROUTING, self.env, saved_plan=True)

    def plans(self, env: dict[str, str], stacks: list[str] | None = None
              ) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Synthesize with ``env``, then the changes Terraform plans for ``stacks`` (every
        stack by default; two plans at a time: Terraform mostly waits on the emulator)."""
        synth(env, self.outdir)
        stacks = stacks or [*BASE_STACKS, ROUTING]
        for stack in stacks:
            initialised(self.outdir / "stacks" / stack, env)
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = pool.map(lambda stack: changes(plan(self.outdir / "stacks" / stack, env)),
                             stacks)
        return dict(zip(stacks, found, strict=True))

    def live(self) -> list[RuleView]:
        return Router(self.client, LOCAL).views()

    def ours(self) -> list[RuleView]:
        """The live rules but the legacy ones."""
        return [v for v in self.live() if v.key != "legacy"]

    def target_groups(self) -> dict[str, str]:
        return {g["TargetGroupName"]: g["TargetGroupArn"]
                for g in self.client.describe_target_groups()["TargetGroups"]}

    def listener_arn(self, listener: Any = PUBLIC) -> str:
        return Router(self.client, LOCAL).listener_arns()[listener]


def create_legacy_rules(client: Any) -> None:
    """``LEGACY_RULES`` with boto3, as the old code left them: no ``Route`` tag."""
    listeners = Router(client, LOCAL).listener_arns()
    groups = {g["TargetGroupName"]: g["TargetGroupArn"]
              for g in client.describe_target_groups()["TargetGroups"]}
    backend = {PUBLIC: groups["svc-registry"], INTERNAL: groups["svc-internal"]}
    for listener, rules in LEGACY_RULES.items():
        for priority, path in rules:
            client.create_rule(
                ListenerArn=listeners[listener], Priority=priority,
                Conditions=[{"Field": "path-pattern", "Values": [path]}],
                Actions=[{"Type": "forward", "TargetGroupArn": backend[listener]}])


def weights(views: list[RuleView]) -> set[tuple[int | None, int | None]]:
    """(Python weight, Rust weight) of every weighted live rule."""
    found = set()
    for view in views:
        if view.stickiness is None and len(view.targets) < 2:
            continue
        targets = dict(view.targets)
        rust = next(n for n in targets if n in rust_target_group_names(LOCAL))
        python = next(n for n in targets if n != rust)
        found.add((targets[python], targets[rust]))
    return found


@dataclass(frozen=True)
class Baseline:
    """What the session's deploy left, read with boto3 (not with the code under test): every
    rule of every listener (priority, conditions, actions, tags), the routing stack's state
    file, the rollout state document and every alarm's state. The emulator keeps what tests
    put into CloudWatch metrics (there is no API to delete data points); only the test that
    puts them reads those series."""

    rules: dict[str, dict[str, Any]]  # rule ARN -> its listener, priority, conditions...
    routing_state: bytes
    rollout: str
    alarms: dict[str, str]  # alarm name -> state, of every alarm not in OK

    @classmethod
    def of(cls, deployment: Deployment) -> Baseline:
        return cls(_rules(deployment.client), deployment.routing_state.read_bytes(),
                   _rollout(deployment), _alarms(deployment.aws("cloudwatch")))

    def differences(self, deployment: Deployment) -> list[str]:
        """What differs from the baseline now, one line each (empty: at the baseline)."""
        now = Baseline.of(deployment)
        found = [f"rule {arn}: {self.rules.get(arn)} is now {now.rules.get(arn)}"
                 for arn in sorted(set(self.rules) | set(now.rules))
                 if self.rules.get(arn) != now.rules.get(arn)]
        if now.routing_state != self.routing_state:
            found.append(f"the routing state {deployment.routing_state.name} changed")
        if now.rollout != self.rollout:
            found.append(f"the rollout state is {now.rollout}, was {self.rollout}")
        found += [f"alarm {name} is {now.alarms.get(name, 'OK')}, was "
                  f"{self.alarms.get(name, 'OK')}"
                  for name in sorted(set(self.alarms) | set(now.alarms))
                  if now.alarms.get(name) != self.alarms.get(name)]
        return found

    def restore(self, deployment: Deployment) -> list[str]:
        """Put the emulator and the routing state back to the baseline; one line per thing
        put back. A rule Terraform created and a test deleted cannot come back with its ARN:
        that fails here, loudly."""
        client, done = deployment.client, []
        now = _rules(client)
        for arn in sorted(set(now) - set(self.rules)):  # what tests created
            client.delete_rule(RuleArn=arn)
            done.append(f"deleted {now[arn]['priority']} {now[arn]['tags']}")
        missing = sorted(set(self.rules) - set(now))
        assert not missing, f"rules of the baseline were deleted: {missing}"
        moved = {arn: rule["priority"] for arn, rule in self.rules.items()
                 if now[arn]["priority"] != rule["priority"]}
        if moved:  # park the rules that move, then set each: every target is free by then
            held = {r["priority"] for a, r in now.items() if a in self.rules} | set(moved.values())
            parking = (p for p in range(49_999, 0, -1) if p not in held)
            for arn in moved:
                client.set_rule_priorities(RulePriorities=[{"RuleArn": arn,
                                                            "Priority": next(parking)}])
            for arn, priority in moved.items():
                client.set_rule_priorities(RulePriorities=[{"RuleArn": arn,
                                                            "Priority": priority}])
                done.append(f"moved {now[arn]['priority']} back to {priority}")
        for arn, rule in self.rules.items():
            if (now[arn]["conditions"], now[arn]["actions"]) != (rule["conditions"],
                                                               rule["actions"]):
                client.modify_rule(RuleArn=arn, Conditions=rule["conditions"],
                                   Actions=rule["actions"])
                done.append(f"rule {rule['priority']}: conditions and actions put back")
            if now[arn]["tags"] != rule["tags"]:
                extra = [k for k in now[arn]["tags"] if k not in rule["tags"]]
                if extra:
                    client.remove_tags(ResourceArns=[arn], TagKeys=extra)
                if rule["tags"]:
                    client.add_tags(ResourceArns=[arn], Tags=[
                        {"Key": k, "Value": v} for k, v in rule["tags"].items()])
                done.append(f"rule {rule['priority']}: tags put back")
        if deployment.routing_state.read_bytes() != self.routing_state:
            deployment.routing_state.write_bytes(self.routing_state)
            done.append("the routing state file put back")
        if _rollout(deployment) != self.rollout:
            dynamodb = deployment.aws("dynamodb")
            table = LOCAL.rollout_table_name()
            for item in _items(dynamodb):
                dynamodb.delete_item(TableName=table, Key={k: item[k] for k in (
                    TABLE_HASH_KEY, TABLE_RANGE_KEY)})
            for item in json.loads(self.rollout):
                dynamodb.put_item(TableName=table, Item=item)
            done.append("the rollout state store put back")
        cloudwatch = deployment.aws("cloudwatch")
        now_alarms = _alarms(cloudwatch)
        for name in sorted(set(self.alarms) | set(now_alarms)):
            if now_alarms.get(name) != self.alarms.get(name):
                value = self.alarms.get(name, "OK")
                cloudwatch.set_alarm_state(AlarmName=name, StateValue=value,
                                           StateReason="test: put back to the baseline")
                done.append(f"alarm {name} put back to {value}")
        return done


def _rules(client: Any) -> dict[str, dict[str, Any]]:
    """Every non-default rule of every listener of every load balancer, by ARN."""
    found: dict[str, dict[str, Any]] = {}
    for balancer in client.describe_load_balancers()["LoadBalancers"]:
        for listener in client.describe_listeners(
                LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            marker: dict[str, str] = {}
            while True:
                page = client.describe_rules(ListenerArn=listener["ListenerArn"], **marker)
                for rule in page["Rules"]:
                    if not rule.get("IsDefault"):
                        found[rule["RuleArn"]] = {
                            "listener": listener["ListenerArn"],
                            "priority": int(rule["Priority"]),
                            "conditions": rule["Conditions"], "actions": rule["Actions"]}
                if not page.get("NextMarker"):
                    break
                marker = {"Marker": page["NextMarker"]}
    arns = sorted(found)
    for start in range(0, len(arns), 20):
        for item in client.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]:
            found[item["ResourceArn"]]["tags"] = {t["Key"]: t["Value"] for t in item["Tags"]}
    for rule in found.values():
        rule.setdefault("tags", {})
    return found


def _items(dynamodb: Any) -> list[dict[str, Any]]:
    """Every item of ``local``'s rollout state store."""
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=LOCAL.rollout_table_name(),
                                                         ConsistentRead=True):
        items += page["Items"]
    return sorted(items, key=lambda item: int(item[TABLE_RANGE_KEY]["N"]))


def _rollout(deployment: Deployment) -> str:
    """The rollout state store's items (the head and every version), as one JSON text."""
    return json.dumps(_items(deployment.aws("dynamodb")), sort_keys=True)


def _alarms(cloudwatch: Any) -> dict[str, str]:
    """Name -> state of every alarm not in OK (asked by state: there are 147 alarms)."""
    return {alarm["AlarmName"]: state for state in ("ALARM", "INSUFFICIENT_DATA")
            for page in cloudwatch.get_paginator("describe_alarms").paginate(StateValue=state)
            for alarm in page["MetricAlarms"]}


@dataclass
class Cli:
    """The operator's commands against the emulator, run as an operator runs them: the
    emulator's endpoint and credentials in the environment and no deploy-time variable but
    those given (the persisted rollout state decides the weights)."""

    deployment: Deployment
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def _run(self, command: Any, argv: list[str], variables: dict[str, str]
             ) -> tuple[int, str, str]:
        self.capsys.readouterr()  # what earlier calls printed is not this command's
        for name in _CREDENTIALS:
            self.monkeypatch.setenv(name, self.deployment.env[name])
        for name in (*driver.ROLLOUT_VARIABLES, "RUST_CANARY_ROUTES"):
            self.monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)
        code = command(argv)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def routes(self, argv: list[str], **variables: str) -> tuple[int, str, str]:
        """The ``routes`` command with the deploy-time ``variables``."""
        return self._run(routes_main, argv, variables)

    def routes_diff(self, env: str = "local", **variables: str) -> tuple[int, str, str]:
        """``routes diff --env ENV --live`` against the emulator and the routing state."""
        return self.routes(["diff", "--env", env, "--live", "--state",
                            str(self.deployment.routing_state)], **variables)

    def rollout(self, argv: list[str]) -> tuple[int, str, str]:
        """The ``rollout`` command."""
        return self._run(rollout_main, argv, {})

    def history(self) -> list[dict[str, Any]]:
        code, out, err = self.rollout(["history", "--env", "local", "--json"])
        assert code == 0, out + err
        return list(json.loads(out))

    def assert_in_sync(self) -> None:
        """``routes diff --live`` finds the listeners as the persisted rollout state says."""
        code, out, err = self.routes_diff()
        assert code == 0 and out.startswith("in sync: local"), out + err
