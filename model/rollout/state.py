"""The rollout of Rust on one environment as a state machine (docs/rollout.md).

The state is persisted, one JSON document per environment, every version kept (the rollout
state store, ``ops.adapters.store``); this module only computes. Every transition is a
function ``(state, ..., now, actor, reason) -> state``; a refused one raises ``RolloutError``
naming why and changes nothing. Times are epoch seconds, given by the caller (a fake clock in
tests).

    idle --start--> rolling --advance (bake over, gates green)--> rolling ... last step --> done
    rolling --pause--> paused --resume--> rolling
    rolling --progress deadline, gates inconclusive--> paused (or aborted, by policy)
    rolling|paused --promote--> done (R = 100)
    any --abort--> aborted (R = 0 and stickiness off: cookie holders move to Python too)
    rolling|paused|done --abort of some routes--> the same phase for the others (those routes
        at R = 0, not sticky, out of the rollout); aborted once no rollout route is left
    aborted|done|idle --start--> rolling (stickiness back on)

An abort always wins: it applies to any phase and any document, and once recorded nothing but
a new ``start`` raises Rust again (on an aborted route: nothing but a ``start``). The
operators' abort is the emergency (every weighted rule); an automatic one (a red gate, an
alarm) acts on rollout routes only (``ControllerPolicy.abort_scope``: the failing ones or all
of them), so a route promoted by an earlier rollout stays where it is.

After ``done`` an automatic abort (a red gate, a Rust alarm) still moves traffic during the
final bake (``ControllerPolicy.final_bake_s``); after it Rust is the production path and
alarms only notify (AWS AppConfig stops rolling back after its final bake time too).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
from typing import Literal

from model.config import ControllerPolicy, EnvironmentConfig, release_problem
from model.errors import ConfigurationError
from model.rollout.controls import rolled_back, rust_percent_of
from model.rollout.gates import Verdict
from model.routing.route import Route

Phase = Literal["idle", "rolling", "paused", "aborted", "done"]
PHASES: tuple[str, ...] = ("idle", "rolling", "paused", "aborted", "done")
_DURATION = re.compile(r"([0-9]{1,6})([smhd]?)")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_STEP = re.compile(r"[0-9]{1,3}")
REASON_MAX = 200  # characters of an operator's reason: one line of the history
RECORD_MAX = 1000  # characters of a reason the controller writes (it names gate numbers)


class RolloutError(ConfigurationError):
    """A refused transition or bad input; the message says why and what to do instead."""


def parameter_name(config: EnvironmentConfig) -> str:
    """The SSM parameter that held the state before the store moved to DynamoDB (read once,
    to carry its history over: ``ops.adapters.store``)."""
    return f"/{config.name_prefix}scorer/{config.name}/rust-rollout"


# The rollout state store (docs/rollout.md): one DynamoDB table per environment
# (``EnvironmentConfig.rollout_table_name``). Every version of the document is an item of its
# own under one partition (``PARTITION``), keyed by its version number (1, 2, ...), never
# overwritten; the head item (version ``HEAD``) holds the latest document and its version in
# ``HEAD_VERSION``. A transition is one transaction: the head, on condition that it still
# holds the version the transition read, and the new version's item, on condition that it
# does not exist. The routing stack's precondition reads ``DOCUMENT`` of the head item.
TABLE_HASH_KEY = "pk"  # S
TABLE_RANGE_KEY = "version"  # N
PARTITION = "rust-rollout"
HEAD = 0
HEAD_VERSION = "head"  # N: the version the head item holds
DOCUMENT = "document"  # S: the RolloutState JSON
IDENTITY = "identity"  # S: the writer's AWS identity (STS caller ARN)
WRITTEN_AT = "written_at"  # N: epoch seconds


def head_key() -> dict[str, dict[str, str]]:
    """The head item's key in DynamoDB JSON."""
    return {TABLE_HASH_KEY: {"S": PARTITION}, TABLE_RANGE_KEY: {"N": str(HEAD)}}


@dataclass(frozen=True)
class Pin:
    """What a deploy requires of the document: ``field`` (a ``RolloutState`` field), the
    ``key`` within it when the field is a map, the value the deploy sets, and how that value
    may compare with the recorded one (``kind``): ``at_most`` (the deploy's value is at most
    the recorded one: it may keep or lower it), ``at_least`` (at least the recorded one;
    False < True). A recorded value that is missing never allows a deploy."""

    field: str
    key: str | None
    value: int | bool
    kind: Literal["at_most", "at_least"]

    def __post_init__(self) -> None:
        assert self.field in RolloutState.__dataclass_fields__, self.field
        assert self.kind in ("at_most", "at_least"), self.kind

    def recorded_in(self, state: RolloutState) -> int | bool | None:
        """The value ``state`` records for this pin (None: it does not hold it); a list field
        (``aborted_routes``) records whether it holds ``key``."""
        held = getattr(state, self.field)
        if isinstance(held, tuple):
            return self.key in held
        if isinstance(held, dict):
            return held.get(self.key)
        return held

    def allows(self, recorded: int | bool | None) -> bool:
        """Whether a deploy of ``value`` may go ahead while the document holds ``recorded``
        (None: the document does not hold the field or key)."""
        if recorded is None:
            return False
        return self.value <= recorded if self.kind == "at_most" else self.value >= recorded


@dataclass(frozen=True)
class RolloutState:
    routes: dict[str, int]  # R of every weighted route
    emergency: bool = False  # R = 0 and stickiness off everywhere
    phase: Phase = "idle"
    steps: tuple[int, ...] = ()
    step: int = 0  # index in steps of the current step
    rollout_routes: tuple[str, ...] = ()  # the routes the schedule moves
    step_started_at: int | None = None
    bake_s: int = 3600
    actor: str = ""
    reason: str = ""
    at: int | None = None  # when this state was written
    forced: bool = False  # the last transition skipped a refusal with --force
    # routes aborted by an automatic abort of this rollout: R = 0 and stickiness off on their
    # rules, out of rollout_routes until the next start (docs/rollout.md)
    aborted_routes: tuple[str, ...] = ()
    # The Rust release live on the alias as last recorded: by ``start`` (the release this
    # rollout validates) or by a deploy of another release at R = 0 (deployed, not validated);
    # None in documents written before releases were (docs/rollout.md, Rust releases).
    rust_version: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RolloutState:
        """The document in ``text``; RolloutError naming every problem (it is never half
        read: a wrong type, an unknown field, a step outside the steps...)."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError, RecursionError) as error:  # digits, depth too
            raise RolloutError(f"the rollout state is not a rollout document: {error}") from error
        if not isinstance(data, dict):
            raise RolloutError("the rollout state is not a rollout document: not a JSON object")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown or "routes" not in data:
            raise RolloutError("the rollout state is not a rollout document: "
                               + (f"unknown field(s) {', '.join(unknown)}" if unknown
                                  else "no routes"))
        lists = {name: tuple(data[name]) for name in ("steps", "rollout_routes", "aborted_routes")
                 if isinstance(data.get(name), list)}
        state = cls(**{**data, **lists})
        problems = state.problems()
        if problems:
            raise RolloutError("the rollout state is invalid: " + "; ".join(problems))
        return state

    def _route_list_problems(self, name: str) -> list[str]:
        """``name`` (a list of route keys) must hold route keys that ``routes`` holds."""
        keys = getattr(self, name)
        if not isinstance(keys, tuple) or not all(isinstance(k, str) for k in keys):
            return [f"{name} {keys!r} must be a list of route keys"]
        unknown = [k for k in keys if k not in self.routes]
        return [f"{name} names route(s) {', '.join(map(repr, unknown))} that routes does not "
                "hold"] if unknown else []

    def problems(self) -> list[str]:
        """Everything that makes this document unusable, each naming the field and its limit."""
        found = []

        def integer(value: object) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        if self.phase not in PHASES:
            found.append(f"phase {self.phase!r} is not one of {', '.join(PHASES)}")
        if not isinstance(self.routes, dict):
            return [*found, f"routes {self.routes!r} must be an object of route -> R"]
        for key, r in self.routes.items():
            if not integer(r) or not 0 <= r <= 100:
                found.append(f"R of route {key!r} is {r!r}; it must be an integer 0..100")
        for name in ("emergency", "forced"):
            if not isinstance(getattr(self, name), bool):
                found.append(f"{name} is {getattr(self, name)!r}; it must be true or false")
        if not isinstance(self.steps, tuple) or not all(
                integer(s) and 1 <= s <= 100 for s in self.steps):
            found.append(f"steps {self.steps!r} must be integers within 1..100")
        elif any(b <= a for a, b in pairwise(self.steps)):
            found.append(f"steps {list(self.steps)} must increase strictly")
        elif self.phase in ("rolling", "paused") and not self.steps:
            found.append(f"phase {self.phase} needs steps")
        elif not integer(self.step) or (self.steps and not 0 <= self.step < len(self.steps)):
            found.append(f"step {self.step!r} is outside the {len(self.steps)} steps")
        found += self._route_list_problems("rollout_routes")
        found += self._route_list_problems("aborted_routes")
        if isinstance(self.aborted_routes, tuple) and all(
                isinstance(k, str) for k in self.aborted_routes):
            raised = [k for k in self.aborted_routes if self.routes.get(k)]
            if raised:
                found.append(f"aborted route(s) {', '.join(map(repr, raised))} must be at R 0")
            both = [k for k in self.aborted_routes if isinstance(self.rollout_routes, tuple)
                    and k in self.rollout_routes]
            if both:
                found.append(f"route(s) {', '.join(map(repr, both))} are both aborted and in "
                             "rollout_routes")
        for name in ("step_started_at", "at"):
            value = getattr(self, name)
            if value is not None and not integer(value):
                found.append(f"{name} is {value!r}; it must be epoch seconds or null")
        if not integer(self.bake_s) or self.bake_s < 1:
            found.append(f"bake_s is {self.bake_s!r}; it must be an integer of at least 1")
        for name in ("actor", "reason"):
            if not isinstance(getattr(self, name), str):
                found.append(f"{name} is {getattr(self, name)!r}; it must be text")
        if self.rust_version is not None and (not isinstance(self.rust_version, str)
                                              or release_problem(self.rust_version)):
            found.append(f"rust_version is {self.rust_version!r}; it must be a Rust release "
                         "name (v1.4.0) or null")
        return found

    @property
    def release(self) -> str:
        """The recorded Rust release and what this document says of it, in a few words."""
        if self.rust_version is None:
            return "no release recorded"
        said = ("validating" if self.phase in ("rolling", "paused") else
                "validated" if self.phase == "done" else "deployed, not validated")
        return f"{self.rust_version} ({said})"

    def carries_rust(self) -> list[str]:
        """The routes this document gives Rust traffic (R > 0), ``key=R``."""
        return [f"{k}={r}" for k, r in sorted(self.routes.items()) if r]

    @property
    def summary(self) -> str:
        """What the listeners carry, in a few words: ``R 25 (3 routes), phase rolling 3/5``."""
        values = sorted(set(self.routes.values()))
        r = ("emergency: R 0, not sticky" if self.emergency else
             f"R {values[0]}" if len(values) == 1 else
             "R " + ", ".join(f"{k}={v}" for k, v in sorted(self.routes.items())))
        where = (f" {self.step + 1}/{len(self.steps)}"
                 if self.phase in ("rolling", "paused") and self.steps else "")
        aborted = (f" ({len(self.aborted_routes)} route(s) aborted: "
                   f"{', '.join(sorted(self.aborted_routes))}, R 0, not sticky)"
                   if self.aborted_routes and not self.emergency else "")
        return f"{r}{aborted}; {self.phase}{where}"

    @staticmethod
    def deploy_pins(config: EnvironmentConfig, route_key: str) -> tuple[Pin, ...]:
        """What a deploy of ``config`` requires of the persisted document for one weighted
        route: it may keep or lower the route's R, never raise it, and it may turn stickiness
        off (emergency) but not back on while the document records an emergency, nor on the
        rule of a route the document records aborted (the routing stack's precondition is
        rendered from these, so it reads the document through this codec's field names)."""
        return (Pin("routes", route_key, rust_percent_of(config, route_key), "at_most"),
                Pin("emergency", None, config.emergency_rollback, "at_least"),
                Pin("aborted_routes", route_key, rolled_back(config, route_key), "at_least"))

    def recorded(self, now: int, actor: str, reason: str) -> RolloutState:
        """The same routes and phase as a new version that says ``reason`` (a repair, a
        restore, a reconciliation)."""
        return replace(self, at=now, actor=actor, reason=reason, forced=False)

    def bake_left(self, now: int) -> int:
        if self.step_started_at is None:
            return 0
        return max(0, self.step_started_at + self.bake_s - now)


def initial_state(config: EnvironmentConfig, routes: tuple[Route, ...]) -> RolloutState:
    """The state a new environment starts from: its own R per weighted route (deploy-time
    variables applied), no rollout."""
    return RolloutState(
        routes={r.key: rust_percent_of(config, r.key) for r in routes if r.action.weighted},
        emergency=config.emergency_rollback, reason="created with the environment")


def reconciled(state: RolloutState, weighted: tuple[str, ...], now: int,
               actor: str) -> RolloutState:
    """``state`` with the route table's weighted routes: a new weighted route (or a route
    made weighted) enters at R = 0 and joins a rollout only through ``start --routes``; a
    route no longer weighted leaves the document (and the rollout). The same state when
    nothing differs; else a new version whose reason says what changed."""
    added = [k for k in weighted if k not in state.routes]
    removed = sorted(k for k in state.routes if k not in weighted)
    if not added and not removed:
        return state
    rolling = tuple(k for k in state.rollout_routes if k in weighted)
    changes: dict[str, object] = {}
    if state.phase in ("rolling", "paused") and not rolling:
        changes = {"phase": "idle", "steps": (), "step": 0, "step_started_at": None}
    why = "; ".join(
        [*([f"added {', '.join(added)} at R 0 (new weighted routes)"] if added else []),
         *([f"removed {', '.join(removed)} (no longer weighted)"] if removed else [])])
    return replace(state, routes={**{k: v for k, v in state.routes.items() if k in weighted},
                                  **dict.fromkeys(added, 0)},
                   rollout_routes=rolling,
                   aborted_routes=tuple(k for k in state.aborted_routes if k in weighted),
                   at=now, actor=actor, forced=False,
                   reason=f"reconciled with the route table: {why}",
                   **changes)  # type: ignore[arg-type]


def applied_to(config: EnvironmentConfig, state: RolloutState) -> EnvironmentConfig:
    """``config`` with the persisted R per route, emergency flag and aborted routes: what the
    listeners should carry."""
    return replace(config, route_rust_percent=tuple(sorted(state.routes.items())),
                   emergency_rollback=state.emergency,
                   rollback_routes=tuple(sorted(state.aborted_routes)))


def reason_problem(reason: str) -> str | None:
    """Why an operator's ``--reason`` cannot go into the history (None: it can): one line of
    printable text, at most ``REASON_MAX`` characters."""
    if len(reason) > REASON_MAX:
        return f"reason is {len(reason)} characters, more than {REASON_MAX}"
    if not reason.isprintable():
        return "reason holds a line break or another control character: give one line"
    return None


def parse_duration(raw: str) -> int:
    """``90s``, ``30m``, ``1h``, ``2d`` or seconds; at least one second."""
    match = _DURATION.fullmatch(raw.strip())
    seconds = int(match.group(1)) * _UNIT_S[match.group(2)] if match else 0
    if seconds < 1:
        raise RolloutError(f"bake {raw!r} is not a duration of at least 1 s (write 90s, 30m, "
                           "1h or 2d)")
    return seconds


def parse_steps(raw: str) -> tuple[int, ...]:
    """``5,10,25,50,100``: strictly increasing integers within 1..100, in ASCII digits, no
    empty step."""
    items = [s.strip() for s in raw.split(",")]
    if not raw.strip():
        raise RolloutError("steps are empty: give them like 5,10,25,50,100")
    if not all(_STEP.fullmatch(s) for s in items):
        raise RolloutError(f"steps {raw!r} must be whole numbers (0-9) separated by single "
                           "commas, like 5,10,25,50,100")
    steps = tuple(int(s) for s in items)
    bad = [s for s in steps if not 1 <= s <= 100]
    if bad:
        raise RolloutError(f"steps {', '.join(map(str, bad))} are outside 1..100")
    if any(b <= a for a, b in pairwise(steps)):
        raise RolloutError(f"steps {raw!r} must increase strictly")
    if steps[-1] != 100:
        raise RolloutError(f"steps {raw!r} end at {steps[-1]}: a rollout ends with Rust at 100 "
                           "(to hold at a lower R, pause the rollout at that step)")
    return steps


def _moved(state: RolloutState, r: int, now: int, actor: str, reason: str,
           **changes: object) -> RolloutState:
    routes = {k: (r if k in state.rollout_routes else v) for k, v in state.routes.items()}
    return replace(state, routes=routes, at=now, actor=actor, reason=reason, forced=False,
                   **changes)  # type: ignore[arg-type]


def start(state: RolloutState, steps: tuple[int, ...], bake_s: int, routes: tuple[str, ...],
          now: int, actor: str, reason: str, release: str | None = None) -> RolloutState:
    """The rollout of ``release`` (the one live on the alias: the one it validates)."""
    if state.phase in ("rolling", "paused"):
        raise RolloutError(f"a rollout is already {state.phase} at step {state.step + 1}/"
                           f"{len(state.steps)}: advance, promote or abort it first")
    unknown = [k for k in routes if k not in state.routes]
    if unknown:
        raise RolloutError(f"unknown or unweighted route(s) {', '.join(map(repr, unknown))}; "
                           f"weighted routes: {', '.join(sorted(state.routes))}")
    if bake_s < 1:
        raise RolloutError(f"bake {bake_s} s must be at least 1 s")
    chosen = tuple(routes) or tuple(sorted(state.routes))
    begun = replace(state, rollout_routes=chosen, steps=steps, step=0, bake_s=bake_s,
                    emergency=False, aborted_routes=(), rust_version=release)
    return _moved(begun, steps[0], now, actor, reason or "start", phase="rolling",
                  step_started_at=now)


def released(state: RolloutState, release: str, now: int, actor: str) -> RolloutState:
    """``release`` deployed while Rust carries no traffic: recorded, not validated (the next
    ``start`` rolls it out). RolloutError while a route gives Rust traffic (the deploy driver
    refuses such a deploy before anything is applied)."""
    carrying = state.carries_rust()
    if carrying:
        raise RolloutError(f"Rust release {release} cannot be recorded as deployed while Rust "
                           f"carries traffic ({', '.join(carrying)})")
    if state.rust_version == release:
        return state
    return replace(state, rust_version=release, at=now, actor=actor, forced=False,
                   reason=f"deployed Rust release {release} at R 0 (was "
                          f"{state.rust_version or 'not recorded'}); not validated: "
                          "'rollout start' rolls it out")


def refusals(state: RolloutState, now: int, verdicts: list[Verdict]) -> list[str]:
    """Why ``advance`` would be refused now (empty: it may advance)."""
    if state.phase != "rolling":
        return [f"no rollout is rolling (phase {state.phase})"]
    found = []
    left = state.bake_left(now)
    if left:
        found.append(f"bake: {left} s of {state.bake_s} s left at step {state.step + 1}/"
                     f"{len(state.steps)}")
    return found + gate_lines([v for v in verdicts if v.status != "green"])


def gate_lines(verdicts: list[Verdict]) -> list[str]:
    """Non-green verdicts in few words: one line per gate where it stands alone, one line
    for the gates that share a status and a reason (``gates 5xx, p99 of 11 routes are
    inconclusive: ...``)."""
    groups: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in verdicts:
        groups.setdefault((verdict.status, verdict.detail), []).append(verdict)
    lines = []
    for (status, detail), group in groups.items():
        if len(group) == 1:
            lines.append(f"gate {group[0].gate} of {group[0].route} is {status}: {detail}")
            continue
        gates = ", ".join(sorted({v.gate for v in group}))
        routes = sorted({v.route for v in group})
        lines.append(f"gates {gates} of {len(routes)} routes are {status}: {detail}")
    return lines


def advance(state: RolloutState, now: int, verdicts: list[Verdict], actor: str,
            reason: str = "", force: bool = False) -> RolloutState:
    if state.phase != "rolling":
        raise RolloutError(f"cannot advance: no rollout is rolling (phase {state.phase}); "
                           + ("resume it first" if state.phase == "paused" else "start one"))
    found = refusals(state, now, verdicts)
    if found and not force:
        raise RolloutError("advance refused: " + "; ".join(found)
                           + " (--force advances anyway and records that it did)")
    if state.step + 1 >= len(state.steps):
        moved = _moved(state, state.steps[-1], now, actor, reason or "last step baked",
                       phase="done", step_started_at=now)
    else:
        moved = _moved(state, state.steps[state.step + 1], now, actor, reason or "advance",
                       step=state.step + 1, step_started_at=now)
    return replace(moved, forced=bool(found))


def pause(state: RolloutState, now: int, actor: str, reason: str = "") -> RolloutState:
    if state.phase != "rolling":
        raise RolloutError(f"cannot pause: no rollout is rolling (phase {state.phase})")
    return replace(state, phase="paused", at=now, actor=actor, reason=reason or "pause",
                   forced=False)


def resume(state: RolloutState, now: int, actor: str, reason: str = "") -> RolloutState:
    """Back to rolling; the bake of the current step starts again."""
    if state.phase != "paused":
        raise RolloutError(f"cannot resume: the rollout is not paused (phase {state.phase})")
    return replace(state, phase="rolling", step_started_at=now, at=now, actor=actor,
                   reason=reason or "resume", forced=False)


def promote(state: RolloutState, now: int, actor: str, reason: str = "") -> RolloutState:
    if state.phase not in ("rolling", "paused"):
        raise RolloutError(f"cannot promote: no rollout in progress (phase {state.phase})")
    return _moved(state, 100, now, actor, reason or "promote", phase="done",
                  step=len(state.steps) - 1, step_started_at=now)


def abort(state: RolloutState, now: int, actor: str, reason: str) -> RolloutState:
    """R = 0 and stickiness off on every weighted route, whatever the phase (stickiness wins
    over weights: with it on, cookie holders would keep reaching Rust for up to an hour)."""
    if not reason.strip():
        raise RolloutError("abort needs a reason (--reason ...): it goes into the history")
    return replace(state, routes=dict.fromkeys(state.routes, 0), emergency=True,
                   phase="aborted", at=now, actor=actor, reason=reason, forced=False)


def abort_routes(state: RolloutState, routes: tuple[str, ...], now: int, actor: str,
                 reason: str) -> RolloutState:
    """An automatic abort of some routes (``ControllerPolicy.abort_scope``): each of
    ``routes`` the document holds goes to R = 0 with stickiness off on its rule and leaves the
    rollout (``aborted_routes``); the other routes keep their R, stickiness and schedule. Once
    no route of the rollout is left, the phase is aborted. Unchanged when every one of
    ``routes`` is aborted already (or the document records an emergency abort)."""
    if not reason.strip():
        raise RolloutError("abort needs a reason: it goes into the history")
    hit = tuple(sorted(k for k in set(routes) if k in state.routes))
    if abort_holds(state, hit):
        return state
    left = tuple(k for k in state.rollout_routes if k not in hit)
    return replace(state, routes={**state.routes, **dict.fromkeys(hit, 0)},
                   rollout_routes=left,
                   aborted_routes=tuple(sorted({*state.aborted_routes, *hit})),
                   phase=state.phase if left and state.phase != "idle" else "aborted",
                   at=now, actor=actor, reason=reason, forced=False)


def abort_holds(state: RolloutState, routes: tuple[str, ...] | None) -> bool:
    """Whether ``state`` records an abort of ``routes`` (None: the emergency abort of every
    weighted route) already: nothing more to record."""
    if state.phase == "aborted" and state.emergency and not any(state.routes.values()):
        return True
    return routes is not None and all(
        k in state.aborted_routes and not state.routes[k] for k in routes if k in state.routes)


def aborted_over(routes: tuple[str, ...], now: int, actor: str, reason: str) -> RolloutState:
    """An aborted document for ``routes`` (the weighted route keys), recorded where no valid
    one can be read (missing or corrupt): an abort never fails for want of a state."""
    return abort(RolloutState(routes=dict.fromkeys(routes, 0)), now, actor, reason)


def in_final_bake(state: RolloutState, now: int, final_bake_s: int) -> bool:
    """Whether an automatic abort still acts: during a rollout, and after ``done`` for
    ``final_bake_s`` (an idle or aborted state has nothing to abort)."""
    if state.phase in ("rolling", "paused"):
        return True
    return (state.phase == "done" and state.step_started_at is not None
            and now < state.step_started_at + final_bake_s)


@dataclass(frozen=True)
class Decision:
    action: Literal["advance", "abort", "pause", "wait", "nothing"]
    why: str
    routes: tuple[str, ...] = ()  # the routes an abort acts on (rollout routes)


def abort_targets(state: RolloutState, red: list[Verdict],
                  scope: Literal["routes", "all"]) -> tuple[str, ...]:
    """The rollout routes an automatic abort on ``red`` acts on: under ``routes`` the failing
    routes only, when every red verdict names a route of the rollout; else (scope ``all``, or
    a function-wide red verdict, whose ``route`` is no rollout route) every route of the
    rollout. A route outside the rollout (promoted before, or aborted) is never one."""
    failing = {v.route for v in red}
    if scope == "routes" and failing <= set(state.rollout_routes):
        return tuple(k for k in state.rollout_routes if k in failing)
    return state.rollout_routes


def decide(state: RolloutState, now: int, verdicts: list[Verdict],
           policy: ControllerPolicy) -> Decision:
    """What a controller run does now: abort on a red gate (during the final bake after
    ``done`` too; a red verdict of a route outside the rollout, aborted or promoted before,
    holds nothing; the abort acts on ``abort_targets``), advance when the bake is over and
    every gate is green; when the gates stay inconclusive past the progress deadline, apply
    ``policy.inconclusive`` (pause or abort, of every rollout route); else wait (saying
    why)."""
    red = [v for v in verdicts if v.status == "red"  # of the rollout, or function-wide
           and (v.route in state.rollout_routes or v.route not in state.routes)]
    if red and in_final_bake(state, now, policy.final_bake_s):
        return Decision("abort", "; ".join(gate_lines(red)),
                        abort_targets(state, red, policy.abort_scope))
    if state.phase != "rolling":
        return Decision("nothing", f"phase {state.phase}: nothing to do")
    found = refusals(state, now, verdicts)
    if not found:
        return Decision("advance", f"bake over and every gate green at step {state.step + 1}/"
                                   f"{len(state.steps)}")
    started = state.step_started_at if state.step_started_at is not None else now
    overdue = now - (started + state.bake_s + policy.progress_deadline_s)
    if not state.bake_left(now) and overdue >= 0:
        why = (f"progress deadline: step {state.step + 1}/{len(state.steps)} baked and its "
               f"gates stayed inconclusive for {policy.progress_deadline_s} s more: "
               + "; ".join(found))
        return Decision(policy.inconclusive, why,
                        state.rollout_routes if policy.inconclusive == "abort" else ())
    return Decision("wait", "; ".join(found))


def tick(state: RolloutState, now: int, verdicts: list[Verdict], actor: str,
         policy: ControllerPolicy) -> tuple[RolloutState, Decision]:
    """Idempotent: the state after acting on ``decide`` (unchanged when waiting)."""
    decision = decide(state, now, verdicts, policy)
    if decision.action == "abort":
        why = bounded(f"controller: {decision.why}")
        if not decision.routes:  # no rollout route to name: every weighted route
            return abort(state, now, actor, why), decision
        return abort_routes(state, decision.routes, now, actor, why), decision
    if decision.action == "pause":
        return pause(state, now, actor, bounded(f"controller: {decision.why}")), decision
    if decision.action == "advance":
        return advance(state, now, verdicts, actor,
                       bounded(f"controller: {decision.why}")), decision
    return state, decision


def bounded(text: str) -> str:
    """``text`` as one history line: control characters replaced, at most ``REASON_MAX``
    characters (a gate's numbers can be long)."""
    line = "".join(c if c.isprintable() else " " for c in text)
    return line if len(line) <= RECORD_MAX else line[:RECORD_MAX - 3] + "..."
