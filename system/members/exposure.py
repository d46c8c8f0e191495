"""Checks of the convention settings (``HubConfig.listen_host``, ``leader``, ``member_name``).

Loopback is the default; any other listening address must be one IP address of this machine,
never a wildcard or a host name (which could resolve to, or bind, more than was chosen).
Pure: ``ipaddress`` only. Exception tree: ``ConfigError`` from ``parse_leader``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from upbit_actors.system.errors import ConfigError

__all__ = ["host_problem", "is_loopback", "parse_leader", "settings_problem"]

MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
"""A member name: what ``status`` prints and component names are prefixed with."""


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot be a listening address, else None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "give one IP address of this machine (a name could listen on more than you chose)"
    if address.is_unspecified:
        return "all interfaces is never allowed; give the address of one interface"
    return None


def parse_leader(text: str) -> tuple[str, int]:
    """``IP:PORT`` of a leader's admin -> (host, port); ``ConfigError`` when malformed."""
    host, sep, port = text.rpartition(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        number = -1
    if not sep or not 0 < number < 65536:
        raise ConfigError(f"leader {text!r}: expected IP:PORT of the leader's admin, e.g. 10.8.0.1:1900")
    return host, number


def settings_problem(config: Any) -> tuple[str, str] | None:
    """The first convention setting of ``config`` out of range, and why; None when all are fine."""
    host = getattr(config, "listen_host", "127.0.0.1")
    if (why := host_problem(host)) is not None:
        return "listen_host", why
    leader = getattr(config, "leader", None)
    if leader is not None:
        try:
            parse_leader(leader)
        except ConfigError:
            return "leader", "expected IP:PORT of the leader's admin"
        if getattr(config, "accept_members", False):
            return "accept_members", "a member (leader set) cannot lead members of its own"
    name = getattr(config, "member_name", "")
    if name and not MEMBER_NAME.fullmatch(name):
        return "member_name", "letters, digits, '.', '_' or '-', at most 63"
    return None
