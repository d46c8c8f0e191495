"""Stop the system when the starter exits: at normal exit, on an uncaught exception, on SIGTERM.

THESPIAN.md: a system whose starting program crashed keeps running. ``stop_on_exit`` registers an
``atexit`` hook that stops it (``stop_system``, or the hub's own ordered ``stop``), and turns
SIGTERM and SIGHUP into ``SystemExit`` in the main thread. The signal handler deliberately does
not stop the system itself: it may interrupt the main thread in the middle of a Thespian ``ask``
that holds the endpoint, and a shutdown from inside the handler would wait for that same
endpoint. Raising instead unwinds the stack, and the interpreter then runs ``atexit``.

Chaining: a handler the program installed before is called instead of raising (``upbit-actors
stream`` sets a flag and stops in order; a bot's own handler decides when to exit, and ``atexit``
stops the system then). An ignored signal stays ignored. SIGINT already raises
``KeyboardInterrupt`` by default and is left alone unless listed. SIGKILL, ``os._exit`` and a
fatal signal run nothing here: the tree's own watch on its owner ends it then (``owner``), and a
bare system (no tree) is found stale by the next ``start_system`` on its port.
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from upbit_actors.system.runtime.starter import SystemHandle, stop_system

__all__ = ["stop_on_exit"]

DEFAULT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""docker stop and systemd send SIGTERM; a closed terminal sends SIGHUP."""


def _chained(previous: Any) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        if callable(previous):
            previous(signum, frame)
            return
        raise SystemExit(128 + signum)  # SIG_DFL (or unknown): exit like the default, with atexit
    return handler


def stop_on_exit(target: SystemHandle | Callable[[], object],
                 signals: Iterable[int] = DEFAULT_SIGNALS) -> Callable[[], None]:
    """Stop ``target`` (a ``SystemHandle``, or a function such as ``Hub.stop``) at interpreter exit,
    and make ``signals`` end the program through ``SystemExit`` (chained, see the module docstring).

    Signal handlers are only installed from the main thread (elsewhere only ``atexit`` is
    registered). Returns a function that undoes both; a handler replaced since is left alone.
    """
    stop = target if callable(target) else (lambda: stop_system(target))
    atexit.register(stop)
    installed: dict[int, tuple[Any, Any]] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in signals:
            previous = signal.getsignal(signum)
            if previous == signal.SIG_IGN:
                continue
            handler = _chained(previous)
            signal.signal(signum, handler)
            installed[signum] = (handler, previous)

    def undo() -> None:
        atexit.unregister(stop)
        if threading.current_thread() is not threading.main_thread():
            return  # handlers can only be put back from the main thread; ours chains harmlessly
        for signum, (handler, previous) in installed.items():
            if signal.getsignal(signum) is handler:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)

    return undo
