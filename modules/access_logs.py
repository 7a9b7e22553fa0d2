"""An S3 bucket for one load balancer's access logs: private, encrypted, expiring.

Public access is blocked, objects are encrypted with S3-managed keys (ALB log delivery
supports SSE-S3 only), the bucket owner owns every object, non-TLS requests are denied, and
logs expire after ``retention_days``. Only Elastic Load Balancing may write, below
``AWSLogs/<account>/``.
"""

from __future__ import annotations

import json

from modules.address import addressed
from modules.aws import (
    Construct,
    DataAwsElbServiceAccount,
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)


class AccessLogBucket(Construct):
    """``bucket``, its settings and policy; pass ``bucket_name`` and ``policy`` to the LB
    (the LB must depend on ``policy``: AWS checks it may write when logging is turned on)."""

    def __init__(self, scope: Construct, *, name: str, account_id: str, retention_days: int,
                 force_destroy: bool) -> None:
        super().__init__(scope, "access-logs")
        self.bucket = addressed(
            S3Bucket(self, "bucket", bucket=name, force_destroy=force_destroy), "access_logs")
        bucket_id = self.bucket.id
        addressed(S3BucketPublicAccessBlock(
            self, "public-access-block", bucket=bucket_id,
            block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True,
        ), "access_logs")
        addressed(S3BucketOwnershipControls(
            self, "ownership", bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        ), "access_logs")
        addressed(S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", bucket=bucket_id,
            rule=[S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=(
                    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256")))],
        ), "access_logs")
        addressed(S3BucketLifecycleConfiguration(
            self, "lifecycle", bucket=bucket_id,
            rule=[S3BucketLifecycleConfigurationRule(
                id="expire-access-logs", status="Enabled",
                filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=retention_days)],
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=1)],
            )],
        ), "access_logs")
        elb_account = addressed(DataAwsElbServiceAccount(self, "elb-account"),
                                "access_logs_writer")
        self.policy = addressed(S3BucketPolicy(
            self, "policy", bucket=bucket_id,
            policy=_policy(self.bucket.arn, account_id, elb_account.arn)), "access_logs")
        self.bucket_name = self.bucket.bucket


def _policy(bucket_arn: str, account_id: str, elb_account_arn: str) -> str:
    logs = f"{bucket_arn}/AWSLogs/{account_id}/*"
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            # Regions before August 2022 deliver as the regional ELB account, newer ones as
            # the log-delivery service principal; both may write only below AWSLogs/<account>/.
            {"Sid": "ElbAccountWritesLogs", "Effect": "Allow",
             "Principal": {"AWS": elb_account_arn}, "Action": "s3:PutObject",
             "Resource": logs},
            {"Sid": "ElbServiceWritesLogs", "Effect": "Allow",
             "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": logs},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
             "Action": "s3:*", "Resource": [bucket_arn, f"{bucket_arn}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    })
