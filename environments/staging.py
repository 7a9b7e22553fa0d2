"""Staging: its own AWS account; Rust takes all weighted traffic (R = 100)."""

from environments.hosted import hosted

CONFIG = hosted("staging", rust_version="v1.0.0", rust_percent=100, zone="staging.passport.xyz")
