"""Listener actions as values, modelled on AWS CDK's elbv2 ``ListenerAction``.

Each action knows everything about itself: which backends it uses and with what weight
(``targets``), what is wrong with it (``problems``), how it reads in the docs and in the
``routes`` command (``describe``, ``explain``, ``view``), how it changes under a rollout
(``rolled_out``) and how it becomes a Terraform block (``render``). Rendering goes through
an ``ActionRenderer``, which the constructs implement with the provider's typed structs, so
this module never imports cdktf and no code outside it asks which kind an action is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, TypeVar

STICKINESS_MAX_SECONDS = 604_800
WEIGHT_MAX = 999
FIXED_RESPONSE_BODY_MAX = 1024  # bytes
FIXED_RESPONSE_CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript",
                                "application/json")

T = TypeVar("T", covariant=True)
ArnOf = Callable[[str], str]  # backend key -> target group ARN (a token at synth time)


class ActionRenderer(Protocol[T]):
    """Turns an action into one provider block (rule action or listener default action)."""

    def forward(self, target_group_arn: str) -> T: ...

    def weighted_forward(self, targets: list[tuple[str, int]], sticky: bool,
                         duration_s: int) -> T: ...

    def fixed_response(self, status_code: int, content_type: str, body: str) -> T: ...

    def redirect(self, port: int, protocol: str, status_code: str) -> T: ...


@dataclass(frozen=True)
class Target:
    """One backend of a forward action and its weight (None for a plain forward)."""

    backend: str
    weight: int | None = None


@dataclass(frozen=True)
class ActionView:
    """How an action reads in a route table: targets (target group name, weight),
    stickiness in seconds when on, the fixed response as text."""

    targets: tuple[tuple[str, int | None], ...] = ()
    stickiness: int | None = None
    fixed_response: str | None = None

    def same(self, other: ActionView) -> bool:
        """The same action, in whatever order its target groups are listed (the provider
        holds them as a set: the API may list them in another order than the model)."""
        return (sorted(self.targets, key=str), self.stickiness, self.fixed_response) == (
            sorted(other.targets, key=str), other.stickiness, other.fixed_response)

    @classmethod
    def from_api(cls, action: Mapping[str, Any], name_of: Callable[[str], str]) -> ActionView:
        """A ``describe_rules`` action; ``name_of``: target group ARN -> name."""
        forward = action.get("ForwardConfig") or {}
        groups = forward.get("TargetGroups") or []
        if len(groups) > 1:
            sticky = forward.get("TargetGroupStickinessConfig") or {}
            return cls(targets=tuple((name_of(g["TargetGroupArn"]), int(g.get("Weight", 1)))
                                     for g in groups),
                       stickiness=int(sticky["DurationSeconds"]) if sticky.get("Enabled")
                       else None)
        if action["Type"] == "forward":
            arn = action.get("TargetGroupArn") or groups[0]["TargetGroupArn"]
            return cls(targets=((name_of(arn), None),))
        if action["Type"] == "fixed-response":
            fixed = action["FixedResponseConfig"]
            return cls(fixed_response=f"{fixed['StatusCode']} {fixed.get('ContentType')} "
                                      f"{fixed.get('MessageBody')}")
        return cls()

    @classmethod
    def from_state(cls, action: Mapping[str, Any], name_of: Callable[[str], str]) -> ActionView:
        """A Terraform state rule's ``action`` block."""
        forward = (action.get("forward") or [None])[0]
        fixed = (action.get("fixed_response") or [None])[0]
        if forward and forward.get("target_group"):
            sticky = (forward.get("stickiness") or [{}])[0]
            return cls(targets=tuple((name_of(t["arn"]), int(t["weight"]))
                                     for t in forward["target_group"]),
                       stickiness=int(sticky["duration"]) if sticky.get("enabled") else None)
        if action.get("target_group_arn"):
            return cls(targets=((name_of(action["target_group_arn"]), None),))
        if fixed:
            return cls(fixed_response=f"{fixed['status_code']} {fixed['content_type']} "
                                      f"{fixed['message_body']}")
        return cls()


class Action:
    """What every action answers; the defaults are those of an action without backends."""

    weighted: ClassVar[bool] = False

    def backends(self) -> tuple[str, ...]:
        return ()

    def targets(self) -> tuple[Target, ...]:
        return ()

    def problems(self) -> list[str]:
        return []

    def rolled_out(self, rust_percent: int, sticky: bool) -> Action:
        """This action with an environment's R and stickiness applied (only weighted
        forwards change)."""
        return self

    def canary(self) -> Action | None:
        """The action of this route's canary rule; None: the route takes no canary."""
        return None

    def split(self) -> tuple[str, str] | None:
        """(Python backend, Rust backend) of an action that splits traffic between them."""
        return None

    def render(self, renderer: ActionRenderer[T], arn_of: ArnOf) -> T:
        raise NotImplementedError

    def describe(self) -> str:
        """Markdown for docs/routing.md."""
        raise NotImplementedError

    def view(self, names: Mapping[str, str]) -> ActionView:
        """``names``: backend key -> target group name."""
        return ActionView(targets=tuple((names[t.backend], t.weight) for t in self.targets()))

    def explain(self, names: Mapping[str, str]) -> list[str]:
        """Lines saying where a request served by this action goes."""
        lines = []
        for target in self.targets():
            share = "all traffic" if target.weight is None else f"weight {target.weight}"
            lines.append(f"-> {target.backend} ({names[target.backend]}): {share}")
        return lines

    def explain_json(self, names: Mapping[str, str]) -> dict[str, Any]:
        return {"targets": [{"backend": t.backend, "target_group": names[t.backend],
                             "weight": t.weight} for t in self.targets()],
                "stickiness": None}


@dataclass(frozen=True)
class Forward(Action):
    """Forward every request to one backend."""

    backend: str

    def backends(self) -> tuple[str, ...]:
        return (self.backend,)

    def targets(self) -> tuple[Target, ...]:
        return (Target(self.backend),)

    def render(self, renderer: ActionRenderer[T], arn_of: ArnOf) -> T:
        return renderer.forward(arn_of(self.backend))

    def describe(self) -> str:
        return f"forward `{self.backend}`"


@dataclass(frozen=True)
class WeightedForward(Action):
    """Python gets ``100 - R``, Rust ``R`` (Python listed first), sticky per target group.

    A weight of 0 keeps the target group in the action, so changing R changes weights only
    and never adds or removes resources. The route table declares R = 0; an environment's
    R is applied by ``model.rollout.controls.effective_routes`` (``rolled_out``); ``sticky=False``
    is the emergency rollback.
    """

    weighted: ClassVar[bool] = True

    python: str
    rust: str
    stickiness_seconds: int = 3600
    rust_percent: int = 0
    sticky: bool = True

    def backends(self) -> tuple[str, ...]:
        return (self.python, self.rust)

    def targets(self) -> tuple[Target, ...]:
        return (Target(self.python, 100 - self.rust_percent),
                Target(self.rust, self.rust_percent))

    def problems(self) -> list[str]:
        found = [f"weight {t.weight} of {t.backend!r} is outside 0..{WEIGHT_MAX}"
                 for t in self.targets()
                 if t.weight is not None and not 0 <= t.weight <= WEIGHT_MAX]
        if self.python == self.rust:
            found.append(f"forwards twice to {self.python!r}")
        if not 1 <= self.stickiness_seconds <= STICKINESS_MAX_SECONDS:
            found.append(
                f"stickiness {self.stickiness_seconds} s is outside 1..{STICKINESS_MAX_SECONDS}")
        return found

    def split(self) -> tuple[str, str]:
        return (self.python, self.rust)

    def rolled_out(self, rust_percent: int, sticky: bool) -> WeightedForward:
        return replace(self, rust_percent=rust_percent, sticky=sticky)

    def canary(self) -> Forward:
        """The action of this route's canary rule: Rust, or Python when not sticky (the
        emergency rollback sends canary traffic back too)."""
        return Forward(self.rust if self.sticky else self.python)

    def render(self, renderer: ActionRenderer[T], arn_of: ArnOf) -> T:
        return renderer.weighted_forward(
            [(arn_of(t.backend), int(t.weight or 0)) for t in self.targets()],
            self.sticky, self.stickiness_seconds)

    def describe(self) -> str:
        return (f"weighted: `{self.python}` 100-R, `{self.rust}` R, "
                f"sticky {self.stickiness_seconds} s")

    def view(self, names: Mapping[str, str]) -> ActionView:
        return replace(super().view(names),
                       stickiness=self.stickiness_seconds if self.sticky else None)

    def explain(self, names: Mapping[str, str]) -> list[str]:
        sticky = (f"sticky for {self.stickiness_seconds} s (cookie AWSALBTG)" if self.sticky
                  else "not sticky (emergency rollback)")
        return [*super().explain(names), sticky]

    def explain_json(self, names: Mapping[str, str]) -> dict[str, Any]:
        return {**super().explain_json(names),
                "stickiness": self.stickiness_seconds if self.sticky else None}


@dataclass(frozen=True)
class FixedResponse(Action):
    """Answer at the load balancer without a backend."""

    status_code: int
    content_type: str
    body: str

    def problems(self) -> list[str]:
        found = []
        if not (200 <= self.status_code <= 299 or 400 <= self.status_code <= 599):
            found.append(f"fixed response status {self.status_code} is not 2XX, 4XX or 5XX "
                         "(what ALB allows)")
        if self.content_type not in FIXED_RESPONSE_CONTENT_TYPES:
            found.append(f"fixed response content type {self.content_type!r} is not one ALB "
                         f"accepts ({', '.join(FIXED_RESPONSE_CONTENT_TYPES)})")
        size = len(self.body.encode())
        if size > FIXED_RESPONSE_BODY_MAX:
            found.append(f"fixed response body is {size} bytes, more than "
                         f"{FIXED_RESPONSE_BODY_MAX}")
        return found

    def render(self, renderer: ActionRenderer[T], arn_of: ArnOf) -> T:
        return renderer.fixed_response(self.status_code, self.content_type, self.body)

    def text(self) -> str:
        return f"{self.status_code} {self.content_type} {self.body}"

    def describe(self) -> str:
        return f"fixed response {self.status_code} `{self.content_type}`"

    def view(self, names: Mapping[str, str]) -> ActionView:
        return ActionView(fixed_response=self.text())

    def explain(self, names: Mapping[str, str]) -> list[str]:
        return [f"fixed response {self.text()}"]

    def explain_json(self, names: Mapping[str, str]) -> dict[str, Any]:
        return {"fixed_response": self.status_code}


@dataclass(frozen=True)
class Redirect(Action):
    """Redirect to another port and protocol (the public ALB's HTTP listener)."""

    port: int
    protocol: str
    status_code: str = "HTTP_301"

    def render(self, renderer: ActionRenderer[T], arn_of: ArnOf) -> T:
        return renderer.redirect(self.port, self.protocol, self.status_code)

    def describe(self) -> str:
        return f"redirect to {self.protocol} :{self.port}"

    def explain(self, names: Mapping[str, str]) -> list[str]:
        return [self.describe()]

    def explain_json(self, names: Mapping[str, str]) -> dict[str, Any]:
        return {"redirect": f"{self.protocol}:{self.port}"}


def forward(backend: str) -> Forward:
    return Forward(backend)


def weighted_forward(python: str, rust: str, stickiness_seconds: int = 3600) -> WeightedForward:
    return WeightedForward(python, rust, stickiness_seconds)


def fixed_response(status_code: int, content_type: str, body: str) -> FixedResponse:
    return FixedResponse(status_code, content_type, body)
