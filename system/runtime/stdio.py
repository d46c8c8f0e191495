"""Keep the starter's stdout (and optionally stderr) out of the actor system's processes.

THESPIAN.md (Messages and logging): Thespian's background processes inherit the starter's stdout
and keep it open. Besides stray output, that breaks pipes: ``upbit-actors demo | head`` or a
parent waiting for EOF on the starter's stdout waits for as long as the system runs. The admin
is started from the starter once (``multiprocCommon._startAdmin``), and the logger and every actor
descend from it, so pointing the starter's fds at other files while the admin starts, then
restoring them, is enough. Output written by other threads of the starter during that short
window (tens of milliseconds) goes to the replacement files.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

__all__ = ["detached_stdio"]


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()


@contextlib.contextmanager
def detached_stdio(stdout: bool = True, stderr_path: str | None = None) -> Iterator[None]:
    """While the block runs, fd 0 and (if ``stdout``) fd 1 read/write /dev/null, and fd 2 appends
    to ``stderr_path`` when given. Processes started in the block keep those; the starter gets its
    own fds back afterwards."""
    targets: dict[int, int] = {}
    if stdout:
        devnull = os.open(os.devnull, os.O_RDWR)
        targets[0] = devnull
        targets[1] = devnull
    if stderr_path is not None:
        targets[2] = os.open(stderr_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    saved: dict[int, int | None] = {}
    _flush()
    try:
        for fd, target in targets.items():
            try:
                saved[fd] = os.dup(fd)
            except OSError:  # fd was closed: close it again afterwards
                saved[fd] = None
            os.dup2(target, fd)
        yield
    finally:
        _flush()
        for fd, copy in saved.items():
            if copy is None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            else:
                os.dup2(copy, fd)
                os.close(copy)
        for target in set(targets.values()):
            os.close(target)
