"""THE route table: every listener rule this project owns, declared once (spec/routes.md).

Each route: key (its Terraform address is ``aws_lb_listener_rule.<key with underscores>``),
listener, priority, conditions, action, and why it exists. Weighted routes send
``100 - R`` to Python and ``R`` to Rust, sticky for an hour. Rules are evaluated from the
lowest priority up; the first match wins.
"""

from __future__ import annotations

from modules.route import Route, fixed_response, forward, weighted_forward, when

PUBLIC_DEFAULT_BACKEND = "svc:default"
INTERNAL_DEFAULT_RESPONSE = fixed_response(404, "application/json", '{"detail": "Not Found"}')

_GITCOIN_BODY = '{"msg": "This service is not available for requests to the *.gitcoin.co domain"}'

ROUTES: tuple[Route, ...] = (
    # ---- public ALB, HTTPS :443 -------------------------------------------------------
    Route("submit-passport", "public", 1030,
          when("/registry/submit-passport", ["POST"]),
          forward("py:submit-passport-0"),
          why="Lambda for the v1 submit; must stay below the 3001 /registry/* catch-all"),
    Route("ceramic-cache-score-post", "public", 1031,
          when("/ceramic-cache/score/*", ["POST"]),
          forward("py:cc-v1-score-POST-0"),
          why="Python only: the Rust scorer does not implement the POST score"),
    Route("ceramic-cache-bulk-post", "public", 1032,
          when("/ceramic-cache/stamps/bulk", ["POST"]),
          weighted_forward("py:cc-v1-st-bulk-POST-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("ceramic-cache-bulk-patch", "public", 1033,
          when("/ceramic-cache/stamps/bulk", ["PATCH"]),
          weighted_forward("py:cc-v1-st-bulk-PATCH-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("ceramic-cache-bulk-delete", "public", 1034,
          when("/ceramic-cache/stamps/bulk", ["DELETE"]),
          weighted_forward("py:cc-v1-st-bulk-DELETE-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("passport-analysis", "public", 1035,
          when("/passport/analysis/*", ["GET"]),
          forward("py:passport-analysis-GET-0"),
          why="Python only"),
    Route("ceramic-cache-score-get", "public", 1036,
          when("/ceramic-cache/score/0x*", ["GET"]),
          weighted_forward("py:cc-v1-score-GET-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("ceramic-cache-weights", "public", 1037,
          when("/ceramic-cache/weights", ["GET"]),
          weighted_forward("py:cc-weights-GET-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("ceramic-cache-stamp", "public", 1038,
          when("/ceramic-cache/stamp", ["GET"]),
          weighted_forward("py:cc-v1-st-GET-0", "rust"),
          why="hot endpoint, reimplemented in Rust"),
    Route("v2-block-gitcoin", "public", 2109,
          when("/v2/*", host="*.gitcoin.co"),
          fixed_response(400, "application/json", _GITCOIN_BODY),
          why="v2 is served on *.passport.xyz only; must stay below every other /v2/* rule"),
    Route("v2-models-score", "public", 2110,
          when("/v2/models/score/*", ["GET"], "*.passport.xyz"),
          forward("py:passport-v2-model-score"),
          why="Python only"),
    Route("v2-stamps-score-history", "public", 2111,
          when("/v2/stamps/*/score/*/history", ["GET"], "*.passport.xyz"),
          forward("svc:registry"),
          why="the history path also matches the 2112 score pattern, so it must stay below 2112"),
    Route("v2-stamps-score", "public", 2112,
          when("/v2/stamps/*/score/*", ["GET"], "*.passport.xyz"),
          weighted_forward("py:passport-v2-stamp-score", "rust"),
          why="the main scoring endpoint, reimplemented in Rust"),
    Route("v2-catchall", "public", 2200,
          when("/v2/*", host="*.passport.xyz"),
          forward("svc:registry"),
          why="every other v2 endpoint is served by the registry service"),
    Route("registry", "public", 3001,
          when("/registry/*"),
          forward("svc:registry"),
          why="the v1 registry API is served by the registry service"),
    Route("app-api-nonce", "public", 5000,
          when("/account/nonce", ["GET", "OPTIONS"]),
          forward("py:cc-nonce-lambda"),
          why="app API, OPTIONS for CORS preflight"),
    Route("app-api-authenticate", "public", 5001,
          when("/ceramic-cache/authenticate*", ["POST", "OPTIONS"]),
          forward("py:cc-auth-lambda"),
          why="app API, OPTIONS for CORS preflight"),
    # ---- internal ALB, HTTP :80 ---------------------------------------------------------
    Route("embed-add-stamps", "internal", 2104,
          when("/internal/embed/stamps/*", ["POST"]),
          weighted_forward("py:embed-st-lambda", "rust-int"),
          why="embed endpoint, reimplemented in Rust"),
    Route("embed-validate-key", "internal", 2105,
          when("/internal/embed/validate-api-key", ["GET"]),
          weighted_forward("py:embed-rl-lambda", "rust-int"),
          why="embed endpoint, reimplemented in Rust"),
    Route("embed-get-score", "internal", 2106,
          when("/internal/embed/score/*/*", ["GET"]),
          weighted_forward("py:embed-gs-lambda", "rust-int"),
          why="embed endpoint, reimplemented in Rust"),
    Route("embed-config", "internal", 2107,
          when("/internal/embed/config", ["GET"]),
          forward("svc:internal"),
          why="Python-only endpoint: keeps it out of the weighted catch-all (Rust answers 404)"),
    Route("batch-model-scoring", "internal", 2108,
          when("/internal/batch-model-scoring*"),
          forward("svc:internal"),
          why="Python-only endpoint: keeps it out of the weighted catch-all (Rust answers 404)"),
    Route("internal-catchall", "internal", 2120,
          when("/internal/*"),
          weighted_forward("svc:internal", "rust-int"),
          why="every other internal endpoint, shared between the service and Rust"),
)

# Canary rules (stacks/rollout.py): requests with this header reach Rust on the routes an
# environment lists, from these free ranges, which sit below every route of their listener
# (1021-1029 between the legacy 1001-1020 and 1030; 2095-2099 below the legacy 2100-2103).
CANARY_HEADER = ("X-Use-Rust-Scorer", "true")
CANARY_PRIORITIES: dict[str, range] = {
    "public": range(1021, 1030),
    "internal": range(2095, 2100),
}

# Canary rules (stacks/rollout.py): requests with this header reach Rust on the routes an
# environment lists, from these free ranges, which sit below every route of their listener
# (1021-1029 between the legacy 1001-1020 and 1030; 2095-2099 below the legacy 2100-2103).
CANARY_HEADER = ("X-Use-Rust-Scorer", "true")
CANARY_PRIORITIES: dict[str, range] = {
    "public": range(1021, 1030),
    "internal": range(2095, 2100),
}

# Priorities the previous code used; those rules may still exist on the live listeners until
# the old stacks are destroyed, so new rules must not take them (spec/routes.md).
LEGACY_PRIORITIES: dict[str, tuple[range, ...]] = {
    "public": (range(1001, 1021), range(2000, 2001), range(2021, 2024), range(2060, 2061),
               range(3000, 3001), range(5010, 5011), range(5020, 5021)),
    "internal": (range(2100, 2104), range(2202, 2203)),
}
