"""What every command shares: one ``--env`` resolution and one exit-code convention.

Exit status of every command:

- 0: done, or nothing to do, or in sync;
- 1: refused or failed (the reason is printed; nothing more was changed), or drift found;
- 2: bad input, or a system could not be read (credentials, endpoint, a state file).

Every error is one line on standard error (``refused: ...`` or ``error: ...``), never a
traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

import environments
from model.config import EnvironmentConfig
from model.errors import ConfigurationError
from model.rollout.state import RolloutError
from ops.adapters.alb import LiveError
from ops.adapters.store import CorruptState, MissingState
from ops.adapters.tfstate import StateError
from ops.controller.rollout import AbortNotRecorded, NotVerified
from ops.driver.preflight import Refused
from ops.driver.terraform import DeployError
from ops.driver.tools import ToolError

OK, REFUSED, ERROR = 0, 1, 2


def environment(name: str, environ: Mapping[str, str] | None = None) -> EnvironmentConfig:
    """``name``'s configuration with the deploy-time variables applied, as main.py does."""
    if name not in environments.ENVIRONMENTS:
        raise ConfigurationError(f"--env {name!r} is not an environment; known: "
                                 f"{', '.join(environments.ENVIRONMENTS)}")
    return environments.selected({**(os.environ if environ is None else environ),
                                  "ENVIRONMENTS": name})[0]


def run(command: Callable[[], int]) -> int:
    """Run ``command``; every failure becomes one line and its exit status."""
    try:
        return command()
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except (MissingState, CorruptState) as error:  # the state cannot be read: an error
        print(f"error: {error}", file=sys.stderr)
        return ERROR
    except AbortNotRecorded as error:  # the listeners moved, the record did not
        print(f"error: {error}", file=sys.stderr)
        return ERROR
    except NotVerified as error:  # recorded; some rule does not carry it yet
        print(f"error: {error}", file=sys.stderr)
        return REFUSED
    except RolloutError as error:  # a refused transition (before ConfigurationError)
        print(f"refused: {error}", file=sys.stderr)
        return REFUSED
    except (Refused, DeployError) as error:
        print(f"error: {error}", file=sys.stderr)
        return REFUSED
    except (ConfigurationError, ToolError, StateError, LiveError) as error:
        print(f"error: {error}", file=sys.stderr)
        return ERROR
    except Exception as error:  # credentials, endpoint, API errors: say what
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return ERROR
