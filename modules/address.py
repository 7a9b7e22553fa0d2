"""Readable state addresses for resources nested in constructs."""

from __future__ import annotations

from typing import Protocol, TypeVar


class _Addressable(Protocol):
    def override_logical_id(self, new_logical_id: str) -> None: ...


AddressableT = TypeVar("AddressableT", bound=_Addressable)


def addressed(resource: AddressableT, address: str) -> AddressableT:
    """``resource``, its state address set to ``<type>.<address>`` (instead of the construct
    path with its hash); call it before anything references the resource."""
    resource.override_logical_id(address)
    return resource
