"""Small constructs with one job each (function, target group, load balancer, listener rule,
alarm set, dashboard, access-log bucket) and the facade (``modules/aws.py``) through which
the project imports cdktf, constructs and the AWS provider. Imports only ``model``.
"""
