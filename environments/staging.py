"""Staging: its own AWS account; Rust takes all weighted traffic (R = 100)."""

from stacks.config import (
    EnvironmentConfig,
    IssuedCertificate,
    S3Artifacts,
    S3State,
    SecretByName,
    TaggedVpc,
)

CONFIG = EnvironmentConfig(
    name="staging",
    region="us-east-1",
    rust_percent=100,
    python_image_tag="staging",
    network=TaggedVpc(vpc_name="scorer-staging"),
    certificate=IssuedCertificate(domain="*.staging.passport.xyz"),
    secret=SecretByName(name="scorer-staging-api"),
    artifacts=S3Artifacts(
        bucket="passport-scorer-staging-lambda-artifacts",
        api_key="api/scorer-api.zip",
        api_layer_key="api/scorer-api-dependencies.zip",
        rust_key="rust/passport-v2-rust-scorer.zip",
    ),
    state=S3State(
        bucket="passport-scorer-staging-terraform-state",
        region="us-east-1",
        lock_table="passport-scorer-terraform-locks",
    ),
    public_domain="api.staging.passport.xyz",
    allowed_hosts=("api.staging.passport.xyz", ".staging.passport.xyz"),
    verifier_url="http://verifier.staging.internal/verifier/",
)
