"""AWS naming rules for the names this project sets explicitly."""

from __future__ import annotations

import re

_ELB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

ELB_NAME_MAX = 32  # load balancers and target groups
FUNCTION_NAME_MAX = 64
ROLE_NAME_MAX = 64
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]+$")


def elb_name_problem(kind: str, name: str) -> str | None:
    """Why ``name`` is not a valid load balancer or target group name, or None.

    Both share AWS's rule: at most 32 characters of ``[A-Za-z0-9-]``, not starting or
    ending with ``-``. Load balancer names may also not start with ``internal-``.
    """
    if len(name) > ELB_NAME_MAX:
        return f"{kind} name {name!r} is {len(name)} characters, more than {ELB_NAME_MAX}"
    if not _ELB_NAME.fullmatch(name):
        return (
            f"{kind} name {name!r} must be 1..{ELB_NAME_MAX} characters of [A-Za-z0-9-], "
            "not starting or ending with '-'"
        )
    if kind == "load balancer" and name.startswith("internal-"):
        return f"load balancer name {name!r} must not start with 'internal-'"
    return None


def _name_problem(kind: str, name: str, longest: int, pattern: re.Pattern[str],
                  characters: str) -> str | None:
    if len(name) > longest:
        return f"{kind} name {name!r} is {len(name)} characters, more than {longest}"
    if not pattern.fullmatch(name):
        return f"{kind} name {name!r} must be characters of {characters}"
    return None


def function_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid Lambda function name, or None."""
    return _name_problem("function", name, FUNCTION_NAME_MAX, _FUNCTION_NAME, "[A-Za-z0-9_-]")


def role_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid IAM role name, or None."""
    return _name_problem("role", name, ROLE_NAME_MAX, _ROLE_NAME, "[A-Za-z0-9+=,.@_-]")


def terraform_id(key: str) -> str:
    """A route or backend key as a Terraform resource name: ``ceramic-cache-bulk-post`` ->
    ``ceramic_cache_bulk_post``. Operators read these in ``terraform state list``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", key)
