"""Make a crashing actor process die instead of spinning: fatal signals back to their defaults.

THESPIAN.md (Failures and supervision): a segfault is never detected. ``multiprocCommon.startChild``
installs a Python-level handler for every catchable signal, SIGSEGV included; Python's C handler
only sets a flag and returns, the faulting instruction runs again, and the actor spins at 100 %
CPU forever and blocks shutdown. Restoring the default action for SIGSEGV, SIGBUS, SIGFPE and
SIGILL and enabling ``faulthandler`` (which prints the Python stack, then re-raises with the
default action) makes the process die; its parent then gets ``ChildActorExited`` like for any
other exit.

This must run inside the actor process *after* Thespian installed its handlers, i.e. from the
actor's ``__init__`` (``BaseActor`` does it), not at import: with fork the module was imported in
the parent long before.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from typing import IO

__all__ = ["FATAL_SIGNALS", "harden_actor_process", "in_actor_process"]

FATAL_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name)
    for name in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL")
    if hasattr(signal, name)
)
"""Signals of a hardware fault: after one of them the process cannot safely continue."""

_hardened_pid: int | None = None
_actor_process = False
"""Set in every actor process; a process forked from one (every component) inherits it."""


def in_actor_process() -> bool:
    """True inside an actor of ours, or a process forked from one (an actor being created)."""
    return _actor_process


def _stderr() -> IO[str] | None:
    """A stderr stream with a real file descriptor, which faulthandler needs."""
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None and stream.fileno() >= 0:
                return stream
        except (AttributeError, OSError, ValueError):
            continue
    return None


def harden_actor_process() -> None:
    """Restore default fatal-signal handling and enable faulthandler, once per process.

    Call from the main thread (signal handlers can only be set there); elsewhere only
    faulthandler is enabled.
    """
    global _hardened_pid, _actor_process
    _actor_process = True
    if _hardened_pid == os.getpid():
        return
    # faulthandler.enable() is a no-op while it believes it is enabled, and a forked child
    # inherits that belief from its parent although Thespian has since replaced the handlers.
    faulthandler.disable()
    try:
        for signum in FATAL_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
    except ValueError:  # not the main thread
        pass
    stream = _stderr()
    if stream is not None:
        # faulthandler chains to the previous (now default) action after printing the stack.
        faulthandler.enable(file=stream, all_threads=True)
    _hardened_pid = os.getpid()
