"""Route keys that have been deployed, so that a rename is never a silent destroy-and-create.

A listener rule's state address comes from its route key. A key that leaves the route table
must therefore be accounted for: either the route that replaces it names it in
``former_keys`` (its rule moves in state, a Terraform ``moved`` block: no gap, no second rule
at the same priority) or it is listed in ``RETIRED_KEYS`` (the route is removed on purpose and
its rule destroyed). Validation refuses anything else. New routes need no entry here.
"""

DEPLOYED_KEYS: frozenset[str] = frozenset({
    "submit-passport", "ceramic-cache-score-post", "ceramic-cache-bulk-post",
    "ceramic-cache-bulk-patch", "ceramic-cache-bulk-delete", "passport-analysis",
    "ceramic-cache-score-get", "ceramic-cache-weights", "ceramic-cache-stamp",
    "v2-block-gitcoin", "v2-models-score", "v2-stamps-score-history", "v2-stamps-score",
    "v2-catchall", "registry", "app-api-nonce", "app-api-authenticate",
    "embed-add-stamps", "embed-validate-key", "embed-get-score", "embed-config",
    "batch-model-scoring", "internal-catchall",
})

RETIRED_KEYS: frozenset[str] = frozenset()
