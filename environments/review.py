"""Review: its own AWS account for review deployments; Rust takes all weighted traffic."""

from environments.hosted import hosted

CONFIG = hosted("review", rust_version="v1.0.0", rust_percent=100, zone="review.passport.xyz")
