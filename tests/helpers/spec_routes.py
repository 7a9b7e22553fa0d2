"""docs/routing.md transcribed independently of the code, for the tests to compare against.

priority -> (listener, route key, path, methods, host, action), where action is
("forward", backend), ("weighted", python backend, rust backend) or
("fixed", status, content type, body).
"""

GITCOIN_BODY = '{"msg": "This service is not available for requests to the *.gitcoin.co domain"}'

SPEC_ROUTES = {
    ("public", 1030): ("submit-passport", "/registry/submit-passport", ["POST"], None,
                       ("forward", "py:submit-passport-0")),
    ("public", 1031): ("ceramic-cache-score-post", "/ceramic-cache/score/*", ["POST"], None,
                       ("forward", "py:cc-v1-score-POST-0")),
    ("public", 1032): ("ceramic-cache-bulk-post", "/ceramic-cache/stamps/bulk", ["POST"], None,
                       ("weighted", "py:cc-v1-st-bulk-POST-0", "rust")),
    ("public", 1033): ("ceramic-cache-bulk-patch", "/ceramic-cache/stamps/bulk", ["PATCH"], None,
                       ("weighted", "py:cc-v1-st-bulk-PATCH-0", "rust")),
    ("public", 1034): ("ceramic-cache-bulk-delete", "/ceramic-cache/stamps/bulk", ["DELETE"], None,
                       ("weighted", "py:cc-v1-st-bulk-DELETE-0", "rust")),
    ("public", 1035): ("passport-analysis", "/passport/analysis/*", ["GET"], None,
                       ("forward", "py:passport-analysis-GET-0")),
    ("public", 1036): ("ceramic-cache-score-get", "/ceramic-cache/score/0x*", ["GET"], None,
                       ("weighted", "py:cc-v1-score-GET-0", "rust")),
    ("public", 1037): ("ceramic-cache-weights", "/ceramic-cache/weights", ["GET"], None,
                       ("weighted", "py:cc-weights-GET-0", "rust")),
    ("public", 1038): ("ceramic-cache-stamp", "/ceramic-cache/stamp", ["GET"], None,
                       ("weighted", "py:cc-v1-st-GET-0", "rust")),
    ("public", 2109): ("v2-block-gitcoin", "/v2/*", None, "*.gitcoin.co",
                       ("fixed", "400", "application/json", GITCOIN_BODY)),
    ("public", 2110): ("v2-models-score", "/v2/models/score/*", ["GET"], "*.passport.xyz",
                       ("forward", "py:passport-v2-model-score")),
    ("public", 2111): ("v2-stamps-score-history", "/v2/stamps/*/score/*/history", ["GET"],
                       "*.passport.xyz", ("forward", "svc:registry")),
    ("public", 2112): ("v2-stamps-score", "/v2/stamps/*/score/*", ["GET"], "*.passport.xyz",
                       ("weighted", "py:passport-v2-stamp-score", "rust")),
    ("public", 2200): ("v2-catchall", "/v2/*", None, "*.passport.xyz", ("forward", "svc:registry")),
    ("public", 3001): ("registry", "/registry/*", None, None, ("forward", "svc:registry")),
    ("public", 5000): ("app-api-nonce", "/account/nonce", ["GET", "OPTIONS"], None,
                       ("forward", "py:cc-nonce-lambda")),
    ("public", 5001): ("app-api-authenticate", "/ceramic-cache/authenticate*", ["POST", "OPTIONS"],
                       None, ("forward", "py:cc-auth-lambda")),
    ("internal", 2104): ("embed-add-stamps", "/internal/embed/stamps/*", ["POST"], None,
                         ("weighted", "py:embed-st-lambda", "rust-int")),
    ("internal", 2105): ("embed-validate-key", "/internal/embed/validate-api-key", ["GET"], None,
                         ("weighted", "py:embed-rl-lambda", "rust-int")),
    ("internal", 2106): ("embed-get-score", "/internal/embed/score/*/*", ["GET"], None,
                         ("weighted", "py:embed-gs-lambda", "rust-int")),
    ("internal", 2107): ("embed-config", "/internal/embed/config", ["GET"], None,
                         ("forward", "svc:internal")),
    ("internal", 2108): ("batch-model-scoring", "/internal/batch-model-scoring*", None, None,
                         ("forward", "svc:internal")),
    ("internal", 2120): ("internal-catchall", "/internal/*", None, None,
                         ("weighted", "svc:internal", "rust-int")),
}

# Issue 17 (docs/architecture.md): the Rust side of a weighted route (the spec's ``rust`` or
# ``rust-int``, the Rust function on that route's load balancer) is a target group of the
# route's own, ``rs-<route key>``; the shared ones (``l-passport-v2-rust-scorer[-int]``) are
# retired.
SPEC_RUST_TARGET_GROUPS = {route[0]: f"rs-{route[0]}" for route in SPEC_ROUTES.values()
                           if route[4][0] == "weighted"}
SPEC_SHARED_RUST_TARGET_GROUPS = {"public": "l-passport-v2-rust-scorer",
                                  "internal": "l-passport-v2-rust-scorer-int"}


# Target groups' Terraform addresses by backend (docs/architecture.md: l-<function>; services;
# a weighted route's Rust side: its own, named after the route).
def target_group_address(backend: str, route_key: str | None = None) -> str:
    if backend in ("rust", "rust-int"):
        assert route_key is not None, "the Rust target group is the route's own"
        return SPEC_RUST_TARGET_GROUPS[route_key].replace("-", "_")
    if backend.startswith("svc:"):
        return "svc_" + backend.removeprefix("svc:")
    return "l_" + backend.removeprefix("py:").replace("-", "_")


SPEC_R = {"staging": 100, "review": 100, "production": 0, "local": 50}

# The environments and the stacks of each, as docs/architecture.md describes them.
SPEC_ENVIRONMENTS = tuple(SPEC_R)
SPEC_STACK_PARTS = ("public-alb", "internal-alb", "lambdas", "rollout", "routing", "monitoring")
SPEC_STACKS = tuple(f"scorer-{env}-{part}" for env in SPEC_ENVIRONMENTS
                    for part in SPEC_STACK_PARTS)
SPEC_WEIGHTED = tuple(key for key, route in SPEC_ROUTES.items() if route[4][0] == "weighted")
