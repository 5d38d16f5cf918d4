"""The guard against requests to cloud metadata endpoints (server-side request forgery).

A request goes only to addresses checked here: a host named like a metadata service is
refused, and so is a host any of whose addresses is one, however it is written (IPv4-mapped
IPv6, NAT64). The wire connects to the checked addresses, so DNS cannot change the answer
after the check.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import httpx

from jobs.executors.http_failure import HttpFailure

Resolve = Callable[[str, int], Awaitable[Sequence[str]]]

_METADATA_HOSTS = frozenset({"metadata.google.internal"})
_METADATA_NETWORKS = tuple(
    ip_network(network) for network in ("169.254.0.0/16", "100.100.100.200/32", "fd00:ec2::254/128")
)
_NAT64 = ip_network("64:ff9b::/96")


def is_metadata_address(address: str) -> bool:
    """Whether `address` (an IP, maybe with a v6 scope) reaches a cloud metadata endpoint."""
    try:
        ip = ip_address(address.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    elif isinstance(ip, IPv6Address) and ip in _NAT64:
        ip = IPv4Address(int(ip) & 0xFFFF_FFFF)
    return any(ip.version == net.version and ip in net for net in _METADATA_NETWORKS)


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, the way the connection would resolve it."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def checked_addresses(
    url: httpx.URL, where: str, *, resolve: Resolve, allow_metadata: bool
) -> list[str]:
    """The addresses `url`'s host resolves to, once none is refused; `where` names the request."""
    host = url.raw_host.decode("ascii")
    if not allow_metadata and host.rstrip(".").lower() in _METADATA_HOSTS:
        raise HttpFailure(f"{where} refused: {host} is a cloud metadata address")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = list(dict.fromkeys(await resolve(host, port)))
    except OSError as error:
        raise HttpFailure(f"{where} failed: cannot resolve {host} ({error})") from None
    if not addresses:
        raise HttpFailure(f"{where} failed: {host} resolves to no address")
    refused = [] if allow_metadata else [a for a in addresses if is_metadata_address(a)]
    if refused:
        how = "is" if refused[0] == host else f"resolves to {refused[0]},"
        raise HttpFailure(f"{where} refused: {host} {how} a cloud metadata address")
    return addresses
