"""One adapter per outside system: ELBv2 listener rules (``alb``), CloudWatch metrics and
alarms (``metrics``), the rollout state store (``store``), Terraform state (``tfstate``), and
the one way to make an AWS client (``aws``). Each takes its client, so a test hands it a fake."""
