"""Make every socket Thespian listens on bind to the address it advertises: 127.0.0.1 by default.

Why (THESPIAN.md, Security): with multiprocTCPBase the admin port, every actor, the logger and the
starting process listen on 0.0.0.0 and unpickle whatever arrives, so anyone who can reach the
machine can run code as the user. ``THESPIAN_BASE_IPADDR`` only changes the *advertised* address.

How: Thespian builds every listening socket from an ``IPActorAddress`` and binds it to
``addr.bindname``. For "external" addresses (all of them in multiprocTCPBase) the class sets
``bindname = ('', port)``, i.e. all interfaces, while ``sockname`` holds the advertised
address (``thespian/system/transport/IPBase.py``, end of ``IPActorAddress.__init__``). The patch
wraps that ``__init__`` and, when ``bindname`` is a wildcard, binds to the advertised address
instead. ``configure()`` makes the advertised address the chosen bind host by setting
``THESPIAN_BASE_IPADDR``; both settings live in the environment, so processes started later
(fork or spawn) inherit them.

Where it must hold:

- the starting process and tools that attach: ``system.runtime`` imports this module first;
- forked actor processes, the admin and the logger: they inherit the patched class;
- spawned processes (``{'Process Startup Method': 'spawn'}``): a spawned child builds its
  listening address *before* it imports the actor's module, so importing it from
  ``actors.base`` alone would be too late. ``system.runtime.logdefs`` therefore puts a filter
  class from a module that imports this one into the ``logDefs`` dict that Thespian passes to the
  admin, the logger and every actor; unpickling the process arguments imports it, and so applies
  the patch, before the child creates its transport.

Limits: local processes can still connect to the ports. What they send is unpickled only when
every class it names is on the allow-list (``unpickle``), so they cannot run code through a
pickle, but they can still send the tree's own messages (see the README, Security). Binding another host
(``configure("192.168.1.5")``) exposes the system to that network; a wildcard host
(``0.0.0.0``) switches the patch off and restores Thespian's behaviour.
"""

from __future__ import annotations

import os
from typing import Any

from thespian.system.transport import IPBase

__all__ = [
    "ADVERTISE_ENV",
    "BIND_HOST_ENV",
    "DEFAULT_BIND_HOST",
    "WILDCARD_HOSTS",
    "apply_patch",
    "bind_host",
    "configure",
    "is_patched",
]

DEFAULT_BIND_HOST = "127.0.0.1"
"""Where everything listens unless the user explicitly asks for another host."""

BIND_HOST_ENV = "UPBIT_ACTORS_BIND_HOST"
"""Environment variable holding the bind host, so child processes see the same choice."""

ADVERTISE_ENV = "THESPIAN_BASE_IPADDR"
"""Thespian's own variable for the address it advertises (read in ``IPActorAddress``)."""

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
"""Hosts meaning "all interfaces"; choosing one of them switches the patch off."""

# Thespian's own __init__; on a reload of this module, the one saved by the first import.
_ORIGINAL_INIT = getattr(
    IPBase.IPActorAddress.__init__, "thespian_original", IPBase.IPActorAddress.__init__
)


def bind_host() -> str:
    """The bind host in force in this process (``DEFAULT_BIND_HOST`` unless configured)."""
    return os.environ.get(BIND_HOST_ENV, DEFAULT_BIND_HOST)


def _init_binding_advertised(self: Any, *args: Any, **kwargs: Any) -> None:
    """``IPActorAddress.__init__``, then bind where we advertise instead of on all interfaces."""
    _ORIGINAL_INIT(self, *args, **kwargs)
    host = bind_host()
    if host in WILDCARD_HOSTS or self.bindname[0] not in WILDCARD_HOSTS:
        return
    advertised = self.sockname[0]
    # sockname is the address peers are told to connect to, so listening there keeps the system
    # reachable; a wildcard sockname (a non-external address without a host) falls back to the
    # configured bind host. sockname[1:] keeps the port (and IPv6 flow/scope fields).
    self.bindname = (advertised if advertised not in WILDCARD_HOSTS else host, *self.sockname[1:])


_init_binding_advertised.thespian_original = _ORIGINAL_INIT  # type: ignore[attr-defined]


def is_patched() -> bool:
    """True when the address class binds to the advertised address."""
    return getattr(IPBase.IPActorAddress.__init__, "thespian_original", None) is _ORIGINAL_INIT


def apply_patch() -> None:
    """Patch the address class (idempotent) and default the advertised address to the bind host.

    Called at import of this module. Setting ``THESPIAN_BASE_IPADDR`` when it is unset matters
    for a process that never calls ``configure()``: without it Thespian advertises the primary
    interface address (found by "connecting" a UDP socket to 8.8.8.8), and the patched class
    would bind there rather than on loopback.
    """
    IPBase.IPActorAddress.__init__ = _init_binding_advertised  # type: ignore[method-assign]
    host = bind_host()
    if host not in WILDCARD_HOSTS:
        os.environ.setdefault(ADVERTISE_ENV, host)


def configure(host: str = DEFAULT_BIND_HOST) -> None:
    """Make ``host`` the bind and advertised address of this process and of those it starts.

    A wildcard host restores Thespian's all-interfaces binding (explicit opt-in only) and leaves
    ``THESPIAN_BASE_IPADDR`` as it is (127.0.0.1 unless the user set it): a system meant to be
    reached from other hosts must set it to a routable address. Changing the host while a system
    started by this process runs leaves that system as it was.
    """
    apply_patch()
    os.environ[BIND_HOST_ENV] = host
    if host not in WILDCARD_HOSTS:
        os.environ[ADVERTISE_ENV] = host
        # IPBase.thisSystem decides which addresses are "this machine" from the environment at
        # its import; a non-loopback bind host must be in that set for local delivery to work.
        IPBase.thisSystem.add_local_addr(host)


apply_patch()
