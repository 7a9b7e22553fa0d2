"""The function catalog of docs/architecture.md transcribed independently of the code:
name -> (memory, timeout, architecture, the load balancer whose target group it serves)."""

SPEC_FUNCTIONS = {
    "submit-passport-0": (1024, 60, "x86_64", "public"),
    "cc-v1-st-bulk-POST-0": (512, 60, "x86_64", "public"),
    "cc-v1-st-bulk-PATCH-0": (512, 60, "x86_64", "public"),
    "cc-v1-st-bulk-DELETE-0": (512, 60, "x86_64", "public"),
    "cc-v1-score-POST-0": (512, 60, "x86_64", "public"),
    "cc-v1-score-GET-0": (512, 60, "x86_64", "public"),
    "cc-weights-GET-0": (512, 60, "x86_64", "public"),
    "cc-v1-st-GET-0": (512, 60, "x86_64", "public"),
    "passport-analysis-GET-0": (256, 60, "x86_64", "public"),
    "passport-v2-model-score": (256, 90, "x86_64", "public"),
    "passport-v2-stamp-score": (256, 60, "x86_64", "public"),
    "embed-st-lambda": (512, 60, "x86_64", "internal"),
    "embed-rl-lambda": (512, 60, "x86_64", "internal"),
    "embed-gs-lambda": (512, 60, "x86_64", "internal"),
    "cc-nonce-lambda": (512, 60, "x86_64", "public"),
    "cc-auth-lambda": (512, 60, "x86_64", "public"),
    "passport-v2-rust-scorer": (256, 30, "arm64", "both"),
}
