"""Review: its own AWS account for review deployments; Rust takes all weighted traffic."""

from stacks.config import (
    EnvironmentConfig,
    IssuedCertificate,
    S3Artifacts,
    S3State,
    SecretByName,
    TaggedVpc,
)

CONFIG = EnvironmentConfig(
    name="review",
    region="us-east-1",
    rust_percent=100,
    python_image_tag="review",
    network=TaggedVpc(vpc_name="scorer-review"),
    certificate=IssuedCertificate(domain="*.review.passport.xyz"),
    secret=SecretByName(name="scorer-review-api"),
    artifacts=S3Artifacts(
        bucket="passport-scorer-review-lambda-artifacts",
        api_key="api/scorer-api.zip",
        api_layer_key="api/scorer-api-dependencies.zip",
        rust_key="rust/passport-v2-rust-scorer.zip",
    ),
    state=S3State(
        bucket="passport-scorer-review-terraform-state",
        region="us-east-1",
        lock_table="passport-scorer-terraform-locks",
    ),
    public_domain="api.review.passport.xyz",
    allowed_hosts=("api.review.passport.xyz", ".review.passport.xyz"),
    verifier_url="http://verifier.review.internal/verifier/",
)
