"""External tools (Terraform, the cdktf CLI) and the environment they run with."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from model.paths import PROJECT_ROOT

OFFLINE_RC = PROJECT_ROOT.parent / "shared" / "tools" / "terraform-offline-rc"
PROVIDER = Path("hashicorp") / "aws" / "5.100.0"  # what cdktf-cdktf-provider-aws 20.1.0 binds


class ToolError(RuntimeError):
    """A required tool is missing or failed; the message says which and what to do."""


def require(tool: str, hint: str, path: str | None = None) -> str:
    """The tool's path (searched in ``path``, default this process's PATH); ToolError."""
    found = shutil.which(tool, path=path)
    if not found:
        raise ToolError(f"{tool} is required but not on the PATH: {hint}")
    return found


@contextlib.contextmanager
def plugin_cache_lock(env: dict[str, str]) -> Iterator[None]:
    """Held around ``terraform init``: inits that share the plugin cache
    (``TF_PLUGIN_CACHE_DIR``) are not safe at the same time, in one process or several (a
    deploy and the test suite's background validation, say). No cache, no lock."""
    cache = env.get("TF_PLUGIN_CACHE_DIR")
    if not cache:
        yield
        return
    Path(cache).mkdir(parents=True, exist_ok=True)
    with (Path(cache) / ".init.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def terraform_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Terraform and cdktf runs.

    Where the machine has no route to the Terraform registry it carries a filesystem mirror of
    the provider: when TF_CLI_CONFIG_FILE is not set already, a CLI config that installs from
    that mirror is written to a temporary file and used. Elsewhere Terraform downloads the
    provider as usual. A TF_CLI_CONFIG_FILE that names no file counts as not set.
    """
    env = dict(os.environ if environ is None else environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("TF_IN_AUTOMATION", "1")
    if "TF_PLUGIN_CACHE_DIR" not in env:
        cache = Path(tempfile.gettempdir()) / "scorer-routing-terraform-plugins"
        cache.mkdir(exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(cache)
    configured = env.get("TF_CLI_CONFIG_FILE")
    if not (configured and Path(configured).is_file()):
        config = _offline_cli_config()
        if config is not None:
            rc = Path(tempfile.gettempdir()) / "scorer-routing-terraform-offline.rc"
            rc.write_text(config)
            env["TF_CLI_CONFIG_FILE"] = str(rc)
    return env


def _offline_cli_config() -> str | None:
    """A CLI config for this machine's provider mirror, or None where there is none.

    ``../shared/tools/terraform-offline-rc`` prints it where the project sits beside the
    workplace's shared folder; a clone elsewhere looks for the mirror as that script does:
    a ``registry.terraform.io`` folder up to three levels below ``/`` that holds the provider.
    """
    if OFFLINE_RC.is_file():
        result = subprocess.run(["bash", str(OFFLINE_RC)], capture_output=True, text=True,
                                timeout=30, check=False)
        return result.stdout if result.returncode == 0 else None
    temporary = Path(tempfile.gettempdir())
    found = [hit for hit in sorted(Path("/").glob("*/*/registry.terraform.io"))
             + sorted(Path("/").glob("*/registry.terraform.io"))
             if (hit / PROVIDER).is_dir()]
    # A mirror the machine carries before a Terraform cache of this project's runs.
    found.sort(key=lambda hit: temporary in hit.parents)
    if not found:
        return None
    return (f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{found[0].parent}"\n'
            '    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n'
            '    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n')
