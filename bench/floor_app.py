"""The floor: a minimal cdktf app with the same provider package, ordinary import, one
resource. ``python bench/floor_app.py OUTDIR``"""

import sys

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="us-east-1")
S3Bucket(stack, "bucket", bucket="scorer-benchmark-floor")
app.synth()
