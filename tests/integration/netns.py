"""Linux network namespaces for the convention tests: each member gets a network stack of its own.

``namespaces(n)`` makes ``n`` namespaces, each joined to this (the root) namespace by a veth pair:
the root side is ``10.X.i.1/24``, the namespace side ``10.X.i.2/24`` with a route to the other
subnets through the root side (the leader listens on ``10.X.1.1``; a packet from namespace 2 to it
arrives on a local address of the root namespace, so nothing is forwarded). ``X`` is chosen so
that no route of the machine overlaps (from a start that depends on the pid, so that two runs at
once do not pick the same one). Nothing routes beyond the veth pairs: no traffic leaves
the machine. Everything is deleted on exit (deleting a namespace deletes its veth end and so the
pair), and namespaces left by a killed run (named after a pid that is gone) at the next start. Needs root and ``ip``; ``unavailable()`` says why not, for the skip reason.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import psutil
from attrs import frozen

__all__ = ["Namespaces", "namespaces", "unavailable"]


@frozen
class Namespaces:
    names: tuple[str, ...]
    root_hosts: tuple[str, ...]
    """Root-side address of pair i (the leader listens on the first)."""
    hosts: tuple[str, ...]
    """The address inside namespace i."""

    def command(self, i: int, argv: list[str]) -> list[str]:
        """``argv`` run inside namespace ``i``."""
        return ["ip", "netns", "exec", self.names[i], *argv]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)


def _free_prefix() -> int:
    """A second octet X such that 10.X.0.0/16 overlaps no route of this machine."""
    routes = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True,
                            text=True, timeout=10, check=False).stdout.split()
    used = [ipaddress.ip_network(word, strict=False) for word in routes
            if word[:1].isdigit() and ("/" in word or word.count(".") == 3)]
    start = os.getpid() % 50  # two runs at once start apart (each also checks the routes)
    for x in [200 + (start + k) % 50 for k in range(50)]:
        net = ipaddress.ip_network(f"10.{x}.0.0/16")
        if not any(net.overlaps(u) for u in used):
            return x
    raise RuntimeError("no free 10.X.0.0/16 for the test namespaces")


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    probe = f"upbt-probe-{os.getpid()}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=10,
                            check=False)
    if result.returncode != 0:
        return f"ip netns add failed: {result.stderr.strip() or result.returncode}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10, check=False)
    return None


def _drop_stale() -> None:
    """Delete namespaces of ours left by a test run that was killed (its pid is gone)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10,
                            check=False).stdout.split()
    for name in listed:
        match = re.fullmatch(r"upbt(\d+)n\d+", name)
        if match and not any(p % 100000 == int(match[1]) for p in psutil.pids()):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10, check=False)


@contextlib.contextmanager
def namespaces(n: int) -> Iterator[Namespaces]:
    _drop_stale()
    tag = f"{os.getpid() % 100000}"
    x = _free_prefix()
    made: list[str] = []
    try:
        names, roots, hosts = [], [], []
        for i in range(1, n + 1):
            ns, outer, inner = f"upbt{tag}n{i}", f"ua{tag}v{i}", f"ub{tag}v{i}"
            _ip("netns", "add", ns)
            made.append(ns)
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", ns)
            _ip("addr", "add", f"10.{x}.{i}.1/24", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("-n", ns, "addr", "add", f"10.{x}.{i}.2/24", "dev", inner)
            _ip("-n", ns, "link", "set", inner, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "route", "add", f"10.{x}.0.0/16", "via", f"10.{x}.{i}.1")
            names.append(ns)
            roots.append(f"10.{x}.{i}.1")
            hosts.append(f"10.{x}.{i}.2")
        yield Namespaces(tuple(names), tuple(roots), tuple(hosts))
    finally:
        for ns in made:  # its veth end goes with it, and so the pair
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10, check=False)
