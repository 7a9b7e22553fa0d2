"""``deploy``: deploy an environment's stacks with the deploy driver (``ops.driver.deploy``).

    pipenv run deploy --env production [--parts routing] [--state-dir DIR]

Exit status (``ops.cli.common``): 0 deployed; 1 refused or failed (nothing more is applied
after a failure); 2 bad arguments, tools missing, or a state that cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from model.config import STACK_PARTS
from model.errors import ConfigurationError
from ops.cli.common import environment, run
from ops.driver.deploy import deploy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="the environment to deploy")
    parser.add_argument("--parts", default=",".join(STACK_PARTS),
                        help=f"stacks to deploy, of {','.join(STACK_PARTS)} (default: all)")
    parser.add_argument("--state-dir", type=Path,
                        help="where local state lives (default: the environment's folder)")
    args = parser.parse_args(argv)

    def command() -> int:
        environment(args.env)
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
        unknown = [p for p in parts if p not in STACK_PARTS]
        if unknown or not parts:
            raise ConfigurationError(f"--parts {args.parts!r}: unknown part(s) "
                                     f"{', '.join(map(repr, unknown))}; known: "
                                     f"{', '.join(STACK_PARTS)}")
        deploy(args.env, parts, dict(os.environ), state_dir=args.state_dir)
        return 0

    return run(command)


if __name__ == "__main__":
    sys.exit(main())
