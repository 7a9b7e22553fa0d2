"""Anytime-valid sequential tests for the rollout gates (docs/rollout.md), in plain Python.

The controller looks at the evidence every minute. A fixed threshold checked every minute
aborts falsely far more often than its nominal level; these tests bound the probability of a
false abort over every look at once (Ville's inequality), the approach of Lindon, Sanden and
Shirikian, "Rapid Regression Detection in Software Deployments through Sequential Testing"
(KDD 2022) and of Howard, Ramdas et al. (time-uniform confidence sequences).

**Per minute, an e-value.** A minute gives counts: requests and events (5XX, 4XX, or requests
slower than a threshold).

- *Two-sample* (Rust against Python on one route): Python (n_P, x_P), Rust (n_R, x_R). Given
  the minute's k = x_P + x_R events, under H0 (the same event probability on both sides) the
  number of Rust events is hypergeometric: which of the N = n_P + n_R requests the k events
  fell on. Its likelihood ratio against "each event is Rust's with probability q(theta) =
  theta w / (theta w + 1 - w)", w = n_R / N, is ``(q/w)^x_R ((1-q)/(1-w))^(k-x_R)``: convex
  in x_R, so its expectation under the hypergeometric is at most its expectation under
  Bin(k, w) (Hoeffding 1963, sampling without replacement), which is 1; and increasing in
  x_R, so Rust at most as error-prone as Python (the one-sided null, a noncentral
  hypergeometric with odds <= 1) gives at most 1 too. Conditioning on k removes Python's
  unknown baseline: the test needs no estimate of it.
- *One-sample* (Rust's own share against a service target p0): x of n Rust requests; the
  ratio of Bin(n, p1) to Bin(n, p0), p1 > p0, has expectation <= 1 whenever the share is at
  most p0.

Each alternative is a fixed grid of odds ratios (``ODDS``), equally weighted: a mixture of
e-values is an e-value, so no alternative has to be guessed.

**Across minutes, without dilution: Shiryaev-Roberts.** A plain product of the minutes'
e-values from the step's start is pushed down by every good minute before a regression began
(one hour of good minutes makes a late regression need far more evidence). The
Shiryaev-Roberts statistic sums the products over every start minute s:
``R_t = (1 + R_{t-1}) L_t`` (per alternative, then mixed), so a regression that began at
minute s is judged by the minutes since s only. Under H0, E[R_t | past] <= 1 + R_{t-1}, so
``R_t + (T - t)`` is a non-negative supermartingale from T and Ville's inequality gives
``P(max_{t <= T} R_t >= T / alpha) <= alpha``: the price of not being diluted is the horizon
T (log T of evidence). Past the horizon the bound continues in epochs: the k-th epoch ends at
T 2^k minutes with alpha / 2^(k+1) of the budget (``threshold``), so the false-abort
probability stays below alpha however long the step is watched. (Restarting a plain product
every few minutes, spending alpha per restart, was the alternative; it pays the same log
factor and loses the evidence at every restart.)

**Green needs power, not only silence.** ``minimum_two_sample`` and ``minimum_one_sample``
give the sample with which a regression of the declared size, present since the window's
start, would have crossed the threshold with the declared power (normal approximation of
the log-likelihood ratio's sum, the best single alternative of the grid, its weight
counted): a gate is green only once the observed sample reaches it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

ODDS: tuple[float, ...] = (1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0)  # theta, the grid
_CAP = 1e300  # an e-process far past any threshold stays there, without overflowing
_EXP_MAX = 690.0


class StatsError(ValueError):
    """A count or a parameter outside its domain: the message names it and the limit."""


def _check(name: str, value: float, low: float, high: float | None = None) -> None:
    if type(value) in (int, float) and low <= value and (high is None or value <= high):
        return  # the common case, first
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value) \
            or value < low or (high is not None and value > high):
        limit = f"within {low:g}..{high:g}" if high is not None else f"at least {low:g}"
        raise StatsError(f"{name} is {value!r}; it must be {limit}")


def threshold(alpha: float, horizon: int, minutes: int) -> float:
    """The value the Shiryaev-Roberts statistic must reach after ``minutes`` looks to reject
    at level ``alpha`` over every look: T_k / alpha_k for the epoch k holding ``minutes``
    (T_k = horizon 2^k, alpha_k = alpha / 2^(k+1))."""
    _check("alpha", alpha, 1e-300, 0.5)
    _check("horizon", horizon, 1)
    _check("minutes", minutes, 0)
    epoch = 0
    while horizon * 2 ** epoch < minutes:
        epoch += 1
    return horizon * 2 ** epoch * 2 ** (epoch + 1) / alpha


@dataclass(frozen=True)
class Process:
    """A Shiryaev-Roberts statistic per alternative of ``ODDS`` and the minutes it has seen."""

    r: tuple[float, ...] = (0.0,) * len(ODDS)
    minutes: int = 0

    @property
    def value(self) -> float:
        """The mixture (equal weights)."""
        return sum(self.r) / len(self.r)

    def idle(self, minutes: int) -> Process:
        """``minutes`` more looks without evidence (each e-value 1): what ``step(None)``
        does that many times, at once (a step watched for weeks costs no loop per minute)."""
        if minutes <= 0:
            return self
        return Process(tuple(min(_CAP, r + minutes) for r in self.r), self.minutes + minutes)

    def step(self, log_ratios: tuple[float, ...] | None) -> Process:
        """One more minute whose e-values are ``exp(log_ratios)`` (None: no evidence, each 1)."""
        if log_ratios is None:
            return Process(tuple(min(_CAP, 1 + r) for r in self.r), self.minutes + 1)
        return Process(tuple(min(_CAP, (1 + r) * math.exp(min(_EXP_MAX, lr)))
                             for r, lr in zip(self.r, log_ratios, strict=True)),
                       self.minutes + 1)


def _odds(p: float, theta: float) -> float:
    return theta * p / (theta * p + 1 - p)


def two_sample_log_ratios(n_p: float, x_p: float, n_r: float, x_r: float
                          ) -> tuple[float, ...] | None:
    """Per alternative, the log of the minute's e-value that Rust's event odds exceed
    Python's (None: no events or a side without requests, no evidence)."""
    for name, value in (("Python requests", n_p), ("Python events", x_p),
                        ("Rust requests", n_r), ("Rust events", x_r)):
        _check(name, value, 0)
    if x_p > n_p or x_r > n_r:
        raise StatsError(f"events exceed requests (Python {x_p:g} of {n_p:g}, Rust {x_r:g} "
                         f"of {n_r:g})")
    k = x_p + x_r
    if not k or not n_p or not n_r:
        return None
    return tuple(x_r * up + x_p * down for up, down in _coefficients(n_r / (n_r + n_p)))


@lru_cache(maxsize=512)
def _coefficients(p: float) -> tuple[tuple[float, float], ...]:
    """Per alternative theta: the log-likelihood ratio of an event (``up``) and of a
    non-event (``down``) when the null's probability is ``p`` and the alternative's has
    ``theta`` times its odds."""
    return tuple((math.log(_odds(p, t) / p), math.log((1 - _odds(p, t)) / (1 - p)))
                 for t in ODDS)


def one_sample_log_ratios(n: float, x: float, p0: float) -> tuple[float, ...] | None:
    """Per alternative, the log of the minute's e-value that the event share exceeds ``p0``
    (None: no requests)."""
    _check("requests", n, 0)
    _check("events", x, 0)
    _check("p0", p0, 1e-9, 0.5)
    if x > n:
        raise StatsError(f"events {x:g} exceed requests {n:g}")
    if not n:
        return None
    return tuple(x * up + (n - x) * down for up, down in _coefficients(p0))


def _z(power: float) -> float:
    if power not in _Z:
        _Z[power] = NormalDist().inv_cdf(power)
    return _Z[power]


_Z: dict[float, float] = {}


def _events_needed(up: float, down: float, p_up: float, need: float, z: float) -> float:
    """Trials whose i.i.d. log-ratio increments (``up`` with probability ``p_up``, else
    ``down``) sum past ``need`` with the power whose normal quantile is ``z`` (normal
    approximation); inf when they drift down."""
    mean = p_up * up + (1 - p_up) * down
    if mean <= 0:
        return math.inf
    var = p_up * (1 - p_up) * (up - down) ** 2
    root = (z * math.sqrt(var) + math.sqrt(z * z * var + 4 * mean * need)) / (2 * mean)
    return root * root


def minimum_two_sample(p_python: float, smallest: float, w: float, alpha: float,
                       horizon: int, minutes: int, power: float) -> float:
    """Rust requests with which Rust's event share ``p_python + smallest`` (Python's at
    ``p_python``, Rust carrying the share ``w`` of requests) would have crossed the
    threshold by now with probability ``power``."""
    _check("Python's share", p_python, 0, 1)
    _check("smallest regression", smallest, 1e-9, 1)
    _check("Rust's share of requests", w, 1e-9, 1 - 1e-9)
    _check("power", power, 0.5, 0.999)
    p_r = min(1.0, p_python + smallest)
    rust_weight = w * p_r
    q1 = rust_weight / (rust_weight + (1 - w) * p_python)  # an event is Rust's, alternative
    need_base = math.log(threshold(alpha, horizon, minutes) * len(ODDS))
    z = _z(power)
    best = min(_events_needed(up, down, q1, need_base, z) for up, down in _coefficients(w))
    per_rust_request = p_r + p_python * (1 - w) / w  # events per Rust request, both sides
    return best / per_rust_request


def minimum_one_sample(p0: float, smallest: float, alpha: float, horizon: int, minutes: int,
                       power: float) -> float:
    """Requests with which the share ``p0 + smallest`` would have crossed the threshold by
    now with probability ``power``."""
    _check("p0", p0, 1e-9, 0.5)
    _check("smallest regression", smallest, 1e-9, 1)
    _check("power", power, 0.5, 0.999)
    p1 = min(1.0, p0 + smallest)
    need = math.log(threshold(alpha, horizon, minutes) * len(ODDS))
    z = _z(power)
    return min(_events_needed(up, down, p1, need, z) for up, down in _coefficients(p0))
