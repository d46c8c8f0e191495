"""``interrupts_deferred``: a Ctrl-C that arrives while the system is being stopped waits.

A ``KeyboardInterrupt`` raised in the middle of ``stop_system`` (a user pressing Ctrl-C twice)
would cut the shutdown short and leave the actor system running with nobody to stop it
(THESPIAN.md: a system outlives its starter). Inside this block SIGINT is only recorded; when the
block ends the handler is restored and the interrupt is raised then, after the work is done.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["interrupts_deferred"]


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT back for the duration of the block (main thread only: signals are delivered
    there; elsewhere this does nothing), then raise ``KeyboardInterrupt`` if one came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def record(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
