"""The environments, and the deploy-time variables that adjust them.

``selected(os.environ)`` returns the configurations to synthesize:

- ``ENVIRONMENTS``: comma-separated names (all by default);
- ``RUST_ROUTING_PERCENT``: integer 0..100, overrides R of every selected environment;
- ``RUST_ROUTING_PERCENT_ROUTES``: per-route R, ``route-key=N,route-key=N`` (these routes
  keep their own R; entries replace the environment's own for the same route);
- ``RUST_EMERGENCY_ROLLBACK``: ``true``/``1`` sets R to 0 and turns stickiness off on every
  weighted rule (and points canary rules at Python); ``false``/``0`` or unset: off;
- ``RUST_CANARY_ROUTES``: ``route-key,route-key`` weighted routes that get a canary rule for
  ``X-Use-Rust-Scorer: true`` (replaces the environment's list; empty for none);
- ``PYTHON_IMAGE_TAG``: overrides the image tag of the Python functions;
- ``RUST_VERSION``: the Rust release to deploy (``v1.4.0``; replaces the environment's own):
  its package, the Lambda version it publishes and the alias the Rust target groups target
  (while Rust carries traffic the deploy driver refuses another release: docs/runbook.md);
- ``RUST_SHARED_TARGET_GROUPS``: ``true``/``1`` deploys the Rust target groups' layout before
  the per-route ones (one shared per load balancer, ``shared_rust_target_groups``);
- ``RUST_KEPT_TARGET_GROUPS``: ``rust,rust-int`` retired shared Rust target groups (backend
  keys) the Lambda stack keeps: what the deploy driver sets while a live rule forwards to them;
- ``RUST_ROLLOUT_STATE``: a persisted rollout document (``model.rollout.state``), applied
  after the variables above: what the deploy driver hands to synthesis so that a deploy keeps
  the live weights.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from environments import local, production, review, staging
from model.config import EnvironmentConfig, image_tag_problem, release_problem
from model.errors import ConfigurationError
from model.rollout.state import RolloutState, applied_to

ROLLOUT_STATE_VARIABLE = "RUST_ROLLOUT_STATE"
ENVIRONMENTS: dict[str, EnvironmentConfig] = {
    module.CONFIG.name: module.CONFIG for module in (staging, review, production, local)
}

# ASCII digits only (``\d`` takes full-width and other digits too), at most three of them
# (a longer number is out of range anyway, and int() of thousands of digits raises).
_INTEGER = re.compile(r"[0-9]{1,3}")
_ROUTE_KEY = re.compile(r"[a-z][a-z0-9-]*")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def parse_route_percents(raw: str) -> tuple[tuple[str, int], ...]:
    """RUST_ROUTING_PERCENT_ROUTES: ``key=N,key=N``; each route once, each N 0..100."""
    found: dict[str, int] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep or not _ROUTE_KEY.fullmatch(key):
            raise ConfigurationError(f"RUST_ROUTING_PERCENT_ROUTES entry {item!r} is invalid: "
                                     "write route-key=N, separated by commas")
        if key in found:
            raise ConfigurationError(
                f"RUST_ROUTING_PERCENT_ROUTES sets route {key!r} twice (overlapping overrides)")
        if not _INTEGER.fullmatch(value) or not 0 <= int(value) <= 100:
            raise ConfigurationError(f"RUST_ROUTING_PERCENT_ROUTES value {value!r} for route "
                                     f"{key!r} is invalid: it must be an integer from 0 to 100")
        found[key] = int(value)
    return tuple(found.items())


def parse_switch(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} is invalid: use true or false")


def shown(raw: str, longest: int = 20) -> str:
    """``raw`` quoted for a message, cut after ``longest`` characters."""
    if len(raw) <= longest:
        return repr(raw)
    return f"{raw[:longest] + '...'!r} ({len(raw)} characters)"


def parse_rust_percent(raw: str) -> int:
    """RUST_ROUTING_PERCENT as an integer 0..100; anything else is an error naming it."""
    value = raw.strip()
    if not _INTEGER.fullmatch(value) or not 0 <= int(value) <= 100:
        raise ConfigurationError(
            f"RUST_ROUTING_PERCENT={shown(raw)} is invalid: it must be an integer from 0 to 100"
        )
    return int(value)


def selected(environ: Mapping[str, str]) -> list[EnvironmentConfig]:
    raw = environ.get("ENVIRONMENTS", "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if raw and not names:
        raise ConfigurationError(f"ENVIRONMENTS={raw!r} names no environment: leave it unset "
                                 f"for all, or name some of {', '.join(ENVIRONMENTS)}")
    unknown = [n for n in names if n not in ENVIRONMENTS]
    if unknown:
        raise ConfigurationError(
            f"ENVIRONMENTS names unknown environment(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(ENVIRONMENTS)}"
        )
    configs = [ENVIRONMENTS[n] for n in dict.fromkeys(names or ENVIRONMENTS)]
    overrides: dict[str, object] = {}
    if "RUST_ROUTING_PERCENT" in environ:
        overrides["rust_percent"] = parse_rust_percent(environ["RUST_ROUTING_PERCENT"])
    if "RUST_EMERGENCY_ROLLBACK" in environ:
        overrides["emergency_rollback"] = parse_switch(
            "RUST_EMERGENCY_ROLLBACK", environ["RUST_EMERGENCY_ROLLBACK"])
    if "RUST_CANARY_ROUTES" in environ:
        keys = tuple(k.strip() for k in environ["RUST_CANARY_ROUTES"].split(",") if k.strip())
        bad = [k for k in keys if not _ROUTE_KEY.fullmatch(k)]
        if bad:
            raise ConfigurationError(f"RUST_CANARY_ROUTES names invalid route key(s) "
                                     f"{', '.join(map(repr, bad))}")
        overrides["canary_routes"] = keys
    if "RUST_SHARED_TARGET_GROUPS" in environ:
        overrides["shared_rust_target_groups"] = parse_switch(
            "RUST_SHARED_TARGET_GROUPS", environ["RUST_SHARED_TARGET_GROUPS"])
    if "RUST_KEPT_TARGET_GROUPS" in environ:  # validation names the unknown ones
        overrides["kept_rust_target_groups"] = tuple(
            k.strip() for k in environ["RUST_KEPT_TARGET_GROUPS"].split(",") if k.strip())
    per_route = parse_route_percents(environ.get("RUST_ROUTING_PERCENT_ROUTES", ""))
    # a build chosen at deploy time: (variable, field, its check, how much of a bad value shows)
    for variable, field_name, problem_of, width in (
            ("PYTHON_IMAGE_TAG", "python_image_tag", image_tag_problem, 140),
            ("RUST_VERSION", "rust_version", release_problem, 60)):
        if variable in environ:
            value = environ[variable]
            problem = problem_of(value)
            if problem:
                raise ConfigurationError(
                    f"{variable}={shown(value, width)} is invalid: {problem}")
            overrides[field_name] = value
    chosen = [replace(config, **overrides,
                      route_rust_percent=_merged(config.route_rust_percent, per_route))
              for config in configs]
    if ROLLOUT_STATE_VARIABLE in environ:
        try:
            state = RolloutState.from_json(environ[ROLLOUT_STATE_VARIABLE])
        except ConfigurationError as error:
            raise ConfigurationError(f"{ROLLOUT_STATE_VARIABLE}: {error}") from None
        chosen = [applied_to(config, state) for config in chosen]
    return chosen


def _merged(own: tuple[tuple[str, int], ...],
            given: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    given_keys = {k for k, _ in given}
    return tuple((k, r) for k, r in own if k not in given_keys) + given
