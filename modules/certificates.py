"""The HTTPS listener's certificate ARN: given, looked up, or requested."""

from __future__ import annotations

from model.config import Certificate
from modules.aws import AcmCertificate, Construct, DataAwsAcmCertificate, TerraformResourceLifecycle


def certificate_arn(scope: Construct, certificate: Certificate) -> str:
    return certificate.resolve(_CertificateArn(scope))


class _CertificateArn:
    """The ``CertificateResolver`` of a stack: the ARN, from a data source or a resource in
    ``scope`` where it is not given."""

    def __init__(self, scope: Construct) -> None:
        self.scope = scope

    def arn(self, arn: str) -> str:
        return arn

    def issued(self, domain: str) -> str:
        return DataAwsAcmCertificate(
            self.scope, "certificate",
            domain=domain, statuses=["ISSUED"], most_recent=True,
        ).arn

    def requested(self, domain: str) -> str:
        return AcmCertificate(
            self.scope, "certificate", domain_name=domain, validation_method="DNS",
            # a replacement certificate must exist before the listener lets go of the old one
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        ).arn
