"""What the AWS-hosted environments (staging, review, production) share: each has its own
account, named after it, and serves ``api.<zone>``.

An environment module says only where it differs: its R, its DNS zone, and settings such as
deletion protection or paging.
"""

from __future__ import annotations

from model.config import (
    EnvironmentConfig,
    IssuedCertificate,
    S3Artifacts,
    S3State,
    SecretByName,
    TaggedVpc,
)

REGION = "us-east-1"


def hosted(name: str, *, rust_percent: int, rust_version: str, zone: str,
           **differences: object) -> EnvironmentConfig:
    """The environment ``name`` in its own account: VPC ``scorer-<name>``, the issued
    ``*.<zone>`` certificate, secret ``scorer-<name>-api``, artifacts and state in
    ``passport-scorer-<name>-*`` buckets (a Rust release at ``rust/<version>/``), image tag
    ``<name>``, public URL ``api.<zone>``."""
    settings: dict[str, object] = dict(
        name=name,
        region=REGION,
        rust_percent=rust_percent,
        python_image_tag=name,
        rust_version=rust_version,
        network=TaggedVpc(vpc_name=f"scorer-{name}"),
        certificate=IssuedCertificate(domain=f"*.{zone}"),
        secret=SecretByName(name=f"scorer-{name}-api"),
        artifacts=S3Artifacts(
            bucket=f"passport-scorer-{name}-lambda-artifacts",
            api_key="api/scorer-api.zip",
            api_layer_key="api/scorer-api-dependencies.zip",
            rust_key="rust/{version}/passport-v2-rust-scorer.zip",
        ),
        state=S3State(bucket=f"passport-scorer-{name}-terraform-state", region=REGION),
        public_domain=f"api.{zone}",
        allowed_hosts=(f"api.{zone}", f".{zone}"),
        verifier_url=f"http://verifier.{name}.internal/verifier/",
    )
    return EnvironmentConfig(**{**settings, **differences})
