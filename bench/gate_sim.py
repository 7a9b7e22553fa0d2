#!/usr/bin/env python
"""The rollout gates on synthetic traffic: false aborts and detection times, the sequential
gates (``model.rollout.gates`` + ``model.rollout.state.decide``) beside the fixed margins
they replaced (``Legacy``, kept here as the baseline), on the same streams.

    pipenv run python bench/gate_sim.py [--runs 300] [--detect-runs 20] [--seed 17]

(``make bench`` runs it first.)

A rollout of three weighted routes of the catalog, at 2, 20 and 200 requests per second,
steps 5, 10, 25, 50, 100, each step baked for the default bake (the stickiness duration) and
judged every minute with the production environment's controller policy (progress deadline,
concurrency limit) and false-abort budget (``ops.controller.gates.budget``). Per minute and
route side: requests (split by R), 5XX and 4XX counts (Poisson), latency lognormal (the
counts slower than the gates' thresholds, as CloudWatch's ``PR(:t)`` gives them; for the
fixed-margin p99 an estimate of the window's p99 with the sampling error of an empirical
quantile); the Rust function's invocations (Rust's requests) and errors.

Reported: A/A (Rust answering like Python) false aborts per rollout with a 95 % upper
(Clopper-Pearson, zero-failure: 1 - 0.05^(1/n)) bound, and how the rollouts end; minutes
from the regression's start to the abort for a +1 point 5XX regression and for a latency
regression (x1.5: p99 400 -> 600 ms) on the route at each rate, starting at R = 5 at the
step's start, and for the 5XX regression starting 30 minutes into the step.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist, median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from environments import ENVIRONMENTS
from model.catalog.alarm_policy import LAMBDA_ERRORS, TARGET_4XX, TARGET_5XX
from model.catalog.gates import GATES, INVOCATIONS, REQUEST_COUNT, SLOW_S, TARGET_P99_S
from model.catalog.route_table import ROUTES
from model.rollout import state as rs
from model.rollout.gates import FUNCTION, Gate, Series, Verdict, alarm_verdict, gates_at
from ops.controller.gates import budget

CONFIG = ENVIRONMENTS["production"]
POLICY = CONFIG.controller
RATES = (2, 20, 200)  # requests per second of each route of the rollout
STEPS = (5, 10, 25, 50, 100)
BAKE_S = max((getattr(r.action, "stickiness_seconds", 0) for r in ROUTES), default=3600)
WEIGHTED = tuple(r.key for r in ROUTES if r.action.weighted)
T0 = 1_800_000_000 - 1_800_000_000 % 60
P_5XX, P_4XX, P_FN_ERRORS = 0.001, 0.02, 0.0005
MEDIAN_S, SIGMA = 0.120, math.log(0.400 / 0.120) / NormalDist().inv_cdf(0.99)  # p99 400 ms
LATENCY_REGRESSION = 1.5
_Z99 = NormalDist().inv_cdf(0.99)
_QUANTILE_SE = SIGMA * math.sqrt(0.99 * 0.01) / NormalDist().pdf(_Z99)  # of ln p99, x sqrt(n)
ROUTE_GATES = tuple(g for g in GATES if g.scope == "route")
FUNCTION_GATES = tuple(g for g in GATES if g.scope == "function")
SLOW = {g.events.percent_rank: g.events for g in GATES if g.events.percent_rank}


def poisson(rng: random.Random, mean: float) -> int:
    """Poisson counts: inversion for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


@lru_cache(maxsize=4096)
def slower(t: float, scale: float) -> float:
    """The share of requests slower than ``t`` seconds, latency scaled by ``scale``."""
    return 1 - NormalDist().cdf(math.log(t / (MEDIAN_S * scale)) / SIGMA)


@dataclass(frozen=True)
class Scenario:
    name: str
    rate: int | None = None  # the route that regresses: the one at this rate
    rust_5xx: float = P_5XX
    latency: float = 1.0
    after_min: int = 0  # minutes into the first step when it begins


@dataclass
class Side:
    """What the fixed-margin gates keep of one route side over the step."""

    n: float = 0.0
    x5: float = 0.0
    x4: float = 0.0
    groups: dict[float, float] = field(default_factory=dict)  # latency scale -> requests
    noise: float = 0.0  # sum of sqrt(n_m) Z_m: the window's p99 estimation error

    def p99(self) -> float | None:
        if not self.n:
            return None
        if len(self.groups) == 1:  # one distribution: its p99 in closed form
            (scale,) = self.groups
            return MEDIAN_S * scale * math.exp(SIGMA * _Z99 + _QUANTILE_SE * self.noise / self.n)
        low, high = 0.001, 60.0
        for _ in range(40):  # the window's mixture quantile, by bisection in log space
            mid = math.sqrt(low * high)
            below = sum(w * (1 - slower(mid, s)) for s, w in self.groups.items()) / self.n
            low, high = (mid, high) if below < 0.99 else (low, mid)
        return mid * math.exp(_QUANTILE_SE * self.noise / self.n)


class Legacy:
    """Today's gates, as they were: over the step's cumulative window, at least 100 requests
    a side, then Rust's 5XX ratio <= Python's + 0.5 points, 4XX + 1 point, p99 <= 1.25 x."""

    MIN = 100

    @staticmethod
    def verdicts(route: str, python: Side, rust: Side) -> list[Verdict]:
        if min(python.n, rust.n) < Legacy.MIN:
            return [Verdict(route, g, "inconclusive", "few") for g in ("5xx", "4xx", "p99")]
        found = []
        for name, p, r, bound in (
                ("5xx", 100 * python.x5 / python.n, 100 * rust.x5 / rust.n, 0.5),
                ("4xx", 100 * python.x4 / python.n, 100 * rust.x4 / rust.n, 1.0)):
            found.append(Verdict(route, name, "green" if r <= p + bound else "red", ""))
        p99_p, p99_r = python.p99(), rust.p99()
        assert p99_p is not None and p99_r is not None
        found.append(Verdict(route, "p99", "green" if p99_r <= 1.25 * p99_p else "red", ""))
        return found


@dataclass
class Run:
    outcome: str = ""  # done, aborted (elsewhere: for another route), paused, or cap
    minutes: int = 0  # from the regression's start to the abort
    r: int = 0  # R at the abort


def simulate(scenario: Scenario, seed: int, legacy: bool, rates: tuple[int, ...] = RATES,
             cap_min: int = 2000) -> Run:
    """One rollout of routes at ``rates`` through the real ``decide``, judged by the
    sequential gates or by the fixed margins, minute by minute (the regressing route is
    the one at ``scenario.route``'s rate)."""
    rng = random.Random(seed)
    keys = WEIGHTED[:len(rates)]
    state = rs.start(rs.RolloutState(routes=dict.fromkeys(keys, 0)), STEPS, BAKE_S, keys, T0,
                     "bench", "start")
    plan = budget(CONFIG, state, GATES)
    rate = dict(zip(keys, rates, strict=True))
    regressing = next((k for k in keys if rate[k] == scenario.rate), None)
    now, began = T0, None

    def fresh() -> tuple[dict, dict]:
        return ({(k, g.name): g.start() for k in keys for g in ROUTE_GATES}
                | {(FUNCTION, g.name): g.start() for g in FUNCTION_GATES},
                {(k, s): Side() for k in keys for s in ("python", "rust")})

    evidence, sides = fresh()
    for minute in range(1, cap_min + 1):
        now += 60
        r = state.routes[keys[0]]
        step_min = (now - (state.step_started_at or T0)) // 60
        invocations = 0.0
        for key in keys:
            total = rate[key] * 60
            n_r = round(total * r / 100)
            n_p = total - n_r
            bad = regressing == key and (began is not None or step_min >= scenario.after_min)
            if bad and began is None:
                began = minute - 1
            minute_of = {}
            for side, n in (("python", n_p), ("rust", n_r)):
                rust_bad = side == "rust" and bad
                p5 = scenario.rust_5xx if rust_bad else P_5XX
                scale = scenario.latency if rust_bad else 1.0
                x5, x4 = poisson(rng, n * p5), poisson(rng, n * P_4XX)
                s_target = slower(TARGET_P99_S, scale)
                x_target = min(n, poisson(rng, n * s_target))
                x_slow = sum(rng.random() < slower(SLOW_S, scale) / s_target
                             for _ in range(x_target)) if x_target < 200 else min(
                    x_target, poisson(rng, n * slower(SLOW_S, scale)))
                at = {SLOW_S: x_slow, TARGET_P99_S: x_target}
                minute_of[side] = {REQUEST_COUNT: n, Series(TARGET_5XX): x5,
                                   Series(TARGET_4XX): x4,
                                   **({SLOW[t]: 100 * (1 - at[t] / n) for t in SLOW} if n else {})}
                kept = sides[(key, side)]
                kept.n, kept.x5, kept.x4 = kept.n + n, kept.x5 + x5, kept.x4 + x4
                kept.groups[scale] = kept.groups.get(scale, 0.0) + n
                kept.noise += math.sqrt(n) * rng.gauss(0, 1)
            invocations += n_r
            for gate in ROUTE_GATES:
                evidence[(key, gate.name)] = gate.add(evidence[(key, gate.name)],
                                                      minute_of["python"], minute_of["rust"])
        function = {INVOCATIONS: invocations,
                    Series(LAMBDA_ERRORS): poisson(rng, invocations * P_FN_ERRORS)}
        for gate in FUNCTION_GATES:
            evidence[(FUNCTION, gate.name)] = gate.add(evidence[(FUNCTION, gate.name)], {},
                                                       function)
        verdicts = [alarm_verdict([])]
        if legacy and r < 100:  # all three compare with Python: none at R = 100
            for key in keys:
                verdicts += Legacy.verdicts(key, sides[(key, "python")], sides[(key, "rust")])
        elif not legacy:
            # decide aborts on any red, advances when all are green, else waits (or pauses
            # at the deadline): so every gate is asked whether it is red (Gate.red, the part
            # of Gate.judge that says so) and, after the bake, judged in full until the
            # first that is not green; what decide does is the same as with every verdict
            judged = [(key, gate) for key in (*keys, FUNCTION) for gate in _gates_of(key, r)]
            verdicts += [Verdict(key, gate.name, "red", "") for key, gate in judged
                         if gate.red(evidence[(key, gate.name)], plan)]
            if len(verdicts) == 1 and not state.bake_left(now):
                for key, gate in judged:
                    verdicts.append(gate.judge(key, evidence[(key, gate.name)], plan))
                    if verdicts[-1].status != "green":
                        break
        decision = rs.decide(state, now, verdicts, POLICY)
        if decision.action == "abort":
            red = {v.route for v in verdicts if v.status == "red"}
            return Run("aborted" if regressing is None or regressing in red else "elsewhere",
                       minute - (began if began is not None else 0), r)
        if decision.action == "pause":
            return Run("paused", 0, r)
        if decision.action == "advance":
            state = rs.advance(state, now, verdicts, "bench")
            if state.phase == "done":
                return Run("done", 0, 100)
            evidence, sides = fresh()
            plan = budget(CONFIG, state, GATES)
    return Run("cap", 0, state.routes[keys[0]])


def _gates_of(key: str, r: int) -> tuple[Gate, ...]:
    return FUNCTION_GATES if key == FUNCTION else gates_at(ROUTE_GATES, r)


def upper_bound(failures: int, runs: int) -> float:
    """A 95 % one-sided upper bound on a rate (Clopper-Pearson; exact for zero failures,
    a Wilson bound otherwise)."""
    if not failures:
        return 1 - 0.05 ** (1 / runs)
    p, z = failures / runs, 1.645
    return (p + z * z / (2 * runs) + z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs ** 2))
            ) / (1 + z * z / runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300,
                        help="A/A rollouts per kind of gate (a third of them for the rollout "
                             "with the 2 req/s route, which pauses at its first step)")
    parser.add_argument("--detect-runs", type=int, default=20, help="runs per detection case")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    for rates, count in ((RATES, max(1, args.runs // 3)), (RATES[1:], args.runs)):
        keys = WEIGHTED[:len(rates)]
        first = rs.start(rs.RolloutState(routes=dict.fromkeys(keys, 0)), STEPS, BAKE_S, keys,
                         T0, "bench", "start")
        plan = budget(CONFIG, first, GATES)
        print(f"A/A (Rust answers like Python), a rollout of {len(keys)} routes at "
              f"{', '.join(map(str, rates))} req/s; steps {','.join(map(str, STEPS))}, bake "
              f"{BAKE_S // 60} min, progress deadline {POLICY.progress_deadline_s // 60} min; "
              f"alpha per test {plan.alpha:.2g}, horizon {plan.horizon} min")
        print(f"  {'gates':<11} {'runs':>5} {'aborted':>8} {'rate':>7} {'95 % upper':>11}  "
              "how the rollouts end")
        for legacy in (False, True):
            ends: dict[str, int] = {}
            for n in range(count):
                run = simulate(Scenario("A/A"), args.seed * 100_003 + n, legacy, rates)
                ends[run.outcome] = ends.get(run.outcome, 0) + 1
            aborted = ends.get("aborted", 0)
            print(f"  {'fixed' if legacy else 'sequential':<11} {count:>5} {aborted:>8} "
                  f"{aborted / count:>7.2%} {upper_bound(aborted, count):>11.2%}  "
                  + ", ".join(f"{k} {v}" for k, v in sorted(ends.items())))
        print()
    print(f"detection, a rollout at {', '.join(map(str, RATES))} req/s, one route regressing: "
          f"minutes from the regression's start to the abort, median / 90th percentile of "
          f"{args.detect_runs} runs (n: runs without an abort; e: runs aborted by a red gate of "
          "another route first)")
    cases = [("+1 pp 5XX at R 5", {"rust_5xx": P_5XX + 0.01}),
             ("latency x1.5 at R 5", {"latency": LATENCY_REGRESSION}),
             ("+1 pp 5XX from min 30", {"rust_5xx": P_5XX + 0.01, "after_min": 30})]
    print(f"  {'regression':<22} {'req/s':>5}  {'sequential':<22} {'fixed':<22}")
    for title, change in cases:
        for rate in RATES:
            scenario = replace(Scenario(title, rate), **change)  # type: ignore[arg-type]
            cells = []
            for legacy in (False, True):
                runs = [simulate(scenario, args.seed * 7919 + n, legacy)
                        for n in range(args.detect_runs)]
                caught = sorted(r.minutes for r in runs if r.outcome == "aborted")
                elsewhere = sum(r.outcome == "elsewhere" for r in runs)
                missed = len(runs) - len(caught) - elsewhere
                notes = ", ".join([*([f"n {missed}"] if missed else []),
                                   *([f"e {elsewhere}"] if elsewhere else [])])
                if caught:
                    p90 = caught[min(len(caught) - 1, int(0.9 * len(caught)))]
                    cells.append(f"{median(caught):.0f} / {p90} min"
                                 + (f" ({notes})" if notes else ""))
                else:
                    cells.append(f"not detected ({notes})")
            print(f"  {title:<22} {rate:>5}  {cells[0]:<22} {cells[1]:<22}")
    print()
    print(f"({time.perf_counter() - started:.0f} s, {time.process_time() - cpu:.0f} s of CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
