"""The typed configuration every environment module instantiates (``environments/``), and
the names it gives every resource.

Only data and its checks live here; the stacks turn it into resources. ``problems()``
returns every error so that all of them are reported at once, before any construct exists.

Each union of this module (network, certificate, secret, artifacts, state backend) carries its
behaviour, as the listener actions do: a member resolves itself through a small resolver
protocol declared here, which the constructs implement (the model never imports cdktf), or
answers a plain fact (where its state lives); no consumer asks which member it has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from model.function_spec import Artifact
from model.names import elb_name_problem
from model.paths import PROJECT_ROOT
from model.routing.listener import LISTENERS, Listener

_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# A Rust release: v1.4.0, 1.4.0, v1.4.0-rc.1, v2026.12.01-3f2a9c1 (docs/runbook.md).
_RELEASE = re.compile(r"^v?[0-9]{1,9}(\.[0-9]{1,9}){0,2}(-[0-9A-Za-z][0-9A-Za-z.]{0,31})?$")
RUST_ALIAS = "live"  # the alias every Rust target group targets (docs/rollout.md)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENV_NAME = re.compile(r"^[a-z][a-z0-9]{1,15}$")
_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                   2557, 2922, 3288, 3653}

T = TypeVar("T", covariant=True)


def image_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a valid container image tag, or None."""
    if _IMAGE_TAG.fullmatch(tag):
        return None
    return "an image tag is 1..128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'"


def release_problem(version: str) -> str | None:
    """Why ``version`` is not a Rust release name, or None."""
    if _RELEASE.fullmatch(version):
        return None
    return ("a Rust release is v<major>[.<minor>[.<patch>]] with an optional -<suffix> of "
            "letters, digits and dots (v1.4.0, 1.4.0-rc.1), at most 32 characters of suffix")


RELEASE_PREFIX = "Rust release "


def release_description(version: str) -> str:
    """The description of the Lambda version a Rust release publishes: the one place the
    release name is read back from (``ops.adapters.lambda_release``)."""
    return f"{RELEASE_PREFIX}{version}"


# ---- network -------------------------------------------------------------------------------
class NetworkResolver(Protocol[T]):
    """Turns a network into the VPC and subnets of a stack (``modules/network.py``)."""

    def vpc_ids(self, vpc_id: str, private_subnet_ids: tuple[str, ...],
                public_subnet_ids: tuple[str, ...]) -> T: ...

    def default_vpc(self) -> T: ...

    def tagged_vpc(self, vpc_name: str, private_tier: str, public_tier: str) -> T: ...


@dataclass(frozen=True)
class DefaultVpc:
    """Look up the account's default VPC and its subnets (the local emulator has them)."""

    def resolve(self, resolver: NetworkResolver[T]) -> T:
        return resolver.default_vpc()

    def problems(self) -> list[str]:
        return []


@dataclass(frozen=True)
class TaggedVpc:
    """Look up an existing VPC by its ``Name`` tag and its subnets by a ``Tier`` tag."""

    vpc_name: str
    private_tier: str = "private"
    public_tier: str = "public"

    def resolve(self, resolver: NetworkResolver[T]) -> T:
        return resolver.tagged_vpc(self.vpc_name, self.private_tier, self.public_tier)

    def problems(self) -> list[str]:
        return []


@dataclass(frozen=True)
class VpcIds:
    """An existing VPC given by IDs."""

    vpc_id: str
    private_subnet_ids: tuple[str, ...]
    public_subnet_ids: tuple[str, ...]

    def resolve(self, resolver: NetworkResolver[T]) -> T:
        return resolver.vpc_ids(self.vpc_id, self.private_subnet_ids, self.public_subnet_ids)

    def problems(self) -> list[str]:
        if self.private_subnet_ids and self.public_subnet_ids:
            return []
        return ["network VpcIds needs private and public subnet IDs"]


Network = DefaultVpc | TaggedVpc | VpcIds


# ---- certificate, secret, artifacts ---------------------------------------------------------
class CertificateResolver(Protocol[T]):
    """Turns a certificate into the HTTPS listener's certificate ARN
    (``modules/certificates.py``)."""

    def arn(self, arn: str) -> T: ...

    def issued(self, domain: str) -> T: ...

    def requested(self, domain: str) -> T: ...


@dataclass(frozen=True)
class CertificateArn:
    arn: str

    def resolve(self, resolver: CertificateResolver[T]) -> T:
        return resolver.arn(self.arn)

    def problems(self) -> list[str]:
        if _ARN.fullmatch(self.arn):
            return []
        return [f"certificate arn {self.arn!r} is not an ARN"]


@dataclass(frozen=True)
class IssuedCertificate:
    """Look up the ISSUED ACM certificate of ``domain``."""

    domain: str

    def resolve(self, resolver: CertificateResolver[T]) -> T:
        return resolver.issued(self.domain)

    def problems(self) -> list[str]:
        return []


@dataclass(frozen=True)
class RequestedCertificate:
    """Request a DNS-validated certificate (the local emulator accepts it while pending)."""

    domain: str

    def resolve(self, resolver: CertificateResolver[T]) -> T:
        return resolver.requested(self.domain)

    def problems(self) -> list[str]:
        return []


Certificate = CertificateArn | IssuedCertificate | RequestedCertificate


class SecretResolver(Protocol[T]):
    """Turns the API's secret into its ARN (``stacks/lambdas.py``)."""

    def by_name(self, name: str) -> T: ...

    def managed(self, name: str) -> T: ...


@dataclass(frozen=True)
class SecretByName:
    """The API's existing Secrets Manager secret, looked up by name."""

    name: str

    def resolve(self, resolver: SecretResolver[T]) -> T:
        return resolver.by_name(self.name)


@dataclass(frozen=True)
class ManagedSecret:
    """A secret this project creates (empty; for the local emulator)."""

    name: str

    def resolve(self, resolver: SecretResolver[T]) -> T:
        return resolver.managed(self.name)


Secret = SecretByName | ManagedSecret


class ArtifactResolver(Protocol[T]):
    """Turns where a zip package is into the code arguments of a function or a layer
    (``stacks/lambdas.py``): an S3 object, or a file on disk (``name`` names its asset)."""

    def s3_object(self, bucket: str, key: str) -> T: ...

    def local_zip(self, name: str, path: str) -> T: ...

    def release_zip(self, name: str, path: str, version: str) -> T:
        """The stub package at ``path`` made into the package of release ``version`` (the
        same bytes for the same version, other bytes for another)."""


@dataclass(frozen=True)
class S3Artifacts:
    """Zip packages produced by the API's own build, referenced from S3. ``rust_key`` holds
    ``{version}``: each Rust release is an object of its own."""

    bucket: str
    api_key: str
    api_layer_key: str
    rust_key: str

    def package(self, artifact: Artifact, resolver: ArtifactResolver[T],
                rust_version: str = "") -> T:
        return resolver.s3_object(self.bucket, self.api_key if artifact == "api"
                                  else self.rust_key.format(version=rust_version))

    def problems(self) -> list[str]:
        if "{version}" not in self.rust_key:
            return [f"artifacts rust_key {self.rust_key!r} must hold {{version}} (each Rust "
                    "release is an object of its own)"]
        return []

    def api_layer(self, resolver: ArtifactResolver[T]) -> T:
        return resolver.s3_object(self.bucket, self.api_layer_key)

    def otel_layer_stub(self, resolver: ArtifactResolver[T]) -> T | None:
        """None: the published AWS Distro for OpenTelemetry layer serves."""
        return None


@dataclass(frozen=True)
class LocalArtifacts:
    """Zip packages on disk (the stub packages of the local environment).

    The emulator has no published AWS Distro for OpenTelemetry layer, so a stub stands in.
    """

    api_zip: str
    api_layer_zip: str
    rust_zip: str
    otel_layer_zip: str

    def package(self, artifact: Artifact, resolver: ArtifactResolver[T],
                rust_version: str = "") -> T:
        """The Rust package is the stub made into the release's own package at synth time
        (``rust_zip`` is the stub: no zip per release in git)."""
        if artifact == "api":
            return resolver.local_zip("api-package", self.api_zip)
        return resolver.release_zip("rust-package", self.rust_zip, rust_version)

    def problems(self) -> list[str]:
        return []

    def api_layer(self, resolver: ArtifactResolver[T]) -> T:
        return resolver.local_zip("api-layer", self.api_layer_zip)

    def otel_layer_stub(self, resolver: ArtifactResolver[T]) -> T | None:
        """The stub layer's package, standing in for the published one."""
        return resolver.local_zip("otel-layer", self.otel_layer_zip)


Artifacts = S3Artifacts | LocalArtifacts


# ---- state backend ----------------------------------------------------------------------------
class StateBackendResolver(Protocol[T]):
    """Turns a state backend into a stack's Terraform backend (``stacks/base.py``)."""

    def s3(self, bucket: str, key: str, region: str, legacy_lock_table: str | None) -> T: ...

    def local(self, path: str) -> T:
        """``path``: the stack's state file, relative to the project."""
        ...


@dataclass(frozen=True)
class S3State:
    """Remote state in S3, encrypted, locked with an S3 lock file (``use_lockfile``,
    Terraform >= 1.10). ``legacy_lock_table`` keeps the deprecated DynamoDB lock as well while
    an environment moves off it (docs/security.md: both locks are taken during the move)."""

    bucket: str
    region: str
    key_prefix: str = "scorer-routing"
    legacy_lock_table: str | None = None

    @property
    def local_directory(self) -> Path | None:
        """None: the state is remote."""
        return None

    def key(self, stack: str) -> str:
        """The S3 key of ``stack``'s state."""
        return f"{self.key_prefix}/{stack}.tfstate"

    def location(self, stack: str) -> str:
        """Where ``stack``'s state lives, for messages and for reading it."""
        return f"s3://{self.bucket}/{self.key(stack)}"

    def backend(self, stack: str, resolver: StateBackendResolver[T]) -> T:
        return resolver.s3(self.bucket, self.key(stack), self.region, self.legacy_lock_table)


@dataclass(frozen=True)
class LocalState:
    """State files on disk, one per stack, below ``directory`` (relative to the project)."""

    directory: str = "terraform-state"

    @property
    def local_directory(self) -> Path:
        """The folder of the state files, in the project."""
        return PROJECT_ROOT / self.directory

    def location(self, stack: str) -> str:
        """Where ``stack``'s state lives (its file), for messages and for reading it."""
        return str(self.local_directory / f"{stack}.tfstate")

    def backend(self, stack: str, resolver: StateBackendResolver[T]) -> T:
        return resolver.local(f"{self.directory}/{stack}.tfstate")


StateBackend = S3State | LocalState


# ---- alarm notifications -------------------------------------------------------------------
@dataclass(frozen=True)
class PagingSecret:
    """Alarms page on-call: the alarm topic gets an HTTPS subscription whose endpoint (the
    PagerDuty integration URL) is the value of this Secrets Manager secret, never code."""

    secret_name: str


# ---- internal listener -------------------------------------------------------------------------
@dataclass(frozen=True)
class AdoptedListener:
    """An existing, shared internal listener: no internal ALB is created, rules go on it.

    ``held_priorities`` are the priorities other owners' rules hold on that listener.
    """

    arn: str
    held_priorities: tuple[int, ...] = ()


# The stacks of every environment, ``scorer-<env>-<part>``, in the order they deploy in, and
# which stacks each reads (cross-stack references; the rollout table by its name): a stack
# deploys after those.
STACK_PARTS: tuple[str, ...] = (
    "public-alb", "internal-alb", "lambdas", "rollout", "routing", "monitoring")
STACK_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "routing": ("public-alb", "internal-alb", "lambdas", "rollout"),
    "monitoring": ("public-alb", "internal-alb", "lambdas", "rollout"),
}


def deploy_waves(parts: list[str]) -> list[list[str]]:
    """``parts`` in waves: each wave's stacks depend only on earlier waves' (or on stacks
    not being deployed), so the stacks of one wave can deploy at the same time."""
    waves: list[list[str]] = []
    placed: set[str] = set()
    pending = [p for p in STACK_PARTS if p in parts]
    while pending:
        wave = [p for p in pending
                if all(d in placed or d not in parts for d in STACK_DEPENDENCIES.get(p, ()))]
        waves.append(wave)
        placed |= set(wave)
        pending = [p for p in pending if p not in placed]
    return waves


# ---- the rollout controller ----------------------------------------------------------------------
@dataclass(frozen=True)
class ControllerPolicy:
    """How the rollout controller of one environment runs (docs/rollout.md).

    - ``enabled``: the schedule runs the controller (off: nothing advances or aborts by
      itself; the abort function still acts on alarms);
    - ``every_minutes``: the schedule's rate;
    - ``progress_deadline_s``: how long after its bake a step may wait for conclusive gates;
    - ``inconclusive``: what the controller does at that deadline: ``pause`` (and notify) or
      ``abort``;
    - ``final_bake_s``: after ``done``, how long an automatic abort (a red gate, a Rust
      alarm) still moves traffic back to Python; later it only notifies;
    - ``abort_scope``: what an automatic abort (a red gate, an alarm) moves: ``routes`` (the
      failing routes only; the rest of the rollout goes on) or ``all`` (every route of the
      current rollout). A function-wide red verdict or alarm acts on every rollout route
      under both; a route outside the rollout stays where it is under both.
    """

    enabled: bool = True
    every_minutes: int = 1
    progress_deadline_s: int = 3 * 3600
    inconclusive: Literal["pause", "abort"] = "pause"
    final_bake_s: int = 3600
    abort_scope: Literal["routes", "all"] = "routes"

    @property
    def schedule_expression(self) -> str:
        unit = "minute" if self.every_minutes == 1 else "minutes"
        return f"rate({self.every_minutes} {unit})"

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.every_minutes <= 60:
            found.append(f"controller every_minutes {self.every_minutes} must be 1..60")
        if self.inconclusive not in ("pause", "abort"):
            found.append(f"controller inconclusive {self.inconclusive!r} must be pause or abort")
        if self.abort_scope not in ("routes", "all"):
            found.append(f"controller abort_scope {self.abort_scope!r} must be routes or all")
        for name in ("progress_deadline_s", "final_bake_s"):
            if getattr(self, name) < 0:
                found.append(f"controller {name} {getattr(self, name)} must be at least 0")
        return found


# ---- the environment ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    region: str
    rust_percent: int
    python_image_tag: str
    rust_version: str  # the Rust release deployed (RUST_VERSION): docs/runbook.md
    network: Network
    certificate: Certificate
    secret: Secret
    artifacts: Artifacts
    state: StateBackend
    public_domain: str
    allowed_hosts: tuple[str, ...]
    verifier_url: str
    name_prefix: str = ""
    log_retention_days: int = 14
    deletion_protection: bool = False
    # Rollout controls (also settable at deploy time, see environments/__init__.py):
    route_rust_percent: tuple[tuple[str, int], ...] = ()  # per-route R, (route key, R)
    emergency_rollback: bool = False  # R = 0 and no stickiness on every weighted rule
    canary_routes: tuple[str, ...] = ()  # routes that get an X-Use-Rust-Scorer canary rule
    rollback_routes: tuple[str, ...] = ()  # R = 0 and no stickiness on these rules (aborted)
    # The Rust target groups (model/catalog/functions.py, docs/runbook.md): one per weighted
    # route; ``shared_rust_target_groups`` deploys the layout before them (one shared per load
    # balancer); ``kept_rust_target_groups``: retired shared ones (backend keys) the Lambda stack
    # keeps while a live rule forwards to them (the deploy driver sets it).
    shared_rust_target_groups: bool = False
    kept_rust_target_groups: tuple[str, ...] = ()
    adopt_internal_listener: AdoptedListener | None = None
    paging: PagingSecret | None = None  # None: alarms notify the topic, nobody is paged
    access_log_retention_days: int = 90  # ALB access logs expire after this many days
    tags: tuple[tuple[str, str], ...] = field(default=())
    controller: ControllerPolicy = field(default_factory=lambda: ControllerPolicy())
    # the concurrency limit the Rust function shares (the rollout's concurrency gate): the
    # account's, AWS's default 1000 unless raised
    rust_concurrency_limit: int = 1000

    @property
    def public_url(self) -> str:
        return f"https://{self.public_domain}"

    def stack_name(self, part: str) -> str:
        return f"scorer-{self.name}-{part}"

    def resource_name(self, part: str) -> str:
        """``<prefix>scorer-<env>-<part>``: how this environment names what it owns."""
        return f"{self.name_prefix}scorer-{self.name}-{part}"

    def load_balancer_name(self, listener: Listener) -> str:
        return self.resource_name(listener.name)

    def security_group_name(self, listener: Listener) -> str:
        return f"{self.load_balancer_name(listener)}-alb"

    def role_name(self, function_base_name: str) -> str:
        return f"{self.function_name(function_base_name)}-role"

    def alarm_name(self, subject: str, kind: str) -> str:
        """e.g. ``scorer-production-l-cc-v1-score-GET-0-target-5xx-ratio-burst``."""
        return self.resource_name(f"{subject}-{kind}")

    def target_group_name(self, base: str) -> str:
        return f"{self.name_prefix}{base}"

    def function_name(self, base: str) -> str:
        return f"{self.name_prefix}{base}"

    def access_log_bucket_name(self, listener: Listener, account_id: str) -> str:
        """S3 bucket names are global: the account ID makes this one unique."""
        return self.resource_name(f"{listener.name}-alb-logs-{account_id}")

    def alarm_topic_name(self) -> str:
        return self.resource_name("alarms")

    def rollout_table_name(self) -> str:
        """The rollout state store: a DynamoDB table (docs/rollout.md)."""
        return self.resource_name("rust-rollout-state")

    def rollout_dashboard_name(self) -> str:
        return self.resource_name("rust-rollout")

    def problems(self) -> list[str]:
        """Everything wrong with this configuration, each naming the field and value."""
        found: list[str] = []
        if not _ENV_NAME.fullmatch(self.name):
            found.append(f"name {self.name!r} must be 2..16 lower-case letters or digits")
        if not _REGION.fullmatch(self.region):
            found.append(f"region {self.region!r} is not an AWS region name")
        if isinstance(self.rust_percent, bool) or not isinstance(self.rust_percent, int) or not (
            0 <= self.rust_percent <= 100
        ):
            found.append(f"rust_percent {self.rust_percent!r} must be an integer 0..100")
        if image_tag_problem(self.python_image_tag):
            found.append(f"python_image_tag {self.python_image_tag!r} is not a valid image tag")
        if release_problem(self.rust_version):
            found.append(f"rust_version {self.rust_version!r} is not a Rust release name")
        found += self.artifacts.problems()
        if self.log_retention_days not in _RETENTION_DAYS:
            found.append(
                f"log_retention_days {self.log_retention_days} is not a CloudWatch retention")
        for listener in LISTENERS:
            problem = elb_name_problem("load balancer", self.load_balancer_name(listener))
            if problem:
                found.append(problem)
            bucket = self.access_log_bucket_name(listener, "0" * 12)
            if len(bucket) > 63 or not _BUCKET.fullmatch(bucket):
                found.append(f"access log bucket name {bucket!r} (with a 12-digit account ID) "
                             "must be 3..63 characters of [a-z0-9.-]")
        if not 1 <= self.access_log_retention_days <= 3650:
            found.append(f"access_log_retention_days {self.access_log_retention_days} must be "
                         "1..3650")
        if self.paging is not None and not self.paging.secret_name.strip():
            found.append("paging secret_name is empty")
        found += self.certificate.problems()
        found += self.controller.problems()
        if isinstance(self.rust_concurrency_limit, bool) or not isinstance(
                self.rust_concurrency_limit, int) or self.rust_concurrency_limit < 1:
            found.append(f"rust_concurrency_limit {self.rust_concurrency_limit!r} must be an "
                         "integer of at least 1")
        adopted = self.adopt_internal_listener
        if adopted is not None and not _ARN.fullmatch(adopted.arn):
            found.append(f"adopted internal listener arn {adopted.arn!r} is not an ARN")
        found += self.network.problems()
        seen: set[str] = set()
        for key, r in self.route_rust_percent:
            if key in seen:
                found.append(f"route_rust_percent sets route {key!r} more than once")
            seen.add(key)
            if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r <= 100:
                found.append(f"route_rust_percent of route {key!r} is {r!r}; "
                             "it must be an integer 0..100")
        duplicates = sorted({k for k in self.canary_routes if self.canary_routes.count(k) > 1})
        if duplicates:
            found.append(f"canary_routes names {', '.join(map(repr, duplicates))} more than once")
        doubled = sorted({k for k in self.rollback_routes if self.rollback_routes.count(k) > 1})
        if doubled:
            found.append(f"rollback_routes names {', '.join(map(repr, doubled))} more than once")
        if not self.public_domain or "/" in self.public_domain:
            found.append(f"public_domain {self.public_domain!r} must be a host name")
        return found
