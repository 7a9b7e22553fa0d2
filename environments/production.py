"""Production: its own AWS account; Rust starts at 0 % and rolls out by RUST_ROUTING_PERCENT.

Both ALBs have deletion protection; alarms page on-call through PagerDuty.
"""

from stacks.config import (
    EnvironmentConfig,
    IssuedCertificate,
    PagingSecret,
    S3Artifacts,
    S3State,
    SecretByName,
    TaggedVpc,
)

CONFIG = EnvironmentConfig(
    name="production",
    region="us-east-1",
    rust_percent=0,
    python_image_tag="production",
    network=TaggedVpc(vpc_name="scorer-production"),
    certificate=IssuedCertificate(domain="*.passport.xyz"),
    secret=SecretByName(name="scorer-production-api"),
    artifacts=S3Artifacts(
        bucket="passport-scorer-production-lambda-artifacts",
        api_key="api/scorer-api.zip",
        api_layer_key="api/scorer-api-dependencies.zip",
        rust_key="rust/passport-v2-rust-scorer.zip",
    ),
    state=S3State(
        bucket="passport-scorer-production-terraform-state",
        region="us-east-1",
        lock_table="passport-scorer-terraform-locks",
    ),
    public_domain="api.passport.xyz",
    allowed_hosts=("api.passport.xyz", ".passport.xyz"),
    verifier_url="http://verifier.production.internal/verifier/",
    deletion_protection=True,
    # Alarms page on-call: the PagerDuty integration URL is this secret's value.
    paging=PagingSecret(secret_name="scorer-production-pagerduty-endpoint"),
)
