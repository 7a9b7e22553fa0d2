"""What a Lambda function is, as data: code, memory, timeout, architecture, backends.

Pure data (no provider import), so the whole model can be validated without loading the
AWS provider bindings; ``modules.lambda_function`` turns a spec into resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from model.routing.backend import Backend

T = TypeVar("T", covariant=True)
Artifact = Literal["api", "rust"]  # which zip package a function runs


class CodeResolver(Protocol[T]):
    """Turns a function's code into what a construct needs of it: its package type and
    handler (``modules/lambda_function.py``), where it comes from (``stacks/lambdas.py``)."""

    def image(self, command: str) -> T: ...

    def zip(self, handler: str, runtime: str, artifact: Artifact) -> T: ...


@dataclass(frozen=True)
class ImageCode:
    """A container image function; ``command`` is the handler given as the image command."""

    command: str

    def resolve(self, resolver: CodeResolver[T]) -> T:
        return resolver.image(self.command)


@dataclass(frozen=True)
class ZipCode:
    """A zip function; ``artifact`` names which package it runs (``api`` or ``rust``)."""

    handler: str
    runtime: str
    artifact: Artifact

    def resolve(self, resolver: CodeResolver[T]) -> T:
        return resolver.zip(self.handler, self.runtime, self.artifact)


FunctionCode = ImageCode | ZipCode


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code: FunctionCode
    memory_mb: int
    timeout_s: int
    architecture: Literal["x86_64", "arm64"]
    backends: tuple[Backend, ...]
    layers: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    set_environment_name: bool = False
    # Released: each deploy of a release (``EnvironmentConfig.rust_version``) publishes a
    # version naming it, and its target groups target the alias ``model.config.RUST_ALIAS``
    # pointing at that version (docs/rollout.md, Rust releases).
    released: bool = False
