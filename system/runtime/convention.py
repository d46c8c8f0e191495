"""Thespian conventions for upbit-actors: who may join, what they may send, where we listen.

A *convention* (Thespian's multi-system mode) is a leader system and member systems that register
with it (``Convention Address.IPv4`` in the member's capabilities). upbit-actors uses it so that
components on a member system (another admin port, another host) share the leader's one Upbit
connection (issue 15; ``actors.members`` and ``actors.member`` do the rest).

What this module decides:

- ``CONVENTION_CLASSES``: the Thespian messages a convention needs on the wire, added to the
  allow-list (``unpickle.allow``) only by a system that leads or joins one (``enable``). Source
  loading (``SourceHashTransfer*``, ``ValidateSource``...) stays refused: no peer can ship code;
  so do invitations (see ``CONVENTION_CLASSES``).
- ``capabilities``: the system capabilities of a leader or a member (``LEADER_CAPABILITY``,
  ``MEMBER_CAPABILITY`` and the convention address).
- ``check_exposure``: loopback is the default; any other listening address must be one explicit
  IP address (never a wildcard, never a name) and needs the allow-list unpickler in force, or
  the system does not start (``runtime.start_system`` calls it before any socket exists).

Exception tree: ``ConfigError`` (a bad address), ``RuntimeSystemError`` (exposure without the
allow-list unpickler).
"""

from __future__ import annotations

from typing import Any

from thespian import actors
from thespian.system import logdirector
from thespian.system.messages import admin, convention

from upbit_actors.system.errors import ConfigError, RuntimeSystemError
from upbit_actors.system.members.exposure import host_problem, is_loopback, parse_leader
from upbit_actors.system.runtime import loopback, unpickle

__all__ = [
    "CONVENTION_CLASSES",
    "LEADER_CAPABILITY",
    "MEMBER_CAPABILITY",
    "capabilities",
    "check_exposure",
    "enable",
    "is_loopback",
    "loopback",
    "parse_leader",
]

LEADER_CAPABILITY = "upbit_actors.leader"
"""Capability of a system whose hub accepts members (value True)."""
MEMBER_CAPABILITY = "upbit_actors.member"
"""Capability of a member system: its member name (what ``status`` on the leader shows)."""
CONVENTION_ADDRESS = "Convention Address.IPv4"
"""Thespian's capability naming the leader's admin (``HOST:PORT``)."""

CONVENTION_CLASSES: tuple[type, ...] = (
    convention.ConventionRegister,     # join and periodic check-in (capabilities: plain values)
    convention.ConventionDeRegister,   # a system leaving cleanly: the other side knows at once
    convention.NotifyOnSystemRegistration,
    actors.ActorSystemConventionUpdate,  # to our actors: a system joined or left
    admin.HandleDeadLetters,           # our actors take the dead letters (a peer gone)
    admin.NotifyOnSourceAvailability,  # sent by Thespian with the registration flag (no code)
    logdirector.LogAggregator,         # a member's warnings also go to the leader's log
)
"""Thespian messages a convention sends besides those of one system (``allowlist``). Left out on
purpose: ``ConventionInvite`` (it would make a member register with whoever sent it: we never
pre-register systems)."""


def enable() -> None:
    """Accept the convention messages in this process and the systems it starts from now on."""
    unpickle.allow(*CONVENTION_CLASSES)


def check_exposure(host: str, port: int | None = None) -> None:
    """Refuse a listening address that exposes the system unsafely (module docstring);
    ``port``: the admin port to name in the error."""
    if is_loopback(host):
        return
    if (why := host_problem(host)) is not None:
        raise ConfigError(f"listen host {host!r}: {why}")
    if not unpickle.applied():
        raise RuntimeSystemError(port or 0, f"refusing to listen on {host}: the allow-list unpickler is not "
                                 "in force, so anyone reaching the port could run code")


def capabilities(*, leader: str | None = None, member: str = "",
                 accept_members: bool = False) -> dict[str, Any]:
    """System capabilities of a member of ``leader`` (named ``member``) or of a leader."""
    caps: dict[str, Any] = {}
    if leader:
        host, port = parse_leader(leader)
        caps[CONVENTION_ADDRESS] = f"{host}:{port}"
        caps[MEMBER_CAPABILITY] = member
    if accept_members:
        caps[LEADER_CAPABILITY] = True
    return caps
