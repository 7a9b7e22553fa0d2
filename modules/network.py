"""The VPC and subnets of an environment, given by IDs or looked up."""

from __future__ import annotations

from dataclasses import dataclass

from model.config import DefaultVpc, Network, TaggedVpc, VpcIds
from modules.aws import Construct, DataAwsSubnets, DataAwsSubnetsFilter, DataAwsVpc


@dataclass(frozen=True)
class ResolvedNetwork:
    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: list[str]
    public_subnet_ids: list[str]


def resolve_network(scope: Construct, network: Network) -> ResolvedNetwork:
    """Data sources for ``network`` in ``scope``; their values as tokens."""
    if isinstance(network, VpcIds):
        vpc = DataAwsVpc(scope, "vpc", id=network.vpc_id)
        return ResolvedNetwork(vpc.id, vpc.cidr_block, list(network.private_subnet_ids),
                               list(network.public_subnet_ids))
    if isinstance(network, DefaultVpc):
        vpc = DataAwsVpc(scope, "vpc", default=True)
        subnets = _subnets(scope, "subnets", vpc.id, None)
        return ResolvedNetwork(vpc.id, vpc.cidr_block, subnets, subnets)
    assert isinstance(network, TaggedVpc)
    vpc = DataAwsVpc(scope, "vpc", tags={"Name": network.vpc_name})
    return ResolvedNetwork(
        vpc.id,
        vpc.cidr_block,
        _subnets(scope, "private-subnets", vpc.id, network.private_tier),
        _subnets(scope, "public-subnets", vpc.id, network.public_tier),
    )


def _subnets(scope: Construct, id_: str, vpc_id: str, tier: str | None) -> list[str]:
    found = DataAwsSubnets(
        scope, id_,
        filter=[DataAwsSubnetsFilter(name="vpc-id", values=[vpc_id])],
        tags={"Tier": tier} if tier else None,
    )
    return found.ids
