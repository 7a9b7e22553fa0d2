"""The ALB adapter: listener rules through the ELBv2 API, shaped like a traffic router (Argo
Rollouts' ``TrafficRoutingReconciler``: set weight, verify weight, remove).

- ``ListenerRules``: one client's view of rules by listener ARN: read every rule with its
  ``Route`` tag (identity by key, never by priority), write actions and conditions rendered by
  the model's values through ``API_ACTIONS``/``API_CONDITIONS`` (the ELBv2 API's
  implementation of the renderer protocols), delete rules, set priorities, roll back Rust.
  The abort function uses it with the listener ARNs it is given.
- ``Router``: one environment's two listeners (found by load balancer name, or the adopted
  internal listener): live rules as views, set and verify the weights of a rollout state,
  the emergency rollback.

Honours AWS_ENDPOINT_URL through the client it is given (``ops.adapters.aws``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout.controls import ABORT_MARK_TAG, canary_key, effective_routes
from model.routing.actions import ActionView
from model.routing.conditions import Conditions
from model.routing.listener import INTERNAL, PUBLIC, Listener
from model.routing.route import Route
from model.routing.view import RuleView, rust_target_group_names, target_group_names
from ops.adapters.clients import Elbv2Client

ROUTE_TAG = "Route"
# An abort's mark on a rule: set before the rule is moved to Python, removed once the abort is
# recorded. A marked rule is an abort the state may not hold yet (its write failed): no writer
# raises Rust on it, and the controller and the deploys record the abort (docs/rollout.md).
MARK_TAG = ABORT_MARK_TAG
# The end of the mark of an abort of some routes (an automatic per-route abort): it marks only
# those routes' rules, and a mark found with it is recorded as an abort of the routes of the
# rules that carry it; a mark without it is the emergency abort of every weighted rule.
SCOPED_MARK = " routes"
MISSING = "no live rule carries its Route tag"  # a verify line no weight can repair
TAGS_PER_CALL = 20  # DescribeTags, DescribeRules, AddTags and RemoveTags take at most 20 ARNs


class LiveError(RuntimeError):
    """The live listeners could not be read (no credentials, load balancer not found...)."""


def target_group_name(arn: str) -> str:
    """``arn:...:targetgroup/<name>/<id>`` -> ``<name>``."""
    return arn.split(":targetgroup/")[1].split("/")[0]


def listener_of(rule_arn: str) -> str:
    """``...:listener-rule/app/<lb>/<id>/<listener id>/<rule id>`` -> the listener's ARN."""
    return rule_arn.replace(":listener-rule/", ":listener/").rsplit("/", 1)[0]


class ApiActions:
    """``ActionRenderer`` for the ELBv2 API: an action as ``ModifyRule`` takes it."""

    def forward(self, target_group_arn: str) -> dict[str, Any]:
        return {"Type": "forward", "TargetGroupArn": target_group_arn}

    def weighted_forward(self, targets: list[tuple[str, int]], sticky: bool,
                         duration_s: int) -> dict[str, Any]:
        return {"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": arn, "Weight": weight}
                             for arn, weight in targets],
            "TargetGroupStickinessConfig": {"Enabled": sticky, "DurationSeconds": duration_s}}}

    def fixed_response(self, status_code: int, content_type: str, body: str) -> dict[str, Any]:
        return {"Type": "fixed-response", "FixedResponseConfig": {
            "StatusCode": str(status_code), "ContentType": content_type, "MessageBody": body}}

    def redirect(self, port: int, protocol: str, status_code: str) -> dict[str, Any]:
        return {"Type": "redirect", "RedirectConfig": {
            "Port": str(port), "Protocol": protocol, "StatusCode": status_code}}


class ApiConditions:
    """``ConditionRenderer`` for the ELBv2 API: a condition as ``CreateRule`` takes it."""

    def path_pattern(self, values: list[str]) -> dict[str, Any]:
        return {"Field": "path-pattern", "PathPatternConfig": {"Values": values}}

    def http_request_method(self, values: list[str]) -> dict[str, Any]:
        return {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": values}}

    def host_header(self, values: list[str]) -> dict[str, Any]:
        return {"Field": "host-header", "HostHeaderConfig": {"Values": values}}

    def http_header(self, name: str, values: list[str]) -> dict[str, Any]:
        return {"Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": name, "Values": values}}


API_ACTIONS = ApiActions()
API_CONDITIONS = ApiConditions()


@dataclass(frozen=True)
class LiveRule:
    """One live rule: ARN, priority, ``Route`` tag (None without one), the API entry."""

    arn: str
    priority: int
    key: str | None
    entry: dict[str, Any]
    mark: str | None = None  # the abort mark's value (``MARK_TAG``), when the rule carries one

    @property
    def action(self) -> dict[str, Any]:
        (action,) = self.entry["Actions"]
        return action

    def view(self, listener: Listener, other: str) -> RuleView:
        """This rule as a view; ``other`` names it when it carries no ``Route`` tag."""
        return RuleView.of(listener.name, self.priority,
                           Conditions.from_api(self.entry.get("Conditions", [])),
                           ActionView.from_api(self.action, target_group_name),
                           self.key or other)

    def forwards_to(self) -> list[tuple[str, int]]:
        """(target group ARN, weight) of every target group the rule forwards to."""
        forward = self.action.get("ForwardConfig") or {}
        if forward.get("TargetGroups"):
            return [(g["TargetGroupArn"], int(g.get("Weight", 1)))
                    for g in forward["TargetGroups"]]
        arn = self.action.get("TargetGroupArn")
        return [(arn, 1)] if arn else []


class ListenerRules:
    """Rules of listeners through one ELBv2 client."""

    def __init__(self, client: Elbv2Client) -> None:
        self.client = client

    def rules(self, listener_arn: str) -> list[LiveRule]:
        """Every rule of one listener but its default rule, all pages, with its tag."""
        entries: list[dict[str, Any]] = []
        marker = None
        while True:
            page = self.client.describe_rules(ListenerArn=listener_arn,
                                              **({"Marker": marker} if marker else {}))
            entries += [r for r in page["Rules"] if not r.get("IsDefault")]
            marker = page.get("NextMarker")
            if not marker:
                break
        tags = self.tags([e["RuleArn"] for e in entries])
        return [LiveRule(e["RuleArn"], int(e["Priority"]), tags[e["RuleArn"]].get(ROUTE_TAG),
                         e, tags[e["RuleArn"]].get(MARK_TAG))
                for e in entries]

    def tags(self, arns: list[str]) -> dict[str, dict[str, str]]:
        """Rule ARN -> its tags, for every one of ``arns``."""
        found: dict[str, dict[str, str]] = {arn: {} for arn in arns}
        for start in range(0, len(arns), TAGS_PER_CALL):
            described = self.client.describe_tags(ResourceArns=arns[start:start + TAGS_PER_CALL])
            for item in described["TagDescriptions"]:
                found[item["ResourceArn"]] = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
        return found

    def mark(self, arns: list[str], value: str) -> None:
        """The abort mark on every rule of ``arns``."""
        for start in range(0, len(arns), TAGS_PER_CALL):
            self.client.add_tags(ResourceArns=arns[start:start + TAGS_PER_CALL],
                                 Tags=[{"Key": MARK_TAG, "Value": value}])

    def unmark(self, arns: list[str]) -> None:
        for start in range(0, len(arns), TAGS_PER_CALL):
            self.client.remove_tags(ResourceArns=arns[start:start + TAGS_PER_CALL],
                                    TagKeys=[MARK_TAG])

    def priorities(self, arns: list[str]) -> dict[str, int]:
        """Rule ARN -> live priority, for those of ``arns`` that exist."""
        live = {}
        for start in range(0, len(arns), TAGS_PER_CALL):
            for rule in self.client.describe_rules(
                    RuleArns=arns[start:start + TAGS_PER_CALL])["Rules"]:
                live[rule["RuleArn"]] = int(rule["Priority"])
        return live

    def set_action(self, rule_arn: str, action: dict[str, Any]) -> None:
        self.client.modify_rule(RuleArn=rule_arn, Actions=[action])

    def delete(self, rule_arn: str) -> None:
        self.client.delete_rule(RuleArn=rule_arn)

    def target_group_arns(self, names: Iterable[str]) -> dict[str, str]:
        """Target group name -> ARN, for those of ``names`` that exist."""
        found = {}
        for name in sorted(set(names)):
            try:
                (group,) = self.client.describe_target_groups(Names=[name])["TargetGroups"]
            except self.client.exceptions.TargetGroupNotFoundException:
                continue
            found[name] = group["TargetGroupArn"]
        return found

    def set_priorities(self, moves: list[tuple[str, int, int]]) -> bool:
        """(rule ARN, live priority, new priority) of each move: in one atomic
        ``SetRulePriorities`` call where the API accepts a permutation in one call (AWS);
        where it answers PriorityInUse because a target is still held by a rule that is itself
        moving (the local emulator checks each target against the current priorities), one
        rule at a time, parking one rule of each cycle on the nearest free priority for the
        moment it takes. True when it took one call."""
        if not moves:
            return True
        try:
            self.client.set_rule_priorities(RulePriorities=[
                {"RuleArn": arn, "Priority": new} for arn, _, new in moves])
            return True
        except self.client.exceptions.PriorityInUseException:
            pass
        taken = {listener: {rule.priority for rule in self.rules(listener)}
                 for listener in {listener_of(arn) for arn, _, _ in moves}}
        current = {arn: old for arn, old, _ in moves}
        pending = {arn: new for arn, _, new in moves}

        def move(arn: str, priority: int) -> None:
            self.client.set_rule_priorities(RulePriorities=[{"RuleArn": arn,
                                                             "Priority": priority}])
            held = taken[listener_of(arn)]
            held.discard(current[arn])
            held.add(priority)
            current[arn] = priority

        while pending:
            ready = [arn for arn, new in pending.items() if new not in taken[listener_of(arn)]]
            if ready:
                move(ready[0], pending.pop(ready[0]))
                continue
            arn = next(iter(pending))  # every target is held: a cycle; park one of its rules
            held = taken[listener_of(arn)]
            park = min((p for p in range(1, 50_001) if p not in held),
                       key=lambda p: abs(p - current[arn]))
            move(arn, park)
        return False

    def forwarding_to(self, listener_arn: str, rust: set[str],
                      keys: set[str] | None = None) -> list[LiveRule]:
        """The rules of one listener that forward to a target group named in ``rust`` (and
        carry a ``Route`` tag of ``keys``, when given)."""
        return [rule for rule in self.rules(listener_arn)
                if any(target_group_name(g[0]) in rust for g in rule.forwards_to())
                and (keys is None or rule.key in keys)]

    def roll_back(self, listener_arn: str, rust: set[str],
                  python_of: Callable[[str | None], str | None], mark: str,
                  keys: set[str] | None = None) -> list[str]:
        """Every rule of one listener that forwards to a target group named in ``rust``: the
        abort mark ``mark`` first (so that a failure after it leaves a trace), then Rust
        weight 0 and stickiness off; a rule that forwards to Rust alone forwards to
        ``python_of(its Route tag)`` (a target group ARN) instead, or is deleted when that is
        None. A rule already at Rust 0, not sticky, is marked only. One line per rule
        changed."""
        lines = []
        rules = self.forwarding_to(listener_arn, rust, keys)
        self.mark([rule.arn for rule in rules if rule.mark is None], mark)
        for rule in rules:
            groups = rule.forwards_to()
            to_rust = [g for g in groups if target_group_name(g[0]) in rust]
            others = [g for g in groups if g not in to_rust]
            sticky = ((rule.action.get("ForwardConfig") or {}).get(
                "TargetGroupStickinessConfig") or {}).get("Enabled", False)
            if others and not sticky and all(weight == 0 for _, weight in to_rust):
                continue  # rolled back already
            if others:
                forward = rule.action.get("ForwardConfig") or {}
                duration = (forward.get("TargetGroupStickinessConfig") or {}).get(
                    "DurationSeconds", 3600)
                targets = [(others[0][0], 100), *((arn, 0) for arn, _ in [*others[1:],
                                                                          *to_rust])]
                self.set_action(rule.arn, API_ACTIONS.weighted_forward(targets, False,
                                                                       duration))
                lines.append(f"rust 0      {rule.priority}: "
                             f"{target_group_name(others[0][0])}=100, "
                             f"{target_group_name(to_rust[0][0])}=0, not sticky")
                continue
            python = python_of(rule.key)
            if python:
                self.set_action(rule.arn, API_ACTIONS.forward(python))
                lines.append(f"to python   {rule.priority}: forwarded to Rust alone, now to "
                             f"{target_group_name(python)}")
            else:
                self.delete(rule.arn)
                lines.append(f"deleted     {rule.priority}: forwarded to Rust alone, no route "
                             "owns it")
        return lines


def _shown(view: ActionView) -> str:
    """``tg-a=90, tg-b=10 sticky``: an action's targets and stickiness."""
    targets = ", ".join(n if w is None else f"{n}={w}" for n, w in view.targets)
    return targets + ("" if len(view.targets) < 2 else
                      " sticky" if view.stickiness else " not sticky")


class Router:
    """The live routing of one environment: its two listeners."""

    def __init__(self, client: Elbv2Client, config: EnvironmentConfig,
                 listener_arns: dict[Listener, str] | None = None) -> None:
        """``listener_arns``: the listeners when known (a function is given them); else they
        are found by load balancer name on first use."""
        self.rules = ListenerRules(client)
        self.client = client
        self.config = config
        self._listeners: dict[Listener, str] | None = listener_arns

    def load_balancer_arn(self, listener: Listener) -> str | None:
        """The ARN of the load balancer ``listener`` belongs to, or None when it does not
        exist."""
        try:
            found = self.client.describe_load_balancers(
                Names=[self.config.load_balancer_name(listener)])
        except self.client.exceptions.LoadBalancerNotFoundException:
            return None
        return found["LoadBalancers"][0]["LoadBalancerArn"]

    def listener_arns(self) -> dict[Listener, str]:
        """Listener -> ARN: the public ALB's HTTPS :443 listener and the internal :80 one
        (or the adopted internal listener)."""
        if self._listeners is not None:
            return self._listeners
        found: dict[Listener, str] = {}
        wanted = [PUBLIC]
        if self.config.adopt_internal_listener is not None:
            found[INTERNAL] = self.config.adopt_internal_listener.arn
        else:
            wanted.append(INTERNAL)
        for listener in wanted:
            name, port = self.config.load_balancer_name(listener), listener.port
            balancer = self.load_balancer_arn(listener)
            if balancer is None:
                raise LiveError(f"[{self.config.name}] load balancer {name!r} not found")
            listeners = self.client.describe_listeners(LoadBalancerArn=balancer)["Listeners"]
            match = [item["ListenerArn"] for item in listeners if item["Port"] == port]
            if not match:
                raise LiveError(f"[{self.config.name}] load balancer {name!r} has no :{port} "
                                "listener")
            found[listener] = match[0]
        self._listeners = found
        return found

    def live(self) -> dict[Listener, list[LiveRule]]:
        return {listener: self.rules.rules(arn) for listener, arn in self.listener_arns().items()}

    def target_groups_in_use(self) -> set[str]:
        """The names of every target group a live rule of either listener forwards to (its
        own rules or not: AWS refuses to delete a target group any rule uses)."""
        return {target_group_name(arn) for rules in self.live().values() for rule in rules
                for arn, _ in rule.forwards_to()}

    def views(self) -> list[RuleView]:
        """Every non-default rule on both listeners; a rule is named by its ``Route`` tag,
        else ``held`` (a priority other owners hold on an adopted listener), ``legacy`` (a
        legacy priority) or ``other``."""
        adopted = self.config.adopt_internal_listener
        held = frozenset(adopted.held_priorities if adopted else ())
        views = []
        for listener, rules in self.live().items():
            for rule in rules:
                other = ("held" if listener.internal and rule.priority in held else
                         "legacy" if listener.legacy_range_of(rule.priority) else "other")
                views.append(rule.view(listener, other))
        return sorted(views, key=lambda v: (v.listener, v.priority))

    def _rollout_rules(self, config: EnvironmentConfig
                       ) -> tuple[dict[str, Route], list[tuple[LiveRule, Route]]]:
        """Every weighted route ``config`` renders and the canary of each whose canary rule
        is live (found by its ``Route`` tag: canaries are deploy-time configuration, the
        listeners say which are deployed), by key; and each live rule that carries one's
        ``Route`` tag on that route's listener, with its route."""
        live = self.live()
        tags = {rule.key for rules in live.values() for rule in rules}
        canaries = tuple(sorted(r.key for r in ROUTES
                                if r.action.weighted and canary_key(r.key) in tags))
        deployed = replace(config, canary_routes=canaries)
        wanted = {r.key: r for r in effective_routes(deployed, ROUTES)
                  if r.action.weighted or r.canary_of is not None}
        found = [(rule, wanted[rule.key]) for listener, rules in live.items()
                 for rule in rules
                 if rule.key in wanted and wanted[rule.key].listener == listener]
        return wanted, found

    def set_weights(self, config: EnvironmentConfig) -> list[str]:
        """Every weighted and canary rule, found by its ``Route`` tag, set to the action
        ``config`` renders (the persisted rollout applied); one line per rule changed."""
        names = target_group_names(config)
        arns = self.rules.target_group_arns(names.values())
        lines = []
        for rule, route in self._rollout_rules(config)[1]:
            view = route.action.view(names)
            if ActionView.from_api(rule.action, target_group_name).same(view):
                continue
            self.rules.set_action(rule.arn, route.action.render(
                API_ACTIONS, lambda backend: arns[names[backend]]))
            shown = ", ".join(n if w is None else f"{n}={w}" for n, w in view.targets)
            lines.append(f"{route.listener} {rule.priority} {route.key}: {shown}"
                         + ("" if not route.action.weighted else
                            " sticky" if view.stickiness else " not sticky"))
        return lines

    def live_weights(self, config: EnvironmentConfig) -> list[dict[str, Any]]:
        """Every weighted and canary rule: its live action beside what ``config`` renders
        (the recorded state applied), in few words."""
        names = target_group_names(config)
        wanted, live = self._rollout_rules(config)
        found = {route.key: (rule, ActionView.from_api(rule.action, target_group_name))
                 for rule, route in live}
        rows = []
        for key, route in sorted(wanted.items()):
            want = route.action.view(names)
            rule, view = found.get(key, (None, None))
            rows.append({"route": key, "listener": route.listener.name,
                         "priority": rule.priority if rule else None,
                         "live": _shown(view) if view else "(no live rule)",
                         "recorded": _shown(want), "same": view is not None and view.same(want),
                         "mark": rule.mark if rule else None})
        return rows

    def changes(self, before: EnvironmentConfig, after: EnvironmentConfig) -> list[str]:
        """The rules whose action differs between ``before`` and ``after``, one line each
        (a preview: nothing is read or written)."""
        names = target_group_names(after)
        old = {r.key: r for r in effective_routes(before, ROUTES)
               if r.action.weighted or r.canary_of is not None}
        lines = []
        for route in effective_routes(after, ROUTES):
            if not (route.action.weighted or route.canary_of is not None):
                continue
            was = old.get(route.key)
            want = route.action.view(names)
            if was is None or not was.action.view(names).same(want):
                lines.append(f"{route.listener} {route.priority} {route.key}: "
                             f"{_shown(was.action.view(names)) if was else '(none)'} -> "
                             f"{_shown(want)}")
        return lines

    def verify_weights(self, config: EnvironmentConfig) -> list[str]:
        """Every weighted and canary rule read back: one line per rule whose live action
        differs from what ``config`` renders, or that is missing."""
        missing, differing = self.drift(config)
        return sorted(missing + differing)

    def drift(self, config: EnvironmentConfig) -> tuple[list[str], list[str]]:
        """``verify_weights`` in two: (the rules no live rule stands for, which no weight can
        repair; the live rules whose action differs from what ``config`` renders)."""
        names = target_group_names(config)
        wanted, live = self._rollout_rules(config)
        found = {route.key: ActionView.from_api(rule.action, target_group_name)
                 for rule, route in live}
        missing, differing = [], []
        for key, route in sorted(wanted.items()):
            want = route.action.view(names)
            if key not in found:
                missing.append(f"{key}: {MISSING}")
            elif not found[key].same(want):
                differing.append(f"{key}: live {found[key].targets} "
                                 f"sticky {found[key].stickiness}, want {want.targets} "
                                 f"sticky {want.stickiness}")
        return missing, differing

    def apply(self, config: EnvironmentConfig, attempts: int = 3) -> tuple[list[str], list[str]]:
        """``set_weights`` then every rule read back (``verify_weights``), again while some
        rule does not carry it (a write lost or overtaken), at most ``attempts`` times:
        (lines of the rules changed, what still differs; empty when verified)."""
        lines: list[str] = []
        for _ in range(attempts):
            lines += self.set_weights(config)
            problems = self.verify_weights(config)
            if not problems:
                return lines, []
        return lines, problems

    def rust_traffic(self) -> list[str]:
        """Every rule of both listeners that gives a Rust target group traffic (a weight
        above 0; a canary forwards to Rust alone), in state or not: ``route (listener
        priority): Rust weight W``."""
        rust = rust_target_group_names(self.config)  # the retired shared ones too
        found = []
        for listener, arn in self.listener_arns().items():
            for rule in self.rules.forwarding_to(arn, rust):
                weight = sum(w for g, w in rule.forwards_to() if target_group_name(g) in rust)
                if weight:
                    found.append(f"{rule.key or rule.arn} ({listener} {rule.priority}): Rust "
                                 f"weight {weight}")
        return found

    def marked(self) -> list[LiveRule]:
        """Every rule of both listeners that carries the abort mark."""
        return [rule for rules in self.live().values() for rule in rules if rule.mark]

    def clear_marks(self, values: set[str] | None = None,
                    routes: tuple[str, ...] | None = None) -> int:
        """The abort mark off every rule that carries one of ``values`` (every mark: None),
        of ``routes`` (their rules and canaries; every rule: None), once the abort they stand
        for is recorded; how many carried one."""
        keys = rule_keys(routes)
        marked = [rule.arn for rule in self.marked()
                  if (values is None or rule.mark in values)
                  and (keys is None or rule.key in keys)]
        self.rules.unmark(marked)
        return len(marked)

    def roll_back(self, mark: str = "", seen: set[str] | None = None,
                  routes: tuple[str, ...] | None = None) -> list[str]:
        """Rust weight 0 and stickiness off on every rule of both listeners that forwards to
        a Rust target group, in state or not (only the rules of ``routes`` and their canaries,
        found by their ``Route`` tag, when given: a per-route abort), each marked ``mark``
        first (an abort's time and actor: ``MARK_TAG``); a rule that forwards to Rust alone
        (a canary) forwards to its route's Python target group, or is deleted when no route
        owns it. ``seen`` gets the marks the rules carried already (aborts that began before
        this one)."""
        keys = rule_keys(routes)
        names = target_group_names(self.config)
        splits = {r.key: split for r in ROUTES if (split := r.action.split())}
        rust = rust_target_group_names(self.config)
        python_of = {key: names[python] for key, (python, _) in splits.items()}
        python_of |= {canary_key(key): name for key, name in python_of.items()}
        arns = self.rules.target_group_arns(python_of.values())
        lines = []
        for listener_arn in self.listener_arns().values():  # every rule marked before any moves
            rules = self.rules.forwarding_to(listener_arn, rust, keys)
            if seen is not None:  # the marks of aborts that began before this one
                seen |= {rule.mark for rule in rules if rule.mark}
            self.rules.mark([rule.arn for rule in rules if rule.mark is None],
                            mark or "aborted")
        for listener, listener_arn in self.listener_arns().items():
            lines += [f"{line[:12]}{listener} {line[12:]}" for line in self.rules.roll_back(
                listener_arn, rust, lambda key: arns.get(python_of.get(key or "", "")),
                mark or "aborted", keys)]
        return lines


def rule_keys(routes: tuple[str, ...] | None) -> set[str] | None:
    """The ``Route`` tags of the rules of ``routes``: theirs and their canaries' (None: every
    rule)."""
    return None if routes is None else {*routes, *(canary_key(k) for k in routes)}


def route_of_rule(key: str | None) -> str | None:
    """The route a rule's ``Route`` tag stands for (a canary's: its route's)."""
    weighted = {r.key for r in ROUTES if r.action.weighted}
    if key in weighted:
        return key
    if key is not None and key.endswith(canary_key("")) and key[:-len(canary_key(""))] in weighted:
        return key[:-len(canary_key(""))]
    return None
