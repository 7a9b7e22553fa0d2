"""Local: deploys to a local AWS API emulator (moto) on this machine; no AWS account needed.

The default VPC and its subnets are looked up; the certificate is requested (it stays
pending there, which the listener accepts); the secret is created; the zip functions run
the tiny stub packages in ``environments/local_artifacts/`` (the Rust stub is made into the
package of ``rust_version`` at synth time, so another release changes its code); state stays
on disk.
"""

from model.config import (
    DefaultVpc,
    EnvironmentConfig,
    LocalArtifacts,
    LocalState,
    ManagedSecret,
    RequestedCertificate,
)

CONFIG = EnvironmentConfig(
    name="local",
    region="us-east-1",
    rust_percent=50,
    python_image_tag="local",
    rust_version="v0.1.0",  # the stub made into this release's package at synth time
    network=DefaultVpc(),
    certificate=RequestedCertificate(domain="api.scorer.localhost"),
    secret=ManagedSecret(name="scorer-local-api"),
    artifacts=LocalArtifacts(
        api_zip="environments/local_artifacts/scorer-api-stub.zip",
        api_layer_zip="environments/local_artifacts/scorer-api-dependencies-stub.zip",
        rust_zip="environments/local_artifacts/rust-scorer-stub.zip",
        otel_layer_zip="environments/local_artifacts/otel-collector-stub.zip",
    ),
    state=LocalState(directory="terraform-state"),
    public_domain="api.scorer.localhost",
    allowed_hosts=("*",),
    verifier_url="http://127.0.0.1:8001/verifier/",
)
