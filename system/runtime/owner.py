"""Inside the tree: notice that the program that started it is gone, and take the system down.

Why (THESPIAN.md, Failures; issue 12): the admin double-forks and calls ``setsid``, so the tree's
processes are neither children nor in the session of the program that started them. A bot that
gets SIGKILL, or dies where no ``atexit`` runs, left every process of its system running for
good; ``upbit-actors stream`` killed with SIGKILL left twelve. Nothing outside can clean up after
a dead owner, so the tree watches its owner itself.

How: the hub puts its pid in the supervisor's ``Configure`` (``owner_pid``). ``OwnerWatch``
records that process with its creation time (a reused pid is not the owner) and says when it is
gone. The supervisor looks on its watch timer (``WATCH_INTERVAL``, 1 s), stops its children in
order (components first, each phase bounded by ``STOP_WAIT``) and then calls
``take_down_system``:

1. ``system_records``: the exact processes of this system, i.e. of this process's session,
   which the admin created with ``setsid`` (see ``processes``). Only positive evidence counts:
   the process listening on the system's admin port is in this session, and the session's
   leader (the admin's short-lived first fork) has exited. A session of any other kind (a login
   session, a CI runner's session whose leader is gone) is never swept;
2. a reaper (``reaper``, a fresh interpreter in the same session) waits ``SWEEP_AFTER``
   seconds for those processes to exit, then SIGTERMs and SIGKILLs the ones left, and whatever
   else is in the session by then, by pid and creation time, never by name;
3. Thespian's own ``SystemShutdown`` goes to the admin: it stops its remaining actors (the
   supervisor among them) and the logger, and exits.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

from thespian.system.messages.admin import SystemShutdown
from thespian.system.transport.TCPTransport import TCPTransport

from upbit_actors.system.runtime import processes

__all__ = ["SWEEP_AFTER", "OwnerWatch", "admin_address", "start_reaper", "system_records", "system_session", "take_down_system"]

_log = logging.getLogger(__name__)

SWEEP_AFTER = 5.0
"""Seconds the reaper gives the system to exit after ``SystemShutdown`` before it signals what is
left (Thespian's own shutdown of a stopped tree takes well under one)."""


class OwnerWatch:
    """The root's view of its owner: whether the process is gone, and what to do then."""

    def __init__(self, admin_port: int | None) -> None:
        self.admin_port = admin_port
        """The system's admin port (the supervisor gets it from Thespian's capabilities)."""
        self.pid: int | None = None
        self._record: processes.ProcessRecord | None = None
        self._said = False

    def watch(self, pid: int | None) -> None:
        """Watch the process ``pid`` as it is now (gone already, it counts as gone); None: nobody."""
        self.pid = pid
        self._record = processes.record(pid) if pid is not None else None

    def gone(self) -> bool:
        """True once the watched owner has exited (a pid reused since is not the owner)."""
        if self.pid is None or (self._record is not None and processes.alive([self._record])):
            return False
        if not self._said:
            self._said = True
            _log.warning("the process that started this actor tree (pid %d) is gone; stopping the "
                         "tree, then the whole system", self.pid)
        return True

    def take_down_system(self, send: Callable[[Any, Any], None]) -> None:
        """The tree has stopped: the rest of the system goes (``take_down_system``)."""
        take_down_system(self.admin_port, send)


def admin_address(admin_port: int) -> Any:
    """The admin's address, as Thespian builds it for any process of the system."""
    return TCPTransport.getAdminAddr({"Admin Port": admin_port})


def system_session(admin_port: int | None) -> int | None:
    """This process's session id if it is the session of the actor system on ``admin_port``
    (module docstring, step 1); else None."""
    if admin_port is None:
        return None
    sid = os.getsid(0)
    if not any(_session(pid) == sid for pid in processes.listener_pids(admin_port)):
        return None  # the admin is elsewhere: this session is not the system's
    leader = processes.record(sid)
    if leader is not None and processes.alive([leader]):
        return None
    return sid


def _session(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def system_records(admin_port: int | None) -> set[processes.ProcessRecord]:
    """Every live process of the actor system on ``admin_port``, found through this process's
    session when ``system_session`` vouches for it; else an empty set."""
    sid = system_session(admin_port)
    return set() if sid is None else processes.session_records(sid)


def start_reaper(records: Iterable[processes.ProcessRecord], after: float = SWEEP_AFTER, *,
                 session: int | None = None) -> None:
    """Start ``reaper`` on ``records`` (``session``: a session id ``system_session`` vouched
    for; the reaper also takes the rest of it, see ``reaper``); it outlives this process (waited
    for by nobody: a zombie at worst)."""
    args = [f"{rec.pid}:{rec.create_time!r}" for rec in records]
    if not args:
        return
    flag = ["--session", str(session)] if session is not None else []
    subprocess.Popen([sys.executable, "-m", "upbit_actors.system.runtime.reaper", str(after), *flag, *args],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, close_fds=True)


def take_down_system(admin_port: int | None, send: Callable[[Any, Any], None]) -> None:
    """Sweep-to-be first, then ask the admin to shut the system down (module docstring)."""
    sid = system_session(admin_port)
    records = set() if sid is None else processes.session_records(sid)
    if not records:
        _log.warning("this actor system's session is not its own; only the admin is asked to stop")
    try:
        start_reaper(records, session=sid)  # records is empty unless the session is the system
    except OSError:
        _log.exception("could not start the reaper; the admin is still asked to stop")
    if admin_port is not None:
        send(admin_address(admin_port), SystemShutdown())
