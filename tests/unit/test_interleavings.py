"""The rollout's races, by randomized interleavings of the actors' API calls over the store and
listener fakes (``tests.helpers.interleave``): operators (``advance --force``, ``abort``,
``start``, ``pause``/``resume``), the controller's run (``reconcile``) and the abort function,
2 to 4 of them at once over one account, from a random starting state, with the gates green,
red (a Rust alarm in ALARM) or inconclusive, and in some schedules an injected fault (a
throttled TransactWriteItems, a ModifyRule that fails once). Each seed is one schedule.

What is checked, for every schedule:

1. Once every actor has finished: the live weights equal the newest recorded state's
   (``verify_weights(applied_to(config, head)) == []``), no rule carries the abort mark, and
   every rule the head records aborted has Rust weight 0 and stickiness off: every weighted
   rule after an emergency abort (the operators'), the rules of the aborted routes after a
   per-route abort (the controller's and the abort function's, ``abort_scope`` routes; the
   red gate is the public Rust target group's alarm), whose other routes match the head. This
   holds *after all actors finish*, not at every instant: ALB has no conditional ModifyRule,
   so a raise computed before an abort can land after it; the design's answer is that every
   raiser reads the head again after writing the listeners (and converges to a newer
   version), and the abort verifies and rolls back again. When an actor ended with something
   left for the next controller run (AbortNotRecorded, NotVerified, an injected fault, an
   outcome with problems), the check is made after one more ``reconcile`` instead.
2. Abort always wins: after a recorded emergency abort, every later version is aborted too
   (Rust 0 everywhere) until a recorded ``start`` (rolling at step 0, begun at or after the
   abort, over a phase a start may leave); after a recorded per-route abort, every later
   version holds those routes at Rust 0, not sticky, until a ``start``.
3. No exception escapes but the documented ones: RolloutError and its subclasses,
   AbortNotRecorded, NotVerified (and the injected fault itself).
4. The history's versions are 1..N, the head is N: no write lost or duplicated.

A failure names the seed, the schedule and every step; ``python -m tests.unit.test_interleavings
SEED`` replays one schedule and prints it.
"""

from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import pytest

from environments import ENVIRONMENTS
from functions.rollout_abort import handler as abort_function
from model.catalog.functions import FUNCTIONS
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.rollout.controls import rust_alarm_prefixes
from model.routing.view import target_group_names
from ops.adapters.alb import MARK_TAG, ROUTE_TAG, Router, target_group_name
from ops.adapters.store import RolloutStore
from ops.controller.rollout import AbortNotRecorded, NotVerified, Rollout
from tests.helpers.fakes import FakeAccount
from tests.helpers.interleave import Fault, InjectedFault, Result, Scheduler

LOCAL = replace(ENVIRONMENTS["local"], canary_routes=())
T0 = 1_800_000_000
STEPS = (5, 10, 25, 50, 100)
BAKE_S = 600
PER_BLOCK = 100
# 1,000 schedules by default (about 15 s on 2 cores); INTERLEAVING_SCHEDULES=20000 for a longer hunt
BLOCKS = max(1, int(os.environ.get("INTERLEAVING_SCHEDULES") or 1000) // PER_BLOCK)
ALLOWED = (rs.RolloutError, AbortNotRecorded, NotVerified, InjectedFault)
WEIGHTED = sorted(r.key for r in ROUTES if r.action.weighted)
RUST = {target_group_names(LOCAL)[split[1]] for r in ROUTES if (split := r.action.split())}
ALARM = LOCAL.alarm_name(sorted(RUST)[0], "target-5xx-ratio-burst")
ACTORS = ("advance", "abort", "controller", "abort-function", "start", "pause-resume")


@dataclass
class Schedule:
    """What one seed chose: the starting state, the time every actor acts at, the gates, the
    actors and the faults."""

    seed: int
    kind: str
    state: rs.RolloutState
    now: int
    gates: str
    actors: tuple[str, ...]
    faults: tuple[Fault, ...] = ()
    pause_or_resume: str = "pause"
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"seed {self.seed}: from {self.kind} ({self.state.summary}), now = "
                f"step start + {self.now - (self.state.step_started_at or T0)} s, gates "
                f"{self.gates}, actors {', '.join(self.actors)}"
                + (f" ({self.pause_or_resume})" if "pause-resume" in self.actors else "")
                + (", faults " + ", ".join(f"{f.actor}: {f.call} #{f.nth}"
                                           for f in self.faults) if self.faults else ""))


def schedule_of(seed: int) -> Schedule:
    rng = random.Random(f"schedule {seed}")
    idle = rs.initial_state(replace(LOCAL, rust_percent=0), ROUTES)
    rolling = rs.start(idle, STEPS, BAKE_S, (), T0, "alice", "start")
    for _ in range(rng.randrange(len(STEPS) - 1)):
        assert rolling.step_started_at is not None
        rolling = rs.advance(rolling, rolling.step_started_at + BAKE_S, [], "alice")
    started = rolling.step_started_at or T0
    kind = rng.choice(("rolling", "rolling", "rolling", "paused", "done", "aborted",
                       "aborted", "idle", "part-aborted"))
    state, now = {
        "rolling": (rolling, started + rng.choice((BAKE_S // 2, BAKE_S + 60))),
        "paused": (rs.pause(rolling, started + 10, "alice"), started + BAKE_S + 60),
        "done": (rs.promote(rolling, started + 10, "alice"),
                 started + 10 + rng.choice((60, LOCAL.controller.final_bake_s + 60))),
        "aborted": (rs.abort(rolling, started + 10, "pager", "Rust 5XX"), started + 100),
        "part-aborted": (rs.abort_routes(rolling, tuple(WEIGHTED[::3]), started + 10,
                                         "rollout controller", "5xx"), started + BAKE_S + 60),
        "idle": (idle, T0),
    }[kind]
    actors = tuple(rng.sample(ACTORS, rng.randint(2, 4)))
    if not {"abort", "abort-function"} & set(actors) and rng.random() < 0.5:  # races of aborts
        actors = (*actors[1:], rng.choice(("abort", "abort-function")))
    faults = []
    if rng.random() < 0.2:
        faults.append(Fault(rng.choice(actors), "dynamodb.transact_write_items"))
    if rng.random() < 0.2:
        faults.append(Fault(rng.choice(actors), "elbv2.modify_rule", rng.randint(1, 12),
                            "Throttling: rate exceeded (injected, once)"))
    return Schedule(seed, kind, state, now, rng.choice(("green", "red", "inconclusive")),
                    actors, tuple(faults),
                    "resume" if kind == "paused" else rng.choice(("pause", "resume")))


# the account ------------------------------------------------------------------------------
def green(side: str, metric: str, stat: str) -> list[float]:
    """One minute with enough requests for every gate, no errors, all fast, no throttle."""
    return {"RequestCount": [50_000.0], "TargetResponseTime": [100.0],
            "Invocations": [50_000.0], "Throttles": []}.get(metric, [0.0])


def account_for(schedule: Schedule) -> FakeAccount:
    account = FakeAccount()
    account.deploy(LOCAL, schedule.state)
    if schedule.gates == "red":
        account.cloudwatch.in_alarm = [ALARM]
    elif schedule.gates == "green":  # every side of every route: ample requests, no errors
        account.cloudwatch.series = green
    return account


def store_of(account: FakeAccount) -> RolloutStore:
    return RolloutStore(account.dynamodb, LOCAL.rollout_table_name())


def rust_weights(account: FakeAccount) -> dict[str, tuple[int, bool]]:
    """Weighted route key -> (live Rust weight, sticky), read from the fake directly."""
    return account.rust_weights(LOCAL, set(WEIGHTED))


def marked(account: FakeAccount) -> list[str]:
    return account.marked(MARK_TAG)


def environ_for(account: FakeAccount) -> dict[str, str]:
    """The abort function's variables (``functions.deployed``, its handler)."""
    listeners = {name.split("/")[-1]: arn for arns in account.elbv2.listeners.values()
                 for name, arn in [(item["ListenerArn"], item["ListenerArn"]) for item in arns]}
    return {"ENVIRONMENT": LOCAL.name, "CANARY_ROUTES": "[]", "AWS_REGION": LOCAL.region,
            "LISTENER_ARNS": json.dumps({"public": listeners["443"],
                                         "internal": listeners["80"]}),
            "TOPIC_ARN": f"arn:aws:sns:{LOCAL.region}:123456789012:{LOCAL.alarm_topic_name()}",
            "ALARM_PREFIXES": json.dumps(list(rust_alarm_prefixes(LOCAL, ROUTES, FUNCTIONS)))}


EVENT = {"detail-type": "CloudWatch Alarm State Change", "region": LOCAL.region,
         "detail": {"alarmName": ALARM, "state": {"value": "ALARM",
                                                  "reason": "Threshold Crossed (test)"}}}


# the actors -------------------------------------------------------------------------------
def actor_bodies(schedule: Schedule, account: FakeAccount, scheduler: Scheduler) -> dict[str, Any]:
    now = schedule.now

    def rollout(name: str, actor: str) -> Rollout:
        return Rollout.of(LOCAL, scheduler.clients(account, name), actor=actor)

    bodies = {
        "advance": lambda: rollout("advance", "bob").transition(
            "advance", now, force=True, reason="hurry"),
        "abort": lambda: rollout("abort", "carol").abort(now, "operator: Rust 5XX"),
        "controller": lambda: rollout("controller", "rollout controller").reconcile(now),
        "abort-function": lambda: abort_function.handler(
            EVENT, clients=scheduler.clients(account, "abort-function"), now=now),
        "start": lambda: rollout("start", "dave").transition(
            "start", now, steps="5,10,100", bake="60s", reason="again"),
        "pause-resume": lambda: rollout("pause-resume", "erin").transition(
            schedule.pause_or_resume, now),
    }
    return {name: bodies[name] for name in schedule.actors}


def leaves_work(result: Result) -> bool:
    """Whether an actor ended with something for the next controller run to finish: a
    refused transition (RolloutError) changed nothing; anything else that raised may have
    (AbortNotRecorded, NotVerified, an injected fault), and so does an outcome with
    problems."""
    if result.error is None:
        return bool(getattr(result.value, "problems", None))
    return not isinstance(result.error, rs.RolloutError)


# the invariants ---------------------------------------------------------------------------
def live_problems(account: FakeAccount) -> list[str]:
    """Invariant 1 at this moment."""
    head = store_of(account).require()
    found = [f"live differs from the head (version {head.version}, {head.state.summary}): "
             f"{problem}" for problem in
             Router(account.elbv2, LOCAL).verify_weights(rs.applied_to(LOCAL, head.state))]
    found += [f"rule {arn} still carries the abort mark" for arn in marked(account)]
    held = set(WEIGHTED) if head.state.emergency else set(head.state.aborted_routes)
    if head.state.phase == "aborted" and not held:
        found.append(f"head aborted but it holds no route aborted: {head.state.summary}")
    found += [f"head holds {key} aborted but it has Rust {weight}"
              + (", sticky" if sticky else "")
              for key, (weight, sticky) in sorted(rust_weights(account).items())
              if key in held and (weight or sticky)]
    return found


def history_problems(account: FakeAccount) -> list[str]:
    """Invariants 2 and 4."""
    store = store_of(account)
    history = store.history()
    found = []
    versions = [entry.version for entry in history]
    if versions != list(range(1, len(history) + 1)):
        found.append(f"(4) history versions {versions} are not 1..{len(history)}")
    head = store.require()
    if head.version != len(history):
        found.append(f"(4) the head is version {head.version}, the history holds "
                     f"{len(history)}")
    unreadable = [entry.version for entry in history if entry.state is None]
    if unreadable:
        return [*found, f"versions {unreadable} are unreadable"]
    abort_at: int | None = None  # the time of the last abort not followed by a start
    everything = False  # that abort (or one since) was the emergency of every weighted rule
    held: set[str] = set()  # the routes aborted since the last start
    for before, entry in pairwise([None, *history]):
        state, prior = entry.state, before.state if before else None
        assert state is not None
        if state.phase == "aborted" and (
                any(state.routes.values()) if state.emergency else not state.aborted_routes):
            found.append(f"(2) version {entry.version} is aborted but says {state.summary}")
        started = (prior is not None and state.phase == "rolling" and state.step == 0
                   and state.step_started_at == state.at
                   and (state.step_started_at or 0) >= (abort_at or 0)
                   and prior.phase in ("idle", "aborted", "done"))
        if abort_at is not None and started:
            abort_at, everything, held = None, False, set()
            continue
        if everything and state.phase != "aborted":
            found.append(f"(2) version {entry.version} ({state.summary}, by {state.actor}: "
                         f"{state.reason}) follows an abort without a start")
        raised = sorted(k for k in (set(WEIGHTED) if everything else held)
                        if state.routes.get(k) or not (state.emergency
                                                       or k in state.aborted_routes))
        if raised:
            found.append(f"(2) version {entry.version} ({state.summary}, by {state.actor}) "
                         f"raises or re-sticks aborted route(s) {', '.join(raised)} without a "
                         "start")
        if state.emergency and state.phase == "aborted":
            everything = True
        held |= set(state.aborted_routes)
        if (everything or held) and abort_at is None:
            abort_at = state.at or 0
    return found


def check(schedule: Schedule, account: FakeAccount, scheduler: Scheduler) -> list[str]:
    results = scheduler.results
    found = []
    if scheduler.halted:
        found.append(f"the run was halted: {scheduler.halted}")
    for name, result in results.items():
        if result.error is not None and not isinstance(result.error, ALLOWED):
            found.append(f"(3) {name} raised {type(result.error).__name__}: {result.error}\n"
                         f"{result.trace}")
    work = [name for name, result in results.items() if leaves_work(result)]
    if not work:
        found += [f"(1) after every actor finished: {p}" for p in live_problems(account)]
    else:
        try:
            Rollout.of(LOCAL, account, actor="final controller run").reconcile(schedule.now)
        except Exception as error:
            found.append(f"(1) one more controller run raised {type(error).__name__}: {error}")
        found += [f"(1) after one more controller run (left work: {', '.join(work)}): {p}"
                  for p in live_problems(account)]
    found += history_problems(account)
    return found


# running ----------------------------------------------------------------------------------
def describer(account: FakeAccount) -> Any:
    """Step details in few words: rules by their Route tag, writes by the state they
    write."""
    keys = {rule["RuleArn"]: next((t["Value"] for t in rule["Tags"] if t["Key"] == ROUTE_TAG),
                                  rule["Priority"])
            for rules in account.elbv2.rules.values() for rule in rules}

    def describe(call: str, kwargs: dict[str, Any]) -> str:
        if call == "elbv2.modify_rule":
            forward = kwargs["Actions"][0].get("ForwardConfig") or {}
            groups = forward.get("TargetGroups") or []
            rust = sum(g["Weight"] for g in groups
                       if target_group_name(g["TargetGroupArn"]) in RUST)
            sticky = (forward.get("TargetGroupStickinessConfig") or {}).get("Enabled")
            return f"{keys.get(kwargs['RuleArn'])}: Rust {rust}" + (" sticky" if sticky else "")
        if call in ("elbv2.add_tags", "elbv2.remove_tags"):
            return (f"{len(kwargs['ResourceArns'])} rule(s) "
                    + (f"{MARK_TAG}={kwargs['Tags'][0]['Value']}" if "Tags" in kwargs
                       else f"-{','.join(kwargs['TagKeys'])}"))
        if call == "elbv2.describe_rules":
            return f"listener :{kwargs.get('ListenerArn', '').rsplit('/', 1)[-1]} " \
                   f"from {kwargs.get('Marker') or 0}"
        if call == "dynamodb.transact_write_items":
            head = kwargs["TransactItems"][0]["Put"]
            read = (head.get("ExpressionAttributeValues") or {}).get(":read", {}).get("N")
            state = rs.RolloutState.from_json(head["Item"]["document"]["S"])
            return f"head {read} -> {head['Item']['head']['N']}: {state.summary}"
        if call == "dynamodb.get_item":
            return "head"
        return ", ".join(f"{k}={v!r}"[:60] for k, v in kwargs.items())[:120]

    return describe


def run_schedule(seed: int, setenv: Any) -> tuple[Schedule, FakeAccount, Scheduler, list[str]]:
    """One schedule: its choices, its account, its run, what it broke. ``setenv(name,
    value)`` sets the abort function's variables (``monkeypatch.setenv``)."""
    schedule = schedule_of(seed)
    account = account_for(schedule)
    for name, value in environ_for(account).items():
        setenv(name, value)
    scheduler = Scheduler(seed, step_limit=5_000, wait_s=10.0, faults=schedule.faults)
    scheduler.run(actor_bodies(schedule, account, scheduler), join_s=30.0)
    return schedule, account, scheduler, check(schedule, account, scheduler)


def failure(schedule: Schedule, account: FakeAccount, scheduler: Scheduler,
            problems: list[str]) -> str:
    ends = [f"  {name}: " + (f"raised {type(r.error).__name__}: {r.error}" if r.error
                             else f"returned {getattr(r.value, 'what', r.value)}")
            for name, r in scheduler.results.items()]
    return "\n".join([f"schedule {schedule}", "broke:", *(f"  {p}" for p in problems),
                      "actors ended:", *ends,
                      f"replay: python -m tests.unit.test_interleavings {schedule.seed}",
                      scheduler.report(describer(account))])


@pytest.mark.parametrize("block", range(BLOCKS))
def test_every_interleaving_keeps_the_rollout_invariants(
        block: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    failed = []
    for seed in range(block * PER_BLOCK, (block + 1) * PER_BLOCK):
        run = run_schedule(seed, monkeypatch.setenv)
        capsys.readouterr()  # the abort function prints its answer
        if run[-1]:
            failed.append(run)
    if failed:
        pytest.fail(f"{len(failed)} of {PER_BLOCK} schedules broke an invariant (seeds "
                    f"{', '.join(str(run[0].seed) for run in failed)}); the first:\n"
                    + failure(*failed[0]), pytrace=False)


def test_the_schedules_cover_every_actor_state_gate_and_fault() -> None:
    """The seeds are not all alike: every actor, starting state, gate mode and fault kind
    occurs, and so do schedules with an abort among 3 or 4 actors."""
    schedules = [schedule_of(seed) for seed in range(1000)]
    assert {a for s in schedules for a in s.actors} == set(ACTORS)
    assert {s.kind for s in schedules} == {"rolling", "paused", "done", "aborted", "idle",
                                           "part-aborted"}
    assert {s.gates for s in schedules} == {"green", "red", "inconclusive"}
    assert {f.call for s in schedules for f in s.faults} == {
        "dynamodb.transact_write_items", "elbv2.modify_rule"}
    assert sum(1 for s in schedules if len(s.actors) >= 3 and "abort" in s.actors) > 100


def test_a_schedule_is_reproduced_by_its_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [run_schedule(7, monkeypatch.setenv)[2] for _ in range(2)]
    assert [(s.actor, s.call) for s in runs[0].steps] == [(s.actor, s.call)
                                                          for s in runs[1].steps]


if __name__ == "__main__":  # replay one schedule: python -m tests.unit.test_interleavings SEED
    *run, problems = run_schedule(int(sys.argv[1]), os.environ.__setitem__)
    print(failure(*run, problems or ["nothing"]))
