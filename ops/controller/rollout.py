"""Rollout transitions and the reconcile step of one environment (docs/rollout.md): read the
recorded state, compute the transition (``model.rollout.state``), record it with a
conditional write, move the listeners and read every rule back.

- Every transition is a conditional write on the version it read (``RolloutStore.write``); a
  write based on a stale read is refused and the transition computed again from the new
  version (an advance read before an abort is then refused: abort always wins).
- An abort moves the listeners first (each rule marked, then at Python, not sticky), then
  records; an automatic one (``routes``: a red gate, an alarm) moves and records only the
  rollout routes it names (``ControllerPolicy.abort_scope``), the operators' is the emergency
  of every weighted rule; when the record fails, the marks stay, nothing raises Rust on a
  marked rule, and the next reconcile (the controller, a deploy) records the abort it finds
  (a per-route abort's marks as an abort of those routes). Once recorded, it reads every rule
  back and rolls back again after a late raise, unless the head has moved on
  to a start recorded since: then the listeners are set to that start (a second roll back
  would undo it, and nobody would put it back).
- Any other transition records first, then sets the weights, reads every rule back, then reads
  the state again: when another writer recorded a newer version meanwhile, the listeners are
  set to that one (a late raise is undone by the writer that made it).
- ``reconcile`` is the controller's run (and ``rollout tick``): record an unrecorded abort,
  abort when the Rust alias serves another release than the rollout validates, act on the
  gates (abort, advance, or at the progress deadline pause or abort), repair live
  weights that differ from the record and record what it found. Outside a rollout it only
  verifies.
- Every transition and repair is notified (``ops.adapters.notify``).
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from model.catalog.route_table import ROUTES
from model.config import EnvironmentConfig
from model.rollout import state as rs
from model.rollout.gates import Verdict
from model.routing.listener import Listener
from ops.adapters.alb import SCOPED_MARK, LiveRule, Router, route_of_rule
from ops.adapters.aws import Clients
from ops.adapters.clients import AwsClients, StsClient
from ops.adapters.lambda_release import LiveRelease, Releases
from ops.adapters.metrics import Metrics
from ops.adapters.notify import Notifier
from ops.adapters.store import CorruptState, RolloutStore, StaleState, Stored
from ops.controller.gates import gate_verdicts, rust_alarms_in_alarm

ATTEMPTS = 5  # conditional writes refused as stale before a transition gives up
RAISING = ("start", "advance", "resume", "promote")  # the commands that may raise Rust
ACTOR_MAX = 100  # characters of an actor's name in the history


class NotVerified(RuntimeError):
    """The listeners do not all carry the recorded state after the retries (the next
    controller run finishes it); the message names the rules."""


class AbortNotRecorded(RuntimeError):
    """The listeners are at Python and marked, but the abort could not be recorded (the
    controller, or the next command, records it from the marks)."""


def weighted_keys() -> tuple[str, ...]:
    return tuple(sorted(r.key for r in ROUTES if r.action.weighted))


@dataclass
class Outcome:
    """What one command or controller run did: ``what`` in one line, the rules it changed,
    what still differs, the state it leaves recorded."""

    what: str
    state: rs.RolloutState | None
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    action: str = "nothing"


@dataclass
class Rollout:
    """One environment's rollout with the adapters it acts through."""

    config: EnvironmentConfig
    router: Router
    store: RolloutStore
    metrics: Metrics
    notifier: Notifier
    sts: StsClient | None = None
    actor: str = field(default_factory=lambda: rs.bounded(getpass.getuser())[:ACTOR_MAX])
    _identity: str | None = None
    releases: Releases | None = None  # the Rust release on the alias (None: not read)

    @classmethod
    def of(cls, config: EnvironmentConfig, clients: AwsClients | None = None, *,
           listener_arns: dict[Listener, str] | None = None, topic_arn: str | None = None,
           actor: str | None = None) -> Rollout:
        clients = clients or Clients(config.region)
        if actor is not None:  # one short printable line in the history
            actor = rs.bounded(actor)[:ACTOR_MAX]
        rollout = cls(config, Router(clients.elbv2, config, listener_arns),
                      RolloutStore(clients.dynamodb, config.rollout_table_name()),
                      Metrics(clients.cloudwatch), Notifier(clients.sns, topic_arn),
                      clients.sts, **({"actor": actor} if actor else {}))
        rollout.store.identity = rollout.identity
        lambda_client = getattr(clients, "lambda_", None)
        if lambda_client is not None:
            rollout.releases = Releases(lambda_client, config)
        if topic_arn is None:
            rollout.notifier.topic_arn = rollout.topic_arn()
        return rollout

    # who and where ------------------------------------------------------------------------
    def identity(self) -> str:
        """The AWS identity of these credentials (STS caller ARN), asked once."""
        if self._identity is None:
            try:
                assert self.sts is not None
                self._identity = str(self.sts.get_caller_identity()["Arn"])
            except Exception:
                self._identity = "unknown identity"
        return self._identity

    def topic_arn(self) -> str | None:
        """The environment's alarm topic (the monitoring stack's), from the identity's
        account."""
        parts = self.identity().split(":")
        if len(parts) < 5 or not parts[4].isdigit():
            return None
        return f"arn:aws:sns:{self.config.region}:{parts[4]}:{self.config.alarm_topic_name()}"

    # reading ------------------------------------------------------------------------------
    def live_release(self) -> LiveRelease | None:
        """The release the alias serves (None: no alias yet, or no Lambda client)."""
        return self.releases.live() if self.releases is not None else None

    def bypassed_release(self, state: rs.RolloutState, now: int) -> str | None:
        """Why the release on the alias is not the one this rollout validates (a deploy
        around the deploy driver, or the alias moved by hand), or None: no rollout in
        progress (or in its final bake), no release recorded, or the same release."""
        if self.releases is None or state.rust_version is None or not rs.in_final_bake(
                state, now, self.config.controller.final_bake_s):
            return None  # no Lambda client: what the alias serves is unknown, not another
        live = self.live_release()
        if live is not None and live.release == state.rust_version:
            return None
        serving = live.shown if live is not None else "no version (the alias is missing)"
        return (f"the Rust alias serves {serving}, but this rollout validates "
                f"{state.rust_version}: a release was deployed (or the alias moved) around "
                "the deploy driver while Rust carried traffic")

    def verdicts(self, state: rs.RolloutState, now: int) -> list[Verdict]:
        if not rs.in_final_bake(state, now, self.config.controller.final_bake_s):
            return []
        return gate_verdicts(self.router, self.metrics, self.config, state, now)

    def history(self) -> list[dict[str, Any]]:
        """Every version, oldest first: version, when, who (the AWS identity that wrote it),
        actor, from, to, why."""
        found, before = [], None
        for entry in self.store.history():
            state = entry.state
            found.append({
                "version": entry.version,
                "when": entry.written_at,
                "who": entry.identity,
                "actor": state.actor if state else "",
                "from": before.summary if before else "",
                "to": state.summary if state else f"(unreadable: {entry.problem})",
                "why": (state.reason + (" (forced)" if state.forced else "")) if state else "",
                "rust": state.rust_version if state else None,
            })
            before = state or before
        return found

    def status(self, now: int) -> dict[str, Any]:
        stored = self.store.require()
        state = stored.state
        verdicts = self.verdicts(state, now)
        decision = rs.decide(state, now, verdicts, self.config.controller)
        bypassed = self.bypassed_release(state, now)
        if bypassed:
            decision = rs.Decision("abort", bypassed)
        live = self.live_release()
        applied = rs.applied_to(self.config, state)
        return {
            "environment": self.config.name, "store": self.store.table,
            "version": stored.version,
            "phase": state.phase, "summary": state.summary,
            "step": (f"{state.step + 1}/{len(state.steps)}" if state.steps else None),
            "steps": list(state.steps), "routes": state.routes, "emergency": state.emergency,
            "rollout_routes": list(state.rollout_routes),
            "aborted_routes": list(state.aborted_routes),
            "bake_s": state.bake_s,
            "bake_left_s": state.bake_left(now) if state.phase == "rolling" else None,
            "live": self.router.live_weights(applied),
            "drift": self.router.verify_weights(applied),
            "marked": [f"{rule.key or rule.arn}: {rule.mark}" for rule in self.router.marked()],
            "next": self.preview(state, now),
            "gates": [{"route": v.route, "gate": v.gate, "status": v.status, "detail": v.detail}
                      for v in verdicts],
            "controller_would": {"action": decision.action, "why": decision.why,
                                 "routes": list(decision.routes)},
            "controller": {"enabled": self.config.controller.enabled,
                           "schedule": self.config.controller.schedule_expression,
                           "abort_scope": self.config.controller.abort_scope},
            "last": {"actor": state.actor, "reason": state.reason, "at": state.at},
            "rust": {"recorded": state.rust_version, "release": state.release,
                     "live": live.release if live else None,
                     "live_version": live.version if live else None},
        }

    def preview(self, state: rs.RolloutState, now: int) -> dict[str, Any] | None:
        """What the next step changes, on which rules: None outside a rollout."""
        if state.phase not in ("rolling", "paused"):
            return None
        try:
            nxt = rs.advance(state, now, [], "preview", force=True) if state.phase == "rolling" \
                else rs.advance(rs.resume(state, now, "preview"), now, [], "preview", force=True)
        except rs.RolloutError:
            return None
        changes = self.router.changes(rs.applied_to(self.config, state),
                                      rs.applied_to(self.config, nxt))
        return {"to": nxt.summary, "rules": changes}

    # writing ------------------------------------------------------------------------------
    def _record(self, compute: Callable[[rs.RolloutState], rs.RolloutState],
                now: int) -> tuple[Stored, Stored]:
        """Compute from the head and write conditionally, again from the new head when the
        write was stale: (the head read, the head written; the same when nothing changed)."""
        for _ in range(ATTEMPTS):
            read = self.store.require()
            new = compute(read.state)
            if new == read.state:
                return read, read
            try:
                return read, Stored(new, self.store.write(new, read.version, now))
            except StaleState:
                continue
        raise rs.RolloutError(f"{self.store.where()} changed under {ATTEMPTS} attempts in a "
                              "row (other writers): try again")

    def _converge(self, written: Stored, attempts: int = 3) -> tuple[list[str], list[str]]:
        """The listeners set to the recorded state and read back; then the head read again,
        and the listeners set to it when another writer recorded a newer version meanwhile.
        Nothing is raised while a rule carries an abort mark (that abort is recorded
        first)."""
        lines: list[str] = []
        current = written
        for _ in range(attempts):
            if self.router.marked():
                raise AbortNotRecorded(
                    f"recorded version {current.version}, but rules carry an abort mark (an "
                    "abort in progress, or one whose record failed): nothing raises Rust on "
                    "them; the abort is recorded by its writer or by the next controller run "
                    "('pipenv run rollout tick')")
            changed, problems = self.router.apply(rs.applied_to(self.config, current.state))
            lines += changed
            head = self.store.require()
            if head.version == current.version:
                return lines, problems
            current = head
        return lines, self.router.verify_weights(rs.applied_to(self.config, current.state))

    def transition(self, command: str, now: int, *, reason: str = "", steps: str = "",
                   bake: str | None = None, routes: str | None = None,
                   force: bool = False) -> Outcome:
        """One operator command's transition. Bad input is refused before anything is read
        or changed."""
        problem = rs.reason_problem(reason)
        if problem:
            raise rs.RolloutError(problem)
        if command == "abort":
            return self.abort(now, reason)
        compute: Callable[[rs.RolloutState], rs.RolloutState]
        actor = self.actor
        if command == "start":
            bake_s = rs.parse_duration(bake) if bake else max(  # the stickiness duration
                (getattr(r.action, "stickiness_seconds", 0) for r in ROUTES), default=3600)
            keys = tuple(k.strip() for k in (routes or "").split(",") if k.strip())
            parsed = rs.parse_steps(steps)
            alarms = rust_alarms_in_alarm(self.metrics, self.config)
            if alarms:
                raise rs.RolloutError(f"start refused: {len(alarms)} Rust alarm(s) in ALARM "
                                      f"({', '.join(alarms[:3])}"
                                      + (", ..." if len(alarms) > 3 else "") + ")")
            if self.router.marked():
                raise rs.RolloutError("start refused: rules carry an abort mark that the state "
                                      "does not hold yet: run 'pipenv run rollout tick' first")
            live = self.live_release()  # the release this rollout validates
            release = live.release if live is not None else None

            def compute(s: rs.RolloutState) -> rs.RolloutState:
                return rs.start(s, parsed, bake_s, keys, now, actor, reason, release)
        elif command == "advance":
            def compute(s: rs.RolloutState) -> rs.RolloutState:
                return rs.advance(s, now, self.verdicts(s, now), actor, reason, force=force)
        elif command in ("pause", "resume", "promote"):
            step = {"pause": rs.pause, "resume": rs.resume, "promote": rs.promote}[command]

            def compute(s: rs.RolloutState) -> rs.RolloutState:
                return step(s, now, actor, reason)
        elif command == "tick":
            return self.reconcile(now)
        else:
            raise ValueError(f"unknown rollout command {command!r}")
        if command in RAISING:  # never raise over live weights nobody recorded
            head = self.store.require()
            missing, drift = self.router.drift(rs.applied_to(self.config, head.state))
            if missing:
                raise rs.RolloutError(
                    f"{command} refused: {len(missing)} weighted rule(s) are not on the "
                    f"listeners ({'; '.join(missing[:3])}): deploy the routing stack first "
                    f"(pipenv run deploy --env {self.config.name} --parts routing)")
            if drift:
                raise rs.RolloutError(
                    f"{command} refused: {len(drift)} rule(s) differ from the record "
                    f"({'; '.join(drift[:3])}{'; ...' if len(drift) > 3 else ''}): 'pipenv "
                    f"run rollout tick --env {self.config.name}' repairs them and records "
                    "what it found; then try again")
        read, written = self._record(compute, now)
        try:  # recorded: notified even when the listeners fail (the controller finishes it)
            lines, problems = self._converge(written)
        finally:
            if written.version != read.version:
                self.notify(command, read.state, written.state)
        outcome = Outcome(f"{command}: {read.state.summary} -> {written.state.summary}",
                          written.state, lines, problems, command)
        if problems:
            raise NotVerified(f"{outcome.what}, recorded; but {len(problems)} rule(s) do not "
                              "carry it yet (the controller finishes it): "
                              + "; ".join(problems))
        return outcome

    def abort(self, now: int, reason: str, *, automatic: bool = False,
              verdicts: list[Verdict] | None = None,
              routes: tuple[str, ...] | None = None) -> Outcome:
        """The listeners to Python first (marked, Rust 0, not sticky), then the abort
        recorded, over any head (missing or corrupt too), then the marks cleared and every
        rule read back (rolled back again after a late raise), then the head read again: a
        version recorded since that is not aborted (a start; after a per-route abort, any
        transition of the other routes) is set on the listeners, as any writer converges to a
        newer version. AbortNotRecorded when the record fails (the marks stay).

        ``routes``: a per-route abort (``model.rollout.state.abort_routes``): only those
        routes' rules (and canaries) are marked, moved and recorded, the others keep their R;
        over a missing or unreadable head it records (and moves) the emergency of every
        weighted rule. None: the emergency abort of every weighted rule."""
        problem = rs.reason_problem(reason) if not automatic else None
        if problem or not reason.strip():
            raise rs.RolloutError(problem or "abort needs a reason (--reason ...): it goes "
                                  "into the history")
        actor = self.actor
        mark = (f"{now} {actor}"[:180] + f" {uuid.uuid4().hex[:8]}"  # this abort's own
                + (SCOPED_MARK if routes is not None else ""))
        seen = {mark}  # the marks this abort's record stands for: its own, and older ones
        lines = self.router.roll_back(mark=mark, seen=seen, routes=routes)
        # a per-route record stands for per-route marks on its rules, not for an emergency's
        covered = seen if routes is None else {m for m in seen if m.endswith(SCOPED_MARK)}
        before: rs.RolloutState | None = None
        try:
            for _ in range(ATTEMPTS):
                unnumbered = False
                try:
                    read = self.store.read()
                    expected = None if read is None else read.version
                    before = None if read is None else read.state
                    if read is not None and rs.abort_holds(read.state, routes):
                        written = read  # aborted already: nothing to record
                        break
                    new = (rs.aborted_over(weighted_keys(), now, actor,
                                           f"{reason} (no rollout state was found)")
                           if read is None else rs.abort(read.state, now, actor, reason)
                           if routes is None else
                           rs.abort_routes(read.state, routes, now, actor, reason))
                except CorruptState as corrupt:
                    expected, before = corrupt.version, None
                    unnumbered = corrupt.version is None
                    new = rs.aborted_over(weighted_keys(), now, actor,
                                          f"{reason} (over an unreadable state: {corrupt})"[
                                              :rs.RECORD_MAX])
                try:
                    written = Stored(new, self.store.write(new, expected, now, unnumbered))
                    break
                except StaleState:
                    continue
            else:
                raise rs.RolloutError("the store changed under every attempt")
        except Exception as error:
            raise AbortNotRecorded(
                f"the listeners are at Python ({len(lines)} rule(s) changed, each marked) but "
                f"the abort is not recorded in {self.store.where()}: {error}. Nothing raises "
                "Rust on a marked rule; the controller records the abort on its next run "
                "(or run this abort again)") from error
        # the rules this record moves: every one after an emergency (or one over no state)
        scope = None if written.state.emergency else routes
        self.router.clear_marks(covered, scope)  # not those of an abort that began since
        latest = self._aborted_since(written) or written  # a later abort of other routes too
        problems = self.router.verify_weights(rs.applied_to(self.config, latest.state))
        if problems and self._started_since(written) is None:
            # a late write of a writer whose version came before this abort: once more
            lines += self.router.roll_back(mark=mark, seen=set(),  # (later marks: not ours)
                                           routes=scope)
            self.router.clear_marks(covered, scope)
            latest = self._aborted_since(written) or written
            problems = self.router.verify_weights(rs.applied_to(self.config, latest.state))
        if problems and scope is not None and self._started_since(written) is None:
            try:  # a per-route abort: the other routes' rules to the record (a raise they
                more, problems = self._converge(latest)  # missed while this abort's marks
                lines += more  # stood), as any writer converges
            except AbortNotRecorded:
                pass  # another abort in progress: what differs is reported, the next run
        started = self._started_since(written)  # read after this abort's last listener write
        if started is not None:  # a start recorded since: the listeners carry it, as after
            try:  # any writer (a roll back here must not undo it)
                more, problems = self._converge(started)
                lines += more
            except AbortNotRecorded:
                problems = []  # another abort is in progress: it records over the start
            lines.append(f"version {started.version} ({started.state.summary}) was recorded "
                         "after this abort: the listeners carry it")
        if before is None or before != written.state:
            self.notify("abort", before, written.state, verdicts)
        summary = before.summary if before else "(no readable state)"
        outcome = Outcome(f"abort: {summary} -> {written.state.summary}", written.state, lines,
                          problems, "abort")
        if problems:
            raise NotVerified(f"{outcome.what}, recorded; but {len(problems)} rule(s) do not "
                              "carry the recorded state yet (the controller finishes it): "
                              + "; ".join(problems))
        return outcome

    def _started_since(self, aborted: Stored) -> Stored | None:
        """The head when it is newer than the abort ``aborted`` and not aborted (a start
        recorded since: only a start follows an emergency abort; after a per-route abort,
        any transition of the other routes), else None (an unreadable head too)."""
        head = self._newer(aborted)
        return None if head is None or head.state.phase == "aborted" else head

    def _aborted_since(self, aborted: Stored) -> Stored | None:
        """The head when it is newer than ``aborted`` and aborted (another abort recorded
        since, which holds this one's routes at 0 too), else None."""
        head = self._newer(aborted)
        return head if head is not None and head.state.phase == "aborted" else None

    def _newer(self, than: Stored) -> Stored | None:
        try:
            head = self.store.read()
        except CorruptState:
            return None
        if head is None or head.version == than.version:
            return None
        return head

    def marked_routes(self, marked: list[LiveRule]) -> tuple[str, ...] | None:
        """The routes an abort found on the listeners stands for: the routes of the marked
        rules when every mark is a per-route abort's (``SCOPED_MARK``) on a rule of a weighted
        route or its canary; None (the emergency of every weighted rule) otherwise."""
        keys = [route_of_rule(rule.key) for rule in marked]
        if any(key is None for key in keys) or not all(
                (rule.mark or "").endswith(SCOPED_MARK) for rule in marked):
            return None
        return tuple(sorted({key for key in keys if key is not None}))

    def reconcile(self, now: int) -> Outcome:
        """One controller run: an unrecorded abort found on the listeners is recorded; then
        the gates' decision is acted on; then live weights that differ from the record are
        repaired, and the repair recorded. Idempotent."""
        marked = self.router.marked()
        if marked:
            found = ", ".join(sorted({rule.mark or "" for rule in marked}))
            return self.abort(now, rs.bounded(f"found an abort on {len(marked)} rule(s) that "
                                              f"the state did not hold (marked {found})"),
                              automatic=True, routes=self.marked_routes(marked))
        stored = self.store.require()
        state = stored.state
        bypassed = self.bypassed_release(state, now)
        if bypassed:  # its verdicts would judge a release nobody started a rollout of
            outcome = self.abort(now, rs.bounded(f"controller: {bypassed}"), automatic=True)
            outcome.action = "abort"
            return outcome
        verdicts = self.verdicts(state, now)
        decision = rs.decide(state, now, verdicts, self.config.controller)
        if decision.action == "abort":
            outcome = self.abort(now, rs.bounded(f"controller: {decision.why}"), automatic=True,
                                 verdicts=verdicts, routes=decision.routes or None)
            outcome.action = "abort"
            return outcome
        if decision.action in ("advance", "pause"):
            new, _ = rs.tick(state, now, verdicts, self.actor, self.config.controller)
            try:
                written = Stored(new, self.store.write(new, stored.version, now))
            except StaleState:
                return Outcome(f"{decision.action}: the state changed meanwhile (another "
                               "writer); the next run decides again", state)
            try:  # recorded: notified even when the listeners fail
                lines, problems = self._converge(written)
            finally:
                self.notify(decision.action, state, new, verdicts)
            return Outcome(f"{decision.action}: {state.summary} -> {new.summary} "
                           f"({decision.why})", new, lines, problems, decision.action)
        applied = rs.applied_to(self.config, state)
        missing, drift = self.router.drift(applied)  # weights cannot fix the missing
        if not drift:
            return Outcome(f"{decision.action}: {decision.why}", state, problems=missing,
                           action=decision.action)
        repaired = state.recorded(now, self.actor, rs.bounded(
            f"repaired {len(drift)} rule(s) that differed from the record: "
            + "; ".join(drift)))
        try:
            written = Stored(repaired, self.store.write(repaired, stored.version, now))
        except StaleState:
            return Outcome("repair: the state changed meanwhile; the next run repairs", state)
        try:  # recorded: notified even when the listeners fail
            lines, problems = self._converge(written)
        finally:
            self.notify("repair", state, repaired)
        return Outcome(f"repair: {len(drift)} rule(s) set back to the record ({state.summary})",
                       repaired, lines, problems, "repair")

    def notify(self, what: str, before: rs.RolloutState | None, after: rs.RolloutState,
               verdicts: list[Verdict] | None = None) -> None:
        self.notifier.send({
            "environment": self.config.name, "transition": what,
            "from": before.summary if before else None, "to": after.summary,
            "who": self.identity(), "actor": after.actor, "why": after.reason,
            "gates": [{"route": v.route, "gate": v.gate, "status": v.status,
                       "detail": v.detail} for v in verdicts or []],
        })
