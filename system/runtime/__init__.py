"""Starting, attaching to and stopping the Thespian actor system safely.

=================  ================================================================================
module             what it is for
=================  ================================================================================
``loopback``       patch: every listening socket binds to the advertised address (127.0.0.1)
``logdefs``        the ``logDefs`` dict (levels filtered at the source; carries the patch to spawn)
``ports``          look at an admin port without starting anything: free, Thespian admin, other
``bases``          Thespian system bases that only start fresh, or only attach
``processes``      the processes of a system (its session), waiting for them, killing exact pids
``stdio``          keep the starter's stdout out of the system's processes
``scrub``          remove the API keys from the environment (exec-time block too) before forking
``starter``        ``start_system`` / ``stop_system`` / ``running_system``, stale-system handling
``attach``         ``attach`` / ``detach`` for tools
``onexit``         ``stop_on_exit``: stop the system at exit and on SIGTERM/SIGHUP (chained)
``owner``          inside the tree: the owner's process gone, the whole system goes down
``reaper``         the last sweep of such a system, by exact pid (a process of its own)
``quiet``          patch: Thespian describes a message for its debug log only if it is written
``unpickle``       patch: Thespian unpickles only allow-listed classes; refusals are counted
``allowlist``      the Thespian internals and plain values on that list (our messages are added)
``paths``          actor class paths from the classes, and importing one safely
``harden``         in actor processes: fatal signals kill instead of spin (``BaseActor`` calls it)
``errors``         the exception tree
=================  ================================================================================

Importing this package applies the loopback, quiet, transport and unpickle patches (``loopback`` first).
"""

from __future__ import annotations

from upbit_actors.system.runtime import (
    loopback,  # first: patch before any other Thespian import here
    quiet,  # noqa: F401  (importing makes Thespian's debug text lazy)
    transport,  # noqa: F401  (importing: a full socket waits on select, not a 20 ms pause)
    unpickle,  # noqa: F401  (importing restricts what Thespian unpickles)
)
from upbit_actors.system.runtime.attach import attach, detach
from upbit_actors.system.runtime.errors import NoSystemError, PortBusyError, RuntimeSystemError, StaleSystemError
from upbit_actors.system.runtime.harden import harden_actor_process, in_actor_process
from upbit_actors.system.runtime.logdefs import build_log_defs
from upbit_actors.system.runtime.onexit import stop_on_exit
from upbit_actors.system.runtime.paths import actor_path, import_actor_class
from upbit_actors.system.runtime.ports import PortState, free_port, probe_port
from upbit_actors.system.runtime.starter import (
    StopReport,
    SystemHandle,
    running_system,
    start_system,
    stop_stale_system,
    stop_system,
)

__all__ = [
    "actor_path",
    "import_actor_class",
    "in_actor_process",
    "NoSystemError",
    "PortBusyError",
    "PortState",
    "RuntimeSystemError",
    "StaleSystemError",
    "StopReport",
    "SystemHandle",
    "attach",
    "build_log_defs",
    "detach",
    "free_port",
    "harden_actor_process",
    "loopback",
    "probe_port",
    "running_system",
    "start_system",
    "stop_on_exit",
    "stop_stale_system",
    "stop_system",
]
