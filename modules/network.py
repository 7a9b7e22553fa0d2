"""The VPC and subnets of an environment, given by IDs or looked up."""

from __future__ import annotations

from dataclasses import dataclass

from model.config import Network
from modules.aws import Construct, DataAwsSubnets, DataAwsSubnetsFilter, DataAwsVpc


@dataclass(frozen=True)
class ResolvedNetwork:
    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: list[str]
    public_subnet_ids: list[str]


def resolve_network(scope: Construct, network: Network) -> ResolvedNetwork:
    """Data sources for ``network`` in ``scope``; their values as tokens."""
    return network.resolve(_NetworkLookup(scope))


class _NetworkLookup:
    """The ``NetworkResolver`` of a stack: data sources in ``scope``."""

    def __init__(self, scope: Construct) -> None:
        self.scope = scope

    def vpc_ids(self, vpc_id: str, private_subnet_ids: tuple[str, ...],
                public_subnet_ids: tuple[str, ...]) -> ResolvedNetwork:
        vpc = DataAwsVpc(self.scope, "vpc", id=vpc_id)
        return ResolvedNetwork(vpc.id, vpc.cidr_block, list(private_subnet_ids),
                               list(public_subnet_ids))

    def default_vpc(self) -> ResolvedNetwork:
        vpc = DataAwsVpc(self.scope, "vpc", default=True)
        subnets = _subnets(self.scope, "subnets", vpc.id, None)
        return ResolvedNetwork(vpc.id, vpc.cidr_block, subnets, subnets)

    def tagged_vpc(self, vpc_name: str, private_tier: str, public_tier: str) -> ResolvedNetwork:
        vpc = DataAwsVpc(self.scope, "vpc", tags={"Name": vpc_name})
        return ResolvedNetwork(
            vpc.id,
            vpc.cidr_block,
            _subnets(self.scope, "private-subnets", vpc.id, private_tier),
            _subnets(self.scope, "public-subnets", vpc.id, public_tier),
        )


def _subnets(scope: Construct, id_: str, vpc_id: str, tier: str | None) -> list[str]:
    found = DataAwsSubnets(
        scope, id_,
        filter=[DataAwsSubnetsFilter(name="vpc-id", values=[vpc_id])],
        tags={"Tier": tier} if tier else None,
    )
    return found.ids
