"""Where the server may connect on a user's behalf (webhooks): public addresses, plus the
networks an operator allows.

A project admin chooses a webhook's URL, and the server makes the request, so without a check
any admin could make the server reach its loopback, the private network behind it or a cloud
metadata address (SSRF). The check runs on the addresses a name resolves to, at connect time,
and the connection goes to exactly the address that was checked (a DNS answer that changes
between check and connect cannot slip through).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(OSError):
    """A connection the egress policy does not allow (an `OSError`, as connect failures are)."""


class EgressPolicy:
    """Global (public) unicast addresses are allowed; anything else only inside `allowed`."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in allowed
        )

    def permits(self, address: str) -> bool:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allowed):
            return True
        return ip.is_global and not ip.is_multicast

    def check(self, host: str, address: str) -> None:
        if not self.permits(address):
            raise EgressRefused(
                f"Refused to connect to {host} ({address}): it is not a public address. "
                "An operator can allow it with AOS_HOOKS_ALLOWED_NETWORKS "
                "(for example '[\"10.0.0.0/8\"]')."
            )

    def check_literal(self, host: str) -> None:
        """Refuse a URL whose host is an IP literal outside the policy (names: at connect)."""
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return
        self.check(host, host.strip("[]"))


class GuardedResolver(AbstractResolver):
    """Resolves through aiohttp's default resolver and keeps only permitted addresses."""

    def __init__(self, policy: EgressPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        kept = [r for r in results if self.policy.permits(r["host"])]
        if not kept:
            self.policy.check(host, results[0]["host"] if results else host)
        return kept

    async def close(self) -> None:
        await self.inner.close()


def guarded_connector_kwargs(policy: EgressPolicy) -> dict[str, Any]:
    """Keyword arguments for `aiohttp.TCPConnector` that enforce `policy` on every name."""
    return {"resolver": GuardedResolver(policy), "use_dns_cache": False}
