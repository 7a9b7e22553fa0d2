"""A deterministic scheduler of concurrent actors over the fakes (``tests.helpers.fakes``), for
the interleaving tests.

Every actor runs in a thread of its own, but only one runs at a time: each call an actor makes
to a fake AWS API (through a ``Scheduled`` proxy of the fake) is one atomic step, and before
each step the actor blocks until the scheduler picks it. The scheduler picks among the actors
waiting at a step with ``random.Random(seed)``, so a schedule is an interleaving of API calls
that the seed reproduces (the code between two calls touches nothing shared). Every run is
bounded: a step limit, a wait limit per step and a join timeout; when one is reached, every
actor still running gets ``Halted`` (a ``BaseException``: the code under test does not catch
it) and the run says so.
"""

from __future__ import annotations

import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

SERVICES = ("elbv2", "dynamodb", "sns", "sts", "cloudwatch", "ssm")


class Halted(BaseException):
    """The run was stopped (step limit, a wait that timed out): raised in every actor still
    running, through any ``except Exception`` of the code under test."""


class InjectedFault(RuntimeError):
    """A fault a schedule injects into one API call (throttling): the call is not made."""


@dataclass(frozen=True)
class Fault:
    """The ``nth`` call to ``call`` (``service.method``) of ``actor`` raises InjectedFault
    instead of reaching the fake."""

    actor: str
    call: str
    nth: int = 1
    message: str = "ThrottlingException: Rate exceeded (injected)"


@dataclass
class Step:
    """One API call of one actor: ``kwargs`` as the fake got them; ``outcome`` once made."""

    number: int
    actor: str
    call: str
    kwargs: dict[str, Any]
    outcome: str = ""


@dataclass
class Result:
    """How one actor ended: its return value, or the exception it raised (with traceback)."""

    actor: str
    value: Any = None
    error: BaseException | None = None
    trace: str = ""


@dataclass
class Scheduler:
    """Runs actors one API call at a time, in an order ``seed`` decides.

    ``stay``: the chance that the actor that made the last call makes the next one too (0:
    every step picks uniformly; near 1: long runs of one actor), itself drawn from the seed
    unless given, so that the schedules cover both fine and coarse interleavings."""

    seed: int
    step_limit: int = 20_000
    wait_s: float = 10.0
    faults: tuple[Fault, ...] = ()
    stay: float | None = None
    steps: list[Step] = field(default_factory=list)
    results: dict[str, Result] = field(default_factory=dict)
    halted: str | None = None  # why the run was stopped

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        if self.stay is None:
            self.stay = self.rng.choice((0.0, 0.0, 0.5, 0.8, 0.95))
        self._guard = threading.Lock()
        self._turn: dict[str, threading.Lock] = {}
        self._waiting: list[str] = []
        self._last: str | None = None
        self._counts: dict[tuple[str, str], int] = {}

    # what the actors call ------------------------------------------------------------------
    def clients(self, account: Any, actor: str) -> SimpleNamespace:
        """``account``'s fakes (an ``AwsClients``) as ``actor`` reaches them: every call one
        step."""
        return SimpleNamespace(s3=None, **{
            name: Scheduled(getattr(account, name), name, actor, self) for name in SERVICES})

    def step(self, actor: str, call: str, kwargs: dict[str, Any]) -> Step:
        """Block ``actor`` until the scheduler picks it for this call; then the step, or
        InjectedFault when a fault is due."""
        with self._guard:
            if self.halted:
                raise Halted(self.halted)
            if len(self.steps) >= self.step_limit:
                self._halt(f"step limit {self.step_limit} reached")
                raise Halted(self.halted)
            self._waiting.append(actor)
            chosen = self._pick()
            if chosen != actor:
                self._turn[chosen].release()
        if chosen != actor:
            self._wait(actor)
        step = Step(len(self.steps) + 1, actor, call, kwargs)
        self.steps.append(step)
        key = (actor, call)
        self._counts[key] = self._counts.get(key, 0) + 1
        fault = next((f for f in self.faults if (f.actor, f.call) == key
                      and f.nth == self._counts[key]), None)
        if fault is not None:
            step.outcome = "injected fault"
            raise InjectedFault(fault.message)
        return step

    # running -------------------------------------------------------------------------------
    def run(self, actors: dict[str, Callable[[], Any]], join_s: float = 30.0
            ) -> dict[str, Result]:
        """Every actor to its end (or Halted); the results by actor."""
        threads = []
        for name in actors:
            self._turn[name] = threading.Lock()
            self._turn[name].acquire()
            self._waiting.append(name)  # each waits for its first turn before its first line
        for name, body in actors.items():
            thread = threading.Thread(target=self._body, args=(name, body), daemon=True,
                                      name=f"actor {name}")
            threads.append(thread)
            thread.start()
        with self._guard:
            self._turn[self._pick()].release()
        for thread in threads:
            thread.join(join_s)
        if any(thread.is_alive() for thread in threads):
            with self._guard:
                self._halt(f"an actor still ran after {join_s} s")
            for thread in threads:
                thread.join(self.wait_s)
        for name in actors:
            self.results.setdefault(name, Result(name, error=Halted("never finished")))
        return self.results

    def _body(self, actor: str, body: Callable[[], Any]) -> None:
        try:
            self._wait(actor)
            self.results[actor] = Result(actor, value=body())
        except BaseException as error:  # every outcome is recorded; the test judges it
            self.results[actor] = Result(actor, error=error, trace=traceback.format_exc())
        finally:
            with self._guard:
                if self._waiting and not self.halted:
                    self._turn[self._pick()].release()

    def _wait(self, actor: str) -> None:
        if not self._turn[actor].acquire(timeout=self.wait_s):
            with self._guard:
                self._halt(f"{actor} waited more than {self.wait_s} s for its turn")
        if self.halted:
            raise Halted(self.halted)

    def _pick(self) -> str:
        """One of the waiting actors (under the guard), taken off the waiting list."""
        assert self.stay is not None
        if self._last in self._waiting and self.rng.random() < self.stay:
            index = self._waiting.index(self._last)
        else:
            index = self.rng.randrange(len(self._waiting))
        self._last = self._waiting.pop(index)
        return self._last

    def _halt(self, why: str) -> None:
        """Stop the run (under the guard): every waiting actor wakes to Halted."""
        if self.halted is None:
            self.halted = why
        for name in self._waiting:
            self._turn[name].release()
        self._waiting.clear()

    # reporting -----------------------------------------------------------------------------
    def report(self, describe: Callable[[str, dict[str, Any]], str] | None = None) -> str:
        """The schedule, one line per step: number, actor, call, what it carried, outcome."""
        describe = describe or (lambda call, kwargs: repr(kwargs)[:120])
        lines = [f"seed {self.seed}, stay {self.stay}, {len(self.steps)} steps"
                 + (f", halted: {self.halted}" if self.halted else "")]
        lines += [f"{s.number:5} {s.actor:<16} {s.call:<36} {describe(s.call, s.kwargs)}"
                  + (f"  [{s.outcome}]" if s.outcome else "") for s in self.steps]
        return "\n".join(lines)


class Scheduled:
    """A fake seen through the scheduler: every method call waits for its actor's turn and is
    one step; ``exceptions`` and other attributes pass through."""

    def __init__(self, target: Any, service: str, actor: str, scheduler: Scheduler) -> None:
        self._target = target
        self._service = service
        self._actor = actor
        self._scheduler = scheduler

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name.startswith("_") or name == "exceptions" or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            step = self._scheduler.step(self._actor, f"{self._service}.{name}", kwargs)
            try:
                answer = attribute(*args, **kwargs)
            except Exception as error:
                step.outcome = f"raised {type(error).__name__}"
                raise
            return answer

        return call
