"""Guarded Thespian system bases: one that only starts a fresh admin, one that only attaches.

Thespian's ``systemBase.__init__`` probes the admin port, starts an admin when nothing is bound
there (``_startAdmin``), then checks it answers (``_verifyAdminRunning``, in a loop of up to
11 s). Plain ``ActorSystem('multiprocTCPBase', ...)`` therefore attaches to whatever admin it
finds, old code included, and starts a system when it meant to attach (THESPIAN.md, Admin attach).
The two subclasses below each allow only one of the two outcomes, which closes the race between
our own probe of the port and Thespian's.
"""

from __future__ import annotations

import types
from typing import Any

from thespian.actors import ActorSystem
from thespian.system.multiprocTCPBase import ActorSystemBase as TCPSystemBase

from upbit_actors.system.runtime import loopback
from upbit_actors.system.runtime.errors import NoSystemError, StaleSystemError

__all__ = ["AttachOnlyBase", "FreshAdminBase", "connect_host", "make_system"]


def connect_host() -> str:
    """The address to reach our own listening sockets at: the bind host, loopback for a wildcard."""
    host = loopback.bind_host()
    return loopback.DEFAULT_BIND_HOST if host in loopback.WILDCARD_HOSTS else host


class AttachOnlyBase(TCPSystemBase):
    """multiprocTCPBase that attaches to an existing admin or raises; it never starts one.

    ``systemBase.__init__`` probes the admin address, calls ``_startAdmin`` when nothing is bound
    there, then ``_verifyAdminRunning`` in a loop of up to 11 s. Both steps are overridden.
    """

    def _port(self) -> int:
        return self.adminAddr.addressDetails.sockname[1]

    def _startAdmin(self, *args: Any, **kwargs: Any) -> None:
        self.transport.close()
        raise NoSystemError(self._port(), connect_host())

    def _verifyAdminRunning(self) -> bool:
        if super()._verifyAdminRunning():
            return True
        self.transport.close()
        reason = "the admin did not answer (shutting down?)"
        raise NoSystemError(self._port(), connect_host(), reason)


class FreshAdminBase(TCPSystemBase):
    """multiprocTCPBase that starts its own admin or raises; it never attaches to an old one."""

    def _startAdmin(self, *args: Any, **kwargs: Any) -> None:
        self._admin_started = True
        super()._startAdmin(*args, **kwargs)

    def _verifyAdminRunning(self) -> bool:
        if not getattr(self, "_admin_started", False):
            # The port was bound when systemBase probed it: someone else's admin (a race with
            # our own probe in start_system, which normally catches this first).
            self.transport.close()
            raise StaleSystemError(self.adminAddr.addressDetails.sockname[1], None)
        return super()._verifyAdminRunning()


def make_system(
    base_class: type[TCPSystemBase], capabilities: dict[str, Any], log_defs: dict[str, Any]
) -> ActorSystem:
    """An ``ActorSystem`` handle around a guarded base, outside Thespian's process-wide singleton.

    ``transientUnique=True`` keeps this handle from replacing or reusing the class-level default
    system: each start or attach gets its own endpoint and honours its own admin port.
    """
    # systemBase.__init__ only needs an object with a ``capabilities`` dict, which it amends.
    base = base_class(types.SimpleNamespace(capabilities=capabilities), logDefs=log_defs)
    return ActorSystem(base, capabilities, log_defs, transientUnique=True)
