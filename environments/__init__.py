"""The environments, and the deploy-time variables that adjust them.

``selected(os.environ)`` returns the configurations to synthesize:

- ``ENVIRONMENTS``: comma-separated names (all by default);
- ``RUST_ROUTING_PERCENT``: integer 0..100, overrides R of every selected environment;
- ``PYTHON_IMAGE_TAG``: overrides the image tag of the Python functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from environments import local, production, review, staging
from modules.errors import ConfigurationError
from stacks.config import EnvironmentConfig, image_tag_problem

ENVIRONMENTS: dict[str, EnvironmentConfig] = {
    module.CONFIG.name: module.CONFIG for module in (staging, review, production, local)
}

_INTEGER = re.compile(r"^\d+$")


def parse_rust_percent(raw: str) -> int:
    """RUST_ROUTING_PERCENT as an integer 0..100; anything else is an error naming it."""
    value = raw.strip()
    if not _INTEGER.match(value) or not 0 <= int(value) <= 100:
        raise ConfigurationError(
            f"RUST_ROUTING_PERCENT={raw!r} is invalid: it must be an integer from 0 to 100"
        )
    return int(value)


def selected(environ: Mapping[str, str]) -> list[EnvironmentConfig]:
    names = [n.strip() for n in environ.get("ENVIRONMENTS", "").split(",") if n.strip()]
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
    if "PYTHON_IMAGE_TAG" in environ:
        tag = environ["PYTHON_IMAGE_TAG"]
        problem = image_tag_problem(tag)
        if problem:
            raise ConfigurationError(f"PYTHON_IMAGE_TAG={tag!r} is invalid: {problem}")
        overrides["python_image_tag"] = tag
    return [replace(config, **overrides) for config in configs]
