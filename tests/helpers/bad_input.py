"""The bad-input table: invalid configurations that ``main.py`` must refuse, each with its
own message, exit status 1 and nothing written (docs/validation.md lists them).

Run one case as operators would meet it, as a process (as a script, so that the ``tests``
package, whose import starts the jsii kernel, stays out of it):

    PYTHONPATH=. python -O -P tests/helpers/bad_input.py <case>

Deploy-time variables are set in the environment; configuration and route-table cases change
the data first (an environment's values, the route table, the function catalog) and then
call ``main.main`` exactly as ``main.py`` does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from model.catalog.functions import FUNCTIONS, SERVICE_BACKENDS
from model.catalog.route_table import ROUTES
from model.config import AdoptedListener, EnvironmentConfig
from model.function_spec import FunctionSpec
from model.routing.actions import Action, fixed_response, forward, weighted_forward
from model.routing.listener import listener_named
from model.routing.route import Route, when

_LISTENER_ARN = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/"
                 "50dc6c495c0c9188/f2f7dc8efc522ab2")


@dataclass(frozen=True)
class BadInput:
    name: str
    what: str  # the operator's mistake, in words
    message: str  # what the first error line must contain
    environ: dict[str, str] = field(default_factory=dict)
    environment: dict[str, object] = field(default_factory=dict)  # replaces in production
    routes: Callable[[tuple[Route, ...]], tuple[Route, ...]] = lambda routes: routes
    functions: Callable[[tuple[FunctionSpec, ...]], tuple[FunctionSpec, ...]] = lambda f: f


def _route(key: str, priority: int, backend: str = "svc:registry", listener: str = "public",
           path: str = "/bad-input/*", host: str | None = None,
           action: Action | None = None) -> Route:
    return Route(key, listener_named(listener), priority, when(path, host=host),
                 action or forward(backend), why="bad-input case")


def _renamed(name: str, new: str) -> Callable[[tuple[FunctionSpec, ...]],
                                               tuple[FunctionSpec, ...]]:
    return lambda functions: tuple(replace(f, name=new) if f.name == name else f
                                   for f in functions)


CASES: tuple[BadInput, ...] = (
    # ---- deploy-time variables ---------------------------------------------------------
    BadInput("unknown-environment", "ENVIRONMENTS names an environment that does not exist",
             "ENVIRONMENTS names unknown environment(s) 'prod'", {"ENVIRONMENTS": "prod"}),
    BadInput("percent-not-integer", "RUST_ROUTING_PERCENT is not an integer",
             "RUST_ROUTING_PERCENT='5%' is invalid", {"RUST_ROUTING_PERCENT": "5%"}),
    BadInput("percent-above-100", "RUST_ROUTING_PERCENT above 100",
             "RUST_ROUTING_PERCENT='101' is invalid", {"RUST_ROUTING_PERCENT": "101"}),
    BadInput("overlapping-route-overrides", "RUST_ROUTING_PERCENT_ROUTES sets one route twice",
             "RUST_ROUTING_PERCENT_ROUTES sets route 'ceramic-cache-stamp' twice",
             {"RUST_ROUTING_PERCENT_ROUTES": "ceramic-cache-stamp=5,ceramic-cache-stamp=10"}),
    BadInput("override-of-unweighted-route", "a per-route R for a route that is not weighted",
             "route_rust_percent names 'v2-models-score', which is a route without a weighted "
             "forward", {"RUST_ROUTING_PERCENT_ROUTES": "v2-models-score=5"}),
    BadInput("override-of-unknown-route", "a per-route R for a route that does not exist",
             "route_rust_percent names 'ceramic-cache-stamps', which is not a route",
             {"RUST_ROUTING_PERCENT_ROUTES": "ceramic-cache-stamps=5"}),
    BadInput("rollback-switch-not-boolean", "RUST_EMERGENCY_ROLLBACK is neither true nor false",
             "RUST_EMERGENCY_ROLLBACK='maybe' is invalid", {"RUST_EMERGENCY_ROLLBACK": "maybe"}),
    BadInput("canary-on-unweighted-route", "a canary rule for a Python-only route",
             "canary_routes names 'submit-passport', which is a route without a weighted "
             "forward", {"RUST_CANARY_ROUTES": "submit-passport"}),
    BadInput("canary-shadowing-a-route", "a canary that would take another route's requests",
             "canary of route 'v2-stamps-score' at priority 1027 would take requests with its "
             "header that route 'v2-stamps-score-history'",
             {"RUST_CANARY_ROUTES": "v2-stamps-score"}),
    BadInput("image-tag-invalid", "PYTHON_IMAGE_TAG is not a container image tag",
             "PYTHON_IMAGE_TAG='v1 2' is invalid", {"PYTHON_IMAGE_TAG": "v1 2"}),
    BadInput("image-tag-trailing-newline", "PYTHON_IMAGE_TAG ends in a newline (it was "
             "written into every image URI)", "PYTHON_IMAGE_TAG='v1\\n' is invalid",
             {"PYTHON_IMAGE_TAG": "v1\n"}),
    BadInput("percent-non-ascii-digits", "RUST_ROUTING_PERCENT in full-width digits",
             "RUST_ROUTING_PERCENT='\uff15' is invalid", {"RUST_ROUTING_PERCENT": "\uff15"}),
    BadInput("percent-thousands-of-digits", "RUST_ROUTING_PERCENT of 5000 digits (it ended in "
             "a traceback)", "RUST_ROUTING_PERCENT='11111111111111111111...' (5000 characters) "
             "is invalid", {"RUST_ROUTING_PERCENT": "1" * 5000}),
    BadInput("environments-empty-list", "ENVIRONMENTS set to a bare comma (it selected every "
             "environment)", "ENVIRONMENTS=',' names no environment", {"ENVIRONMENTS": ","}),
    # ---- environment values (environments/production.py) --------------------------------
    BadInput("region-invalid", "an environment's region is not an AWS region",
             "[production] region 'us-east' is not an AWS region name",
             environment={"region": "us-east"}),
    BadInput("log-retention-invalid", "a log retention CloudWatch does not offer",
             "[production] log_retention_days 15 is not a CloudWatch retention",
             environment={"log_retention_days": 15}),
    BadInput("target-group-name-too-long", "a name prefix that pushes a route's Rust target "
             "group name over 32 characters", "route 'ceramic-cache-bulk-delete': its Rust "
             "target group (backend 'rust:ceramic-cache-bulk-delete', public load balancer): "
             "target group name 'pays-rs-ceramic-cache-bulk-delete' is 33 characters, more "
             "than 32", environment={"name_prefix": "pays-"}),
    BadInput("bucket-name-invalid", "a name prefix with capitals, which S3 bucket names "
             "refuse", "access log bucket name 'Tm-scorer-production-",
             environment={"name_prefix": "Tm-"}),
    BadInput("held-priority", "a route at a priority another owner holds on the adopted "
             "internal listener", "priority 2105 is held by another owner's rule on the "
             "adopted internal listener",
             environment={"adopt_internal_listener": AdoptedListener(_LISTENER_ARN, (2105,))}),
    # ---- route table and function catalog -------------------------------------------------
    BadInput("legacy-priority", "a route at a priority old rules may still hold",
             "route 'bad-input' (public listener, priority 1001): priority 1001 is a legacy "
             "priority (1001-1020)", routes=lambda r: r + (_route("bad-input", 1001),)),
    BadInput("duplicate-priority", "two routes at one priority (PriorityInUse at deploy)",
             "route 'bad-input' (public listener, priority 1032): priority 1032 is already "
             "used by route 'ceramic-cache-bulk-post'",
             routes=lambda r: r + (_route("bad-input", 1032),)),
    BadInput("unknown-backend", "a route forwarding to a target group nobody creates",
             "route 'bad-input' (public listener, priority 4000): unknown backend "
             "'py:no-such-function'", routes=lambda r: r + (_route("bad-input", 4000,
                                                                   "py:no-such-function"),)),
    BadInput("backend-on-wrong-alb", "an internal route forwarding to a public target group",
             "route 'bad-input' (internal listener, priority 2300): backend "
             "'py:submit-passport-0' is a target group of the public load balancer",
             routes=lambda r: r + (_route("bad-input", 2300, "py:submit-passport-0",
                                          "internal"),)),
    BadInput("path-pattern-too-long", "a path pattern over ALB's 128 characters",
             "route 'bad-input' (public listener, priority 4000): path pattern '/" + "a" * 39
             + "'... is 129 characters, more than 128",
             routes=lambda r: r + (_route("bad-input", 4000, path="/" + "a" * 128),)),
    BadInput("path-pattern-empty", "an empty path pattern (it silently meant no path "
             "condition)", "route 'bad-input' (public listener, priority 4000): path pattern "
             "is empty", routes=lambda r: r + (_route("bad-input", 4000, path=""),)),
    BadInput("host-header-invalid", "a host header value with characters ALB refuses",
             "route 'bad-input' (public listener, priority 4000): host header "
             "'api_passport.xyz' has characters ALB refuses",
             routes=lambda r: r + (_route("bad-input", 4000, host="api_passport.xyz"),)),
    BadInput("fixed-response-3xx", "a fixed response with a redirect status",
             "route 'bad-input' (public listener, priority 4000): fixed response status 302 is "
             "not 2XX, 4XX or 5XX", routes=lambda r: r + (
                 _route("bad-input", 4000, action=fixed_response(302, "text/plain", "moved")),)),
    BadInput("fixed-response-content-type", "a fixed response content type ALB does not "
             "accept", "fixed response content type 'application/xml' is not one ALB accepts",
             routes=lambda r: r + (_route("bad-input", 4000, action=fixed_response(
                 404, "application/xml", "<no/>")),)),
    BadInput("fixed-response-body-too-long", "a fixed-response body over 1024 bytes",
             "fixed response body is 1025 bytes, more than 1024", routes=lambda r: r + (
                 _route("bad-input", 4000, action=fixed_response(404, "text/plain", "x" * 1025)),)),
    BadInput("route-key-with-newline", "a route key ending in a newline (the address became "
             "badkey_)", "route key 'bad-input\\n' must be lower-case letters, digits and '-'",
             routes=lambda r: r + (_route("bad-input\n", 4000),)),
    BadInput("route-in-canary-range", "a route at a priority of its listener's canary range",
             "route 'bad-input' (public listener, priority 1028): priority 1028 is in the "
             "public listener's canary range (1021-1029)",
             routes=lambda r: r + (_route("bad-input", 1028),)),
    BadInput("canary-without-priority", "a canary for a weighted route that declares no "
             "canary priority", "no canary priority for route 'bad-input': declare "
             "canary=<priority> in the route table, from the public listener's canary range "
             "1021-1029 (free: 1028, 1029)", {"RUST_CANARY_ROUTES": "bad-input"},
             routes=lambda r: r + (_route("bad-input", 4000, action=weighted_forward(
                 "py:cc-v1-st-GET-0", "rust:ceramic-cache-stamp")),)),
    BadInput("rename-without-former-key", "a route key renamed without saying so (its rule "
             "was destroyed and created)", "route key 'ceramic-cache-stamp' was deployed and is "
             "gone from the route table: if the route was renamed, give the new route "
             "former_keys=('ceramic-cache-stamp',)", routes=lambda r: tuple(
                 replace(x, key="ceramic-cache-stamp-get") if x.key == "ceramic-cache-stamp"
                 else x for x in r)),
    BadInput("stickiness-over-limit", "a weighted route sticky for longer than ALB allows",
             "route 'ceramic-cache-stamp' (public listener, priority 1038): stickiness 700000 s "
             "is outside 1..604800", routes=lambda r: tuple(
                 replace(x, action=replace(x.action, stickiness_seconds=700_000))
                 if x.key == "ceramic-cache-stamp" else x for x in r)),
    BadInput("function-name-too-long", "a function name over Lambda's 64 characters",
             "function name 'cc-nonce-lambda-with-a-name-far-too-long-for-aws-lambda-to-accept' "
             "is 65 characters, more than 64",
             functions=_renamed("cc-nonce-lambda", "cc-nonce-lambda-with-a-name-far-too-long-"
                                "for-aws-lambda-to-accept")),
    BadInput("role-name-too-long", "a function whose role name (function + '-role') is over "
             "IAM's 64 characters (it was cut silently, so two roles could collide)",
             "role name 'cc-nonce-lambda-with-a-long-name-that-leaves-no-room-for-a-r-role' "
             "is 65 characters, more than 64",
             functions=_renamed("cc-nonce-lambda", "cc-nonce-lambda-with-a-long-name-that-"
                                "leaves-no-room-for-a-r")),
    BadInput("rust-version-invalid", "RUST_VERSION is not a Rust release name (it goes into "
             "the S3 key and the published version's description)",
             "RUST_VERSION='latest' is invalid: a Rust release is v<major>",
             {"RUST_VERSION": "latest"}),
    BadInput("kept-target-group-unknown", "a kept Rust target group the layout does not retire "
             "(a route's own, which it declares anyway)", "kept_rust_target_groups names "
             "'rust:v2-stamps-score', which is not a Rust target group this layout retires",
             {"RUST_KEPT_TARGET_GROUPS": "rust,rust:v2-stamps-score"}),
)


def run(case: BadInput) -> int:
    import environments
    import main

    production = environments.ENVIRONMENTS["production"]
    config: EnvironmentConfig = replace(production, **case.environment)  # type: ignore[arg-type]
    environments.ENVIRONMENTS["production"] = config
    return main.main({**os.environ, **case.environ}, routes=case.routes(ROUTES),
                     functions=case.functions(FUNCTIONS), services=SERVICE_BACKENDS)


if __name__ == "__main__":
    by_name = {case.name: case for case in CASES}
    sys.exit(run(by_name[sys.argv[1]]))
