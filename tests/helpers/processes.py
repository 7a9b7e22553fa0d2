"""``main.py`` and other project scripts as processes, with a clean environment."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from model.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
_DEPLOY_VARIABLES = ("ENVIRONMENTS", "RUST_ROUTING_PERCENT", "RUST_ROUTING_PERCENT_ROUTES",
                     "RUST_EMERGENCY_ROLLBACK", "RUST_CANARY_ROUTES", "PYTHON_IMAGE_TAG",
                     "SCORER_PROVIDER_IMPORT")


def process_environ(outdir: Path, **env: str) -> dict[str, str]:
    """This process's environment without the operator's deploy-time variables, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if k not in _DEPLOY_VARIABLES}
    return {**environ, "CDKTF_OUTDIR": str(outdir),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **env}


def run_main(outdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``main.py`` as cdktf.json runs it: -O skips jsii's per-call argument type checks (the
    in-process tests keep them on and build every environment)."""
    return subprocess.run([sys.executable, "-O", "main.py"], cwd=ROOT, text=True,
                          env=process_environ(outdir, **env), capture_output=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
