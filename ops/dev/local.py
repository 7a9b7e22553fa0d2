"""Deploy the ``local`` environment to a local AWS emulator and print its live routes.

    pipenv run python -m ops.dev.local [--keep-running] [--state-dir terraform-state]

Starts ``moto_server`` on 127.0.0.1 on a free port (or uses the emulator AWS_ENDPOINT_URL
names), deploys every stack of ``local`` in dependency order with the deploy driver
(``ops.driver.deploy``: progress per stack, the listeners checked before the routing stack), prints
the routing table read back through the ELBv2 API, and stops the emulator it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from environments import ENVIRONMENTS
from model.config import STACK_PARTS
from ops.adapters.alb import Router
from ops.adapters.aws import aws_client
from ops.adapters.tfstate import StateError
from ops.cli.tables import table
from ops.dev.emulator import Emulator, aws_environment
from ops.driver.deploy import deploy
from ops.driver.preflight import Refused
from ops.driver.terraform import DeployError
from ops.driver.tools import PROJECT_ROOT, ToolError, terraform_environment

LOCAL = ENVIRONMENTS["local"]
STACKS = [LOCAL.stack_name(part) for part in STACK_PARTS]


def deploy_local(env: dict[str, str], state_dir: Path) -> str:
    """Deploy all stacks of local with ``env`` aimed at an emulator; the live table."""
    deploy("local", list(STACK_PARTS), env, state_dir=state_dir,
           say=lambda line: print(f"  {line}", flush=True))
    return table(Router(aws_client("elbv2", LOCAL.region, env), LOCAL).views())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-running", action="store_true",
                        help="leave the emulator this command started running")
    parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / "terraform-state",
                        help="where the stacks' state files go (default: terraform-state/)")
    parser.add_argument("--save-routing-state", type=Path, metavar="FILE",
                        help="copy the routing stack's state here after the deploy (how "
                             "`make fixtures` regenerates tests/fixtures/)")
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)

    emulator = None
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    try:
        if not endpoint:
            emulator = Emulator(state_dir.parent / "moto-server.log").start()
            endpoint = emulator.endpoint
            # A new emulator starts empty: state left by an earlier one describes nothing.
            for stale in state_dir.glob("scorer-local-*.tfstate*"):
                stale.unlink()
            print(f"started the AWS emulator on {endpoint}")
        else:
            print(f"using the AWS emulator at {endpoint}")
        env = {**terraform_environment(), **aws_environment(endpoint, LOCAL.region)}
        print(f"deploying {', '.join(STACKS)} ...", flush=True)
        print(deploy_local(env, state_dir))
        if args.save_routing_state is not None:
            shutil.copyfile(state_dir / f"{LOCAL.stack_name('routing')}.tfstate",
                            args.save_routing_state)
            print(f"saved the routing stack's state to {args.save_routing_state}")
    except (DeployError, Refused, StateError, ToolError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if emulator is not None:
            if args.keep_running:
                exports = " ".join(f"{k}={v}" for k, v in aws_environment(
                    endpoint, LOCAL.region).items())
                print(f"the emulator keeps running on {endpoint} (pid {emulator.pid}); to use "
                      f"it: export {exports}")
            else:
                emulator.stop()
                print("stopped the AWS emulator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
