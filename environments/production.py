"""Production: its own AWS account; Rust starts at 0 % and moves only through the rollout
commands (docs/rollout.md), which record every step in its rollout state.

Both ALBs have deletion protection; alarms page on-call through PagerDuty.
"""

from environments.hosted import hosted
from model.config import PagingSecret

CONFIG = hosted(
    "production",
    rust_version="v1.0.0",  # the Rust release (RUST_VERSION replaces it)
    rust_percent=0,
    zone="passport.xyz",
    deletion_protection=True,
    # Alarms page on-call: the PagerDuty integration URL is this secret's value.
    paging=PagingSecret(secret_name="scorer-production-pagerduty-endpoint"),
)
