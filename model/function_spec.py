"""What a Lambda function is, as data: code, memory, timeout, architecture, backends.

Pure data (no provider import), so the whole model can be validated without loading the
AWS provider bindings; ``modules.lambda_function`` turns a spec into resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model.routing.backend import Backend


@dataclass(frozen=True)
class ImageCode:
    """A container image function; ``command`` is the handler given as the image command."""

    command: str


@dataclass(frozen=True)
class ZipCode:
    """A zip function; ``artifact`` names which package it runs (``api`` or ``rust``)."""

    handler: str
    runtime: str
    artifact: Literal["api", "rust"]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code: ImageCode | ZipCode
    memory_mb: int
    timeout_s: int
    architecture: Literal["x86_64", "arm64"]
    backends: tuple[Backend, ...]
    layers: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    set_environment_name: bool = False
