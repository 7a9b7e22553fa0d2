"""Every Lambda function behind the load balancers (docs/architecture.md), declared once.

Each function lists the backends it serves: the load balancer, the backend key the route
table uses, and the target group's base name (before the environment's name prefix).
"""

from __future__ import annotations

from model.catalog.route_table import ROUTES
from model.function_spec import FunctionSpec, ImageCode, ZipCode
from model.routing.backend import Backend, own_rust, own_rust_target_group
from model.routing.listener import INTERNAL, PUBLIC, Listener
from model.routing.route import Route

_V1 = "aws_lambdas.scorer_api_passport.v1"


def _image(name: str, command: str, memory: int, timeout: int = 60) -> FunctionSpec:
    """A Python API function from the shared image, x86_64, on the public ALB."""
    return FunctionSpec(
        name=name,
        code=ImageCode(command=command),
        memory_mb=memory,
        timeout_s=timeout,
        architecture="x86_64",
        backends=(Backend(PUBLIC, f"py:{name}", f"l-{name}"),),
    )


def _zip(name: str, handler: str, listener: Listener) -> FunctionSpec:
    """A Python embed or app-API function from the API's zip artifact plus dependency layer."""
    return FunctionSpec(
        name=name,
        code=ZipCode(handler=handler, runtime="python3.12", artifact="api"),
        memory_mb=512,
        timeout_s=60,
        architecture="x86_64",
        backends=(Backend(listener, f"py:{name}", f"l-{name}"),),
        layers=("api-dependencies",),
    )


def rust_route_backends(routes: tuple[Route, ...] = ROUTES) -> tuple[Backend, ...]:
    """The Rust function's target groups: one per weighted route of ``routes`` that forwards to
    its own (``rust:<route key>``, ``rs-<route key>``), on the route's load balancer; derived
    from the route table, never listed by hand."""
    return tuple(Backend(r.listener, own_rust(r.key), own_rust_target_group(r.key))
                 for r in routes if (split := r.action.split()) and split[1] == own_rust(r.key))


# The shared Rust target groups of the layout before per-route ones (one per load balancer).
# No route uses them; the Lambda stack keeps them while a live rule still forwards to them
# (``EnvironmentConfig.kept_rust_target_groups``, set by the deploy driver), so that a deployed
# environment moves to the per-route ones without a request dropped (docs/runbook.md), and
# the abort treats them as Rust while they live. ``shared_rust_target_groups`` deploys them as
# the routes' Rust side again (the old layout).
RETIRED_RUST_BACKENDS: tuple[Backend, ...] = (
    Backend(PUBLIC, "rust", "l-passport-v2-rust-scorer"),
    Backend(INTERNAL, "rust-int", "l-passport-v2-rust-scorer-int"),
)

RUST_SCORER = FunctionSpec(
    name="passport-v2-rust-scorer",
    code=ZipCode(handler="bootstrap", runtime="provided.al2023", artifact="rust"),
    memory_mb=256,
    timeout_s=30,
    architecture="arm64",
    # One target group per weighted route (each on its route's load balancer, with its own
    # invoke permission), so every route's Rust side has its own metrics.
    backends=rust_route_backends(),
    layers=("otel-collector-arm64",),
    environment=(
        ("HUMAN_POINTS_ENABLED", "true"),
        ("HUMAN_POINTS_START_TIMESTAMP", "0"),
        ("HUMAN_POINTS_MTA_ENABLED", "true"),
        ("OTEL_ENABLED", "true"),
        ("OPENTELEMETRY_COLLECTOR_CONFIG_URI", "/var/task/collector.yaml"),
        ("OTEL_SERVICE_NAME", "rust-scorer"),
        ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-instrument"),
    ),
    set_environment_name=True,
    released=True,  # a published version per Rust release, target groups at its alias
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    _image("submit-passport-0", "aws_lambdas.submit_passport.submit_passport.handler", 1024),
    _image("cc-v1-st-bulk-POST-0", f"{_V1}.stamps.bulk_POST.handler", 512),
    _image("cc-v1-st-bulk-PATCH-0", f"{_V1}.stamps.bulk_PATCH.handler", 512),
    _image("cc-v1-st-bulk-DELETE-0", f"{_V1}.stamps.bulk_DELETE.handler", 512),
    _image("cc-v1-score-POST-0", f"{_V1}.score_POST.handler", 512),
    _image("cc-v1-score-GET-0", f"{_V1}.score_GET.handler", 512),
    _image("cc-weights-GET-0", f"{_V1}.weights_GET.handler", 512),
    _image("cc-v1-st-GET-0", f"{_V1}.stamp_GET.handler", 512),
    _image("passport-analysis-GET-0", "aws_lambdas.passport.analysis_GET.handler", 256),
    _image("passport-v2-model-score", "v2.aws_lambdas.models_score_GET.handler", 256, timeout=90),
    _image("passport-v2-stamp-score", "v2.aws_lambdas.stamp_score_GET.handler", 256),
    _zip("embed-st-lambda", "embed.lambda_fn.lambda_handler_save_stamps", INTERNAL),
    _zip("embed-rl-lambda", "embed.lambda_fn.lambda_handler_get_rate_limit", INTERNAL),
    _zip("embed-gs-lambda", "embed.lambda_fn.lambda_handler_get_score", INTERNAL),
    _zip("cc-nonce-lambda", "app_api.lambda_fn.lambda_handler_account_nonce", PUBLIC),
    _zip("cc-auth-lambda", "app_api.lambda_fn.lambda_handler_authenticate", PUBLIC),
    RUST_SCORER,
)

# The container services' target groups, created by the ALB stacks (docs/routing.md).
SERVICE_BACKENDS: tuple[Backend, ...] = (
    Backend(PUBLIC, "svc:default", "svc-default"),
    Backend(PUBLIC, "svc:registry", "svc-registry"),
    Backend(INTERNAL, "svc:internal", "svc-internal"),
)


def all_backends(
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
    services: tuple[Backend, ...] = SERVICE_BACKENDS,
) -> tuple[Backend, ...]:
    """Every target group: the functions' (in catalog order), then the services'."""
    return tuple(b for f in functions for b in f.backends) + services
