"""Find, wait for and (as a last resort) kill the processes of one actor system, by exact pid.

How the processes of a system are found: Thespian's admin calls ``os.setsid()`` and forks again
(``multiprocCommon.startAdmin``), so the admin, the logger and every actor (forked or spawned from
the admin or from other actors) share one session id that no other process has. Orphans of a
SIGKILLed actor keep that session too, although they leave the admin's process tree
(THESPIAN.md: such orphans survive ``shutdown()``). So a system is "every process in the session
of the process listening on its admin port". A process that calls ``setsid()`` itself escapes.

Nothing here matches processes by name. A ``ProcessRecord`` keeps the creation time with the pid,
so a pid reused by an unrelated process is never signalled. Zombies count as gone: they run no
code, hold no sockets, and in a container whose pid 1 does not reap, they never disappear.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable

import psutil
from attrs import frozen

__all__ = [
    "ProcessRecord",
    "alive",
    "listener_pids",
    "parent_record",
    "reap_own_zombies",
    "record",
    "session_of",
    "session_records",
    "terminate",
    "wait_gone",
]

_POLL = 0.02
"""Seconds between polls while waiting for processes to exit."""


@frozen
class ProcessRecord:
    """A pid together with its creation time, which tells it apart from a later reuse."""

    pid: int
    create_time: float


def record(pid: int) -> ProcessRecord | None:
    """Record ``pid`` as it is now; None if it does not exist."""
    try:
        return ProcessRecord(pid, psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def parent_record(pid: int) -> ProcessRecord | None:
    """The record of ``pid``'s parent process; None if either is gone."""
    try:
        return record(psutil.Process(pid).ppid())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _process(rec: ProcessRecord) -> psutil.Process | None:
    """The live, non-zombie process of a record, or None when it is gone or the pid was reused."""
    try:
        proc = psutil.Process(rec.pid)
        if proc.create_time() != rec.create_time or proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def alive(records: Iterable[ProcessRecord]) -> list[ProcessRecord]:
    """The records whose process still runs."""
    return [rec for rec in records if _process(rec) is not None]


def listener_pids(port: int, host: str = "127.0.0.1") -> set[int]:
    """Pids of the processes holding a socket that listens on ``host:port`` (or a wildcard).

    Several processes can hold the same listening socket: Thespian's logger inherits the admin's
    socket at fork and never closes it.
    """
    hosts = {host, "0.0.0.0", "::"}
    try:
        conns = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # macOS without root: ask each process of ours instead
        conns = []
        for proc in psutil.process_iter():
            try:
                conns.extend(c._replace(pid=proc.pid) for c in proc.net_connections(kind="tcp"))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
    return {
        c.pid
        for c in conns
        if c.pid and c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
        and c.laddr.ip in hosts
    }


def session_of(pids: Iterable[int]) -> int | None:
    """The session id shared by ``pids``, if it is not ours (never sweep our own session)."""
    own = os.getsid(0)
    for pid in pids:
        try:
            sid = os.getsid(pid)
        except OSError:
            continue
        if sid != own:
            return sid
    return None


def session_records(sid: int) -> set[ProcessRecord]:
    """Every live process in session ``sid``."""
    found = set()
    for pid in psutil.pids():
        try:
            if os.getsid(pid) != sid:
                continue
        except OSError:
            continue
        rec = record(pid)
        if rec is not None and _process(rec) is not None:
            found.add(rec)
    return found


def reap_own_zombies(pids: Iterable[int]) -> None:
    """Collect exit statuses of our own children among ``pids``.

    ``multiprocessing`` starts the admin through a short-lived intermediate child of ours that
    Thespian detaches and never joins; reaping it keeps the starter free of zombies.
    """
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def wait_gone(records: Iterable[ProcessRecord], timeout: float) -> list[ProcessRecord]:
    """Poll until every process of ``records`` has exited or ``timeout`` passed; the survivors."""
    remaining = list(records)
    deadline = time.monotonic() + timeout
    while True:
        remaining = alive(remaining)
        if not remaining or time.monotonic() >= deadline:
            return remaining
        time.sleep(_POLL)


def terminate(
    records: Iterable[ProcessRecord], grace: float = 2.0
) -> tuple[list[ProcessRecord], list[ProcessRecord]]:
    """SIGTERM the records' processes, SIGKILL what survives ``grace`` seconds.

    Returns ``(terminated, killed)``: the records signalled with SIGTERM, and those that needed
    SIGKILL. Only the exact processes recorded are signalled.
    """
    terminated = []
    for rec in alive(records):
        proc = _process(rec)
        if proc is None:
            continue
        try:
            proc.send_signal(signal.SIGTERM)
            terminated.append(rec)
        except psutil.NoSuchProcess:
            continue
    survivors = wait_gone(terminated, grace)
    killed = []
    for rec in survivors:
        proc = _process(rec)
        if proc is None:
            continue
        try:
            proc.send_signal(signal.SIGKILL)
            killed.append(rec)
        except psutil.NoSuchProcess:
            continue
    wait_gone(killed, grace)
    return terminated, killed
