"""The one way to make boto3 clients: the usual credentials chain and AWS_ENDPOINT_URL, or a
deploy's own environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def aws_client(service: str, region: str, env: Mapping[str, str] | None = None) -> Any:
    """A boto3 client for ``region``: from the usual credentials chain and AWS_ENDPOINT_URL,
    or, given ``env`` (a deploy's environment), from those variables rather than this
    process's."""
    import boto3

    if env is None:
        return boto3.client(service, region_name=region)
    return boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        profile_name=env.get("AWS_PROFILE"),
    ).client(service, region_name=region, endpoint_url=env.get("AWS_ENDPOINT_URL") or None)


class Clients:
    """The boto3 clients of one region, made on first use (``clients.elbv2``, ``.ssm``...)."""

    def __init__(self, region: str, env: Mapping[str, str] | None = None) -> None:
        self._region = region
        self._env = env
        self._made: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._made:  # lambda_: boto3's "lambda" (a Python keyword)
            self._made[service] = aws_client(service.removesuffix("_"), self._region,
                                             self._env)
        return self._made[service]
