"""THE route table: every listener rule this project owns, declared once (docs/routing.md).

Each route: key (its Terraform address is ``aws_lb_listener_rule.<key with underscores>``),
listener, priority, conditions, action, and why it exists. Weighted routes send
``100 - R`` to Python and ``R`` to Rust, sticky for an hour; their Rust side, ``RUST_OF_ROUTE``,
is the Rust function through a target group of the route's own (``rust:<route key>``, target
group ``rs-<route key>``, derived in ``model/catalog/functions.py``). Rules are evaluated from the
lowest priority up; the first match wins. The listeners (default actions, canary and legacy
ranges) are in ``model/routing/listener.py``.

A weighted route declares ``canary``: the priority its canary rule takes (``X-Use-Rust-Scorer:
true`` reaches Rust at any R) when an environment lists it, from its listener's canary range.
Declared, not handed out by position, so enabling one canary never moves another. A route
renamed keeps its rule through ``former_keys`` (a Terraform ``moved`` block); every key ever
deployed is in ``model/catalog/route_history.py``.
"""

from __future__ import annotations

from model.routing.actions import fixed_response, forward, weighted_forward
from model.routing.backend import RUST_OF_ROUTE
from model.routing.listener import INTERNAL, PUBLIC
from model.routing.route import Route, when, with_own_rust

_GITCOIN_BODY = '{"msg": "This service is not available for requests to the *.gitcoin.co domain"}'

ROUTES: tuple[Route, ...] = with_own_rust((
    # ---- public ALB, HTTPS :443 -------------------------------------------------------
    Route("submit-passport", PUBLIC, 1030,
          when("/registry/submit-passport", ["POST"]),
          forward("py:submit-passport-0"),
          why="Lambda for the v1 submit; must stay below the 3001 /registry/* catch-all"),
    Route("ceramic-cache-score-post", PUBLIC, 1031,
          when("/ceramic-cache/score/*", ["POST"]),
          forward("py:cc-v1-score-POST-0"),
          why="Python only: the Rust scorer does not implement the POST score"),
    Route("ceramic-cache-bulk-post", PUBLIC, 1032,
          when("/ceramic-cache/stamps/bulk", ["POST"]),
          weighted_forward("py:cc-v1-st-bulk-POST-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1021),
    Route("ceramic-cache-bulk-patch", PUBLIC, 1033,
          when("/ceramic-cache/stamps/bulk", ["PATCH"]),
          weighted_forward("py:cc-v1-st-bulk-PATCH-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1022),
    Route("ceramic-cache-bulk-delete", PUBLIC, 1034,
          when("/ceramic-cache/stamps/bulk", ["DELETE"]),
          weighted_forward("py:cc-v1-st-bulk-DELETE-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1023),
    Route("passport-analysis", PUBLIC, 1035,
          when("/passport/analysis/*", ["GET"]),
          forward("py:passport-analysis-GET-0"),
          why="Python only"),
    Route("ceramic-cache-score-get", PUBLIC, 1036,
          when("/ceramic-cache/score/0x*", ["GET"]),
          weighted_forward("py:cc-v1-score-GET-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1024),
    Route("ceramic-cache-weights", PUBLIC, 1037,
          when("/ceramic-cache/weights", ["GET"]),
          weighted_forward("py:cc-weights-GET-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1025),
    Route("ceramic-cache-stamp", PUBLIC, 1038,
          when("/ceramic-cache/stamp", ["GET"]),
          weighted_forward("py:cc-v1-st-GET-0", RUST_OF_ROUTE),
          why="hot endpoint, reimplemented in Rust", canary=1026),
    Route("v2-block-gitcoin", PUBLIC, 2109,
          when("/v2/*", host="*.gitcoin.co"),
          fixed_response(400, "application/json", _GITCOIN_BODY),
          why="v2 is served on *.passport.xyz only; must stay below every other /v2/* rule"),
    Route("v2-models-score", PUBLIC, 2110,
          when("/v2/models/score/*", ["GET"], "*.passport.xyz"),
          forward("py:passport-v2-model-score"),
          why="Python only"),
    Route("v2-stamps-score-history", PUBLIC, 2111,
          when("/v2/stamps/*/score/*/history", ["GET"], "*.passport.xyz"),
          forward("svc:registry"),
          why="the history path also matches the 2112 score pattern, so it must stay below 2112"),
    Route("v2-stamps-score", PUBLIC, 2112,
          when("/v2/stamps/*/score/*", ["GET"], "*.passport.xyz"),
          weighted_forward("py:passport-v2-stamp-score", RUST_OF_ROUTE),
          why="the main scoring endpoint, reimplemented in Rust", canary=1027),
    Route("v2-catchall", PUBLIC, 2200,
          when("/v2/*", host="*.passport.xyz"),
          forward("svc:registry"),
          why="every other v2 endpoint is served by the registry service"),
    Route("registry", PUBLIC, 3001,
          when("/registry/*"),
          forward("svc:registry"),
          why="the v1 registry API is served by the registry service"),
    Route("app-api-nonce", PUBLIC, 5000,
          when("/account/nonce", ["GET", "OPTIONS"]),
          forward("py:cc-nonce-lambda"),
          why="app API, OPTIONS for CORS preflight"),
    Route("app-api-authenticate", PUBLIC, 5001,
          when("/ceramic-cache/authenticate*", ["POST", "OPTIONS"]),
          forward("py:cc-auth-lambda"),
          why="app API, OPTIONS for CORS preflight"),
    # ---- internal ALB, HTTP :80 ---------------------------------------------------------
    Route("embed-add-stamps", INTERNAL, 2104,
          when("/internal/embed/stamps/*", ["POST"]),
          weighted_forward("py:embed-st-lambda", RUST_OF_ROUTE),
          why="embed endpoint, reimplemented in Rust", canary=2095),
    Route("embed-validate-key", INTERNAL, 2105,
          when("/internal/embed/validate-api-key", ["GET"]),
          weighted_forward("py:embed-rl-lambda", RUST_OF_ROUTE),
          why="embed endpoint, reimplemented in Rust", canary=2096),
    Route("embed-get-score", INTERNAL, 2106,
          when("/internal/embed/score/*/*", ["GET"]),
          weighted_forward("py:embed-gs-lambda", RUST_OF_ROUTE),
          why="embed endpoint, reimplemented in Rust", canary=2097),
    Route("embed-config", INTERNAL, 2107,
          when("/internal/embed/config", ["GET"]),
          forward("svc:internal"),
          why="Python-only endpoint: keeps it out of the weighted catch-all (Rust answers 404)"),
    Route("batch-model-scoring", INTERNAL, 2108,
          when("/internal/batch-model-scoring*"),
          forward("svc:internal"),
          why="Python-only endpoint: keeps it out of the weighted catch-all (Rust answers 404)"),
    Route("internal-catchall", INTERNAL, 2120,
          when("/internal/*"),
          weighted_forward("svc:internal", RUST_OF_ROUTE),
          why="every other internal endpoint, shared between the service and Rust", canary=2098),
))
