"""Attach to a running actor system from a tool (``upbit-actors status``) without ever starting one.

THESPIAN.md (Admin attach): ``ActorSystem('multiprocTCPBase', {'Admin Port': P})`` from another
process attaches, but if nothing listens on P it silently *starts* a new system. ``attach``
probes the port first and, to close the race between probe and attach, uses ``AttachOnlyBase``
(see ``bases``), whose "start the admin" step raises ``NoSystemError`` instead.

An attached system is shared: never call ``shutdown()`` on it (that stops every actor of the
system for everyone). ``detach`` closes only this process's endpoint. ``ask()`` on an attached
system returns the first message from any actor, so filter the replies.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from thespian.actors import ActorSystem

from upbit_actors.system.runtime import loopback
from upbit_actors.system.runtime.bases import AttachOnlyBase, connect_host, make_system
from upbit_actors.system.runtime.errors import NoSystemError, PortBusyError
from upbit_actors.system.runtime.logdefs import build_log_defs
from upbit_actors.system.runtime.ports import PortState, probe_port

__all__ = ["attach", "detach"]


def attach(admin_port: int, timeout: float = 2.0, *, host: str | None = None) -> ActorSystem:
    """Attach to the system whose admin listens on ``admin_port``; never starts one.

    Raises ``NoSystemError`` when nothing listens there (and starts nothing), ``PortBusyError``
    when something that is not a Thespian admin does. ``host`` defaults to the bind host in force
    (127.0.0.1); giving one reconfigures this process's loopback policy to it. Never call
    ``shutdown()`` on the result; call ``detach`` when done.
    """
    if host is not None:
        loopback.configure(host)
    target = connect_host()
    state = probe_port(admin_port, target, timeout)
    if state is PortState.FREE:
        raise NoSystemError(admin_port, target)
    if state is PortState.OTHER:
        raise PortBusyError(admin_port, target)
    capabilities = {"Admin Port": admin_port}
    return make_system(AttachOnlyBase, capabilities, build_log_defs(logging.WARNING))


def detach(system: ActorSystem, base: Any = None) -> None:
    """Close this process's endpoint to a system (its transport listens on the bind host); the
    system itself keeps running. Idempotent.

    Thespian has no public detach: this closes the local transport, which is the last step of
    ``shutdown()`` minus the request to stop the admin, and drops the base ``ActorSystem`` keeps
    on its class (it would keep the socket open). The handle is unusable afterwards. ``base``:
    the endpoint taken before a ``shutdown()``, which forgets it even when it left it open (the
    admin could not be reached).
    """
    base = base if base is not None else getattr(system, "_systemBase", None)
    if base is not None:
        with contextlib.suppress(Exception):  # a half-made or closed base has less to close
            base.transport.close()
        if getattr(type(system), "systemBase", None) is base:
            delattr(type(system), "systemBase")
    system._systemBase = None
