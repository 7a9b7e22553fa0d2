"""The configuration unions carry their behaviour: each member resolves itself through its
union's resolver protocol (calling the method that names it, with its own fields) or answers
a plain fact (where its state lives), so that no consumer asks which member it has."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from environments import ENVIRONMENTS
from model.config import (
    ArtifactResolver,
    Artifacts,
    Certificate,
    CertificateArn,
    CertificateResolver,
    DefaultVpc,
    IssuedCertificate,
    LocalArtifacts,
    LocalState,
    ManagedSecret,
    Network,
    NetworkResolver,
    RequestedCertificate,
    S3Artifacts,
    S3State,
    Secret,
    SecretByName,
    SecretResolver,
    StateBackend,
    StateBackendResolver,
    TaggedVpc,
    VpcIds,
)
from model.function_spec import CodeResolver, FunctionCode, ImageCode, ZipCode
from model.paths import PROJECT_ROOT
from ops.adapters.tfstate import routing_state_location


class Recorder:
    """A resolver that answers (method, arguments) for any method of ``protocol``, and refuses
    a method the protocol does not declare."""

    def __init__(self, protocol: type) -> None:
        self.protocol = protocol

    def __getattr__(self, name: str) -> Any:
        assert callable(getattr(self.protocol, name, None)), (
            f"{name} is not a method of {self.protocol.__name__}")
        return lambda *arguments: (name, arguments)


S3_ARTIFACTS = S3Artifacts(bucket="artifacts", api_key="api.zip", api_layer_key="layer.zip",
                           rust_key="rust/{version}/rust.zip")
LOCAL_ARTIFACTS = LocalArtifacts(api_zip="a/api.zip", api_layer_zip="a/layer.zip",
                                 rust_zip="a/rust.zip", otel_layer_zip="a/otel.zip")


# ---- network ------------------------------------------------------------------------------
@pytest.mark.parametrize(("network", "expected"), [
    (DefaultVpc(), ("default_vpc", ())),
    (TaggedVpc("scorer-staging"), ("tagged_vpc", ("scorer-staging", "private", "public"))),
    (TaggedVpc("v", private_tier="app", public_tier="edge"), ("tagged_vpc", ("v", "app", "edge"))),
    (VpcIds("vpc-1", ("subnet-a",), ("subnet-b",)),
     ("vpc_ids", ("vpc-1", ("subnet-a",), ("subnet-b",)))),
])
def test_a_network_resolves_itself(network: Network, expected: tuple[str, tuple]) -> None:
    assert network.resolve(Recorder(NetworkResolver)) == expected


def test_only_vpc_ids_without_subnets_are_a_problem() -> None:
    assert DefaultVpc().problems() == []
    assert TaggedVpc("v").problems() == []
    assert VpcIds("vpc-1", ("a",), ("b",)).problems() == []
    assert VpcIds("vpc-1", ("a",), ()).problems() == [
        "network VpcIds needs private and public subnet IDs"]
    assert VpcIds("vpc-1", (), ("b",)).problems() == [
        "network VpcIds needs private and public subnet IDs"]


# ---- certificate, secret ------------------------------------------------------------------
@pytest.mark.parametrize(("certificate", "expected"), [
    (CertificateArn("arn:aws:acm:us-east-1:123456789012:certificate/x"),
     ("arn", ("arn:aws:acm:us-east-1:123456789012:certificate/x",))),
    (IssuedCertificate("*.example.org"), ("issued", ("*.example.org",))),
    (RequestedCertificate("api.example.org"), ("requested", ("api.example.org",))),
])
def test_a_certificate_resolves_itself(certificate: Certificate,
                                       expected: tuple[str, tuple]) -> None:
    assert certificate.resolve(Recorder(CertificateResolver)) == expected


def test_only_a_given_certificate_arn_is_checked() -> None:
    assert CertificateArn("arn:aws:acm:us-east-1:123456789012:certificate/x").problems() == []
    assert CertificateArn("not-an-arn").problems() == [
        "certificate arn 'not-an-arn' is not an ARN"]
    assert IssuedCertificate("not-an-arn").problems() == []
    assert RequestedCertificate("not-an-arn").problems() == []


@pytest.mark.parametrize(("secret", "expected"), [
    (SecretByName("scorer-staging-api"), ("by_name", ("scorer-staging-api",))),
    (ManagedSecret("scorer-local-api"), ("managed", ("scorer-local-api",))),
])
def test_a_secret_resolves_itself(secret: Secret, expected: tuple[str, tuple]) -> None:
    assert secret.resolve(Recorder(SecretResolver)) == expected


# ---- artifacts, function code ------------------------------------------------------------
@pytest.mark.parametrize(("artifacts", "api", "rust", "layer"), [
    (S3_ARTIFACTS, ("s3_object", ("artifacts", "api.zip")),
     ("s3_object", ("artifacts", "rust/v1.2.3/rust.zip")),
     ("s3_object", ("artifacts", "layer.zip"))),
    (LOCAL_ARTIFACTS, ("local_zip", ("api-package", "a/api.zip")),
     ("release_zip", ("rust-package", "a/rust.zip", "v1.2.3")),
     ("local_zip", ("api-layer", "a/layer.zip"))),
])
def test_artifacts_say_where_each_package_is(artifacts: Artifacts, api: tuple, rust: tuple,
                                             layer: tuple) -> None:
    resolver = Recorder(ArtifactResolver)
    assert artifacts.package("api", resolver) == api
    assert artifacts.package("rust", resolver, "v1.2.3") == rust
    assert artifacts.api_layer(resolver) == layer


def test_only_local_artifacts_bring_a_stub_otel_layer() -> None:
    """Where artifacts are in S3, the published ADOT layer serves (None)."""
    resolver = Recorder(ArtifactResolver)
    assert S3_ARTIFACTS.otel_layer_stub(resolver) is None
    assert LOCAL_ARTIFACTS.otel_layer_stub(resolver) == ("local_zip", ("otel-layer", "a/otel.zip"))


@pytest.mark.parametrize(("code", "expected"), [
    (ImageCode("app.handler"), ("image", ("app.handler",))),
    (ZipCode("bootstrap", "provided.al2023", "rust"),
     ("zip", ("bootstrap", "provided.al2023", "rust"))),
])
def test_function_code_resolves_itself(code: FunctionCode, expected: tuple[str, tuple]) -> None:
    assert code.resolve(Recorder(CodeResolver)) == expected


# ---- state backend ------------------------------------------------------------------------
def test_s3_state_is_remote_and_keyed_by_stack() -> None:
    state = S3State(bucket="tf-state", region="eu-west-1", key_prefix="routing",
                    legacy_lock_table="locks")
    assert state.local_directory is None
    assert state.key("scorer-x-lambdas") == "routing/scorer-x-lambdas.tfstate"
    assert state.location("scorer-x-lambdas") == "s3://tf-state/routing/scorer-x-lambdas.tfstate"
    assert state.backend("scorer-x-lambdas", Recorder(StateBackendResolver)) == (
        "s3", ("tf-state", "routing/scorer-x-lambdas.tfstate", "eu-west-1", "locks"))
    assert S3State("b", "us-east-1").backend("s", Recorder(StateBackendResolver)) == (
        "s3", ("b", "scorer-routing/s.tfstate", "us-east-1", None))


def test_local_state_is_a_folder_of_the_project() -> None:
    state = LocalState(directory="states/here")
    assert state.local_directory == PROJECT_ROOT / "states" / "here"
    assert state.location("scorer-x-routing") == str(
        PROJECT_ROOT / "states" / "here" / "scorer-x-routing.tfstate")
    assert state.backend("scorer-x-routing", Recorder(StateBackendResolver)) == (
        "local", ("states/here/scorer-x-routing.tfstate",))
    assert LocalState().local_directory == PROJECT_ROOT / "terraform-state"


@pytest.mark.parametrize(("environment", "expected"), [
    ("local", str(PROJECT_ROOT / "terraform-state" / "scorer-local-routing.tfstate")),
    ("production", "s3://passport-scorer-production-terraform-state/scorer-routing/"
                   "scorer-production-routing.tfstate"),
])
def test_the_routing_state_location_is_the_states_own(environment: str, expected: str) -> None:
    assert routing_state_location(ENVIRONMENTS[environment]) == expected


# ---- every member of every union ------------------------------------------------------------
@pytest.mark.parametrize(("union", "methods"), [
    (Network, ("resolve", "problems")),
    (Certificate, ("resolve", "problems")),
    (Secret, ("resolve",)),
    (Artifacts, ("package", "api_layer", "otel_layer_stub", "problems")),
    (StateBackend, ("local_directory", "location", "backend")),
    (FunctionCode, ("resolve",)),
])
def test_every_member_answers_for_itself(union: Any, methods: tuple[str, ...]) -> None:
    """A member added to a union without its methods is caught here, not at synth."""
    for member in typing.get_args(union):
        missing = [m for m in methods if m not in vars(member)]
        assert missing == [], f"{member.__name__} lacks {', '.join(missing)}"


def test_the_recorder_refuses_an_undeclared_method() -> None:
    with pytest.raises(AssertionError, match="not a method of NetworkResolver"):
        Recorder(NetworkResolver).vpc_by_name("v")

