"""Stop the system when the starter exits: at normal exit, on SIGTERM, on Ctrl-C.

THESPIAN.md: a system whose starting program crashed keeps running. ``stop_on_exit`` registers an
``atexit`` hook that calls ``stop_system``, and turns SIGTERM (and any other listed signal) into
``SystemExit`` in the main thread. The signal handler deliberately does not stop the system
itself: it may interrupt the main thread in the middle of a Thespian ``ask`` that holds the
endpoint, and a shutdown from inside the handler would wait for that same endpoint. Raising
instead unwinds the stack, and the interpreter then runs ``atexit``. SIGINT already raises
``KeyboardInterrupt`` by default and is left alone unless listed. SIGKILL cannot be caught: the
next ``start_system`` on the port finds the stale system (``StaleSystemError``).
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

from upbit_actors.system.runtime.starter import SystemHandle, stop_system

__all__ = ["stop_on_exit"]


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_on_exit(
    handle: SystemHandle, signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP)
) -> Callable[[], None]:
    """Stop ``handle`` at interpreter exit and turn ``signals`` into ``SystemExit``.

    Signal handlers are only installed from the main thread (elsewhere only ``atexit`` is
    registered), and only over the default action or Python's own SIGINT handler, so handlers
    installed by the application are kept. Returns a function that undoes both.
    """

    def stop() -> None:
        stop_system(handle)

    atexit.register(stop)
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in signals:
            current = signal.getsignal(signum)
            if current in (signal.SIG_DFL, signal.default_int_handler, None):
                previous[signum] = current
                signal.signal(signum, _raise_exit)

    def undo() -> None:
        atexit.unregister(stop)
        for signum, handler in previous.items():
            if signal.getsignal(signum) is _raise_exit:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    return undo
