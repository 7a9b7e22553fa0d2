"""The HTTPS listener's certificate ARN: given, looked up, or requested."""

from __future__ import annotations

from model.config import Certificate, CertificateArn, IssuedCertificate, RequestedCertificate
from modules.aws import AcmCertificate, Construct, DataAwsAcmCertificate, TerraformResourceLifecycle


def certificate_arn(scope: Construct, certificate: Certificate) -> str:
    if isinstance(certificate, CertificateArn):
        return certificate.arn
    if isinstance(certificate, IssuedCertificate):
        return DataAwsAcmCertificate(
            scope, "certificate",
            domain=certificate.domain, statuses=["ISSUED"], most_recent=True,
        ).arn
    assert isinstance(certificate, RequestedCertificate)
    return AcmCertificate(
        scope, "certificate", domain_name=certificate.domain, validation_method="DNS",
        # a replacement certificate must exist before the listener lets go of the old one
        lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
    ).arn
