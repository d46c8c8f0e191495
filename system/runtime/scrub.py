"""Keep the API keys out of the environment of every process of the tree (issue 12).

Why: keys given as ``UPBIT_ACCESS_KEY`` / ``UPBIT_SECRET_KEY`` were in ``/proc/PID/environ`` of the
starter, the admin, the logger and every actor, although only the JWT actor needs the secret
(it gets it in a ``Credentials`` message). Any process of the same user can read that file.

How (THESPIAN.md, Security): ``/proc/PID/environ`` shows the memory between the process's
``env_start`` and ``env_end`` (``/proc/self/stat`` fields 50 and 51): the block the kernel copied
at exec. ``os.environ.pop`` / ``unsetenv`` only drop libc's pointer to an entry; the bytes stay,
and every process forked afterwards (the admin and, under the default fork start, the logger and
every actor) inherits them. So ``scrub_keys``:

1. removes the names from ``os.environ`` (so from libc's ``environ``: processes started with
   exec, Thespian's 'spawn' start method included, do not get them) and from ``posix.environ``,
   the interpreter's own copy from start-up;
2. overwrites the value of each such entry in the exec-time block with NUL bytes, in place
   (``ctypes.memset``): the file then shows ``UPBIT_SECRET_KEY=`` followed by empty strings.

``start_system`` calls it before the admin is forked. The caller must have read the keys first:
``load_credentials()`` reads the environment, and after this it finds nothing there (a bot passes
``Hub(credentials=load_credentials())``; ``upbit-actors stream`` reads them before it starts).

Limits: Linux only (elsewhere only step 1 is done; macOS has no ``/proc``). Copies of the values
that the program made itself (a ``Credentials`` object, a string it read) stay in its memory
and in the memory of the processes it forks: ``/proc/PID/mem`` is readable by the same user
with ptrace rights. An entry given twice in the block is scrubbed every time it appears.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Iterable

from upbit_actors.system.jwt.credentials import ACCESS_KEY_ENV, SECRET_KEY_ENV

__all__ = ["KEY_NAMES", "environ_block", "scrub_keys"]

_log = logging.getLogger(__name__)

KEY_NAMES: tuple[str, ...] = (ACCESS_KEY_ENV, SECRET_KEY_ENV)
"""The environment variables that hold key material (``system.jwt.credentials``)."""

_STAT_ENV_START = 50
"""``/proc/PID/stat`` field (1-based, ``man 5 proc``) of the start of the environment block."""


def environ_block(pid: int | str = "self") -> tuple[int, int] | None:
    """``(env_start, env_end)`` of a process (Linux ≥ 3.5), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # Fields after the command name (in parentheses, which may hold spaces) start at field 3.
    fields = text.rpartition(b")")[2].split()
    try:
        start, end = int(fields[_STAT_ENV_START - 3]), int(fields[_STAT_ENV_START - 2])
    except (IndexError, ValueError):
        return None
    return (start, end) if 0 < start < end else None


def _blank_values(names: Iterable[str]) -> int:
    """NUL the values of ``NAME=value`` entries in this process's exec-time block; how many."""
    area = environ_block()
    if area is None:
        return 0
    start, end = area
    block = ctypes.string_at(start, end - start)
    prefixes = tuple(name.encode() + b"=" for name in names)
    blanked, offset = 0, 0
    for entry in block.split(b"\0"):
        prefix = next((p for p in prefixes if entry.startswith(p)), None)
        if prefix is not None and len(entry) > len(prefix):
            ctypes.memset(start + offset + len(prefix), 0, len(entry) - len(prefix))
            blanked += 1
        offset += len(entry) + 1
    return blanked


def scrub_keys(names: Iterable[str] = KEY_NAMES) -> int:
    """Remove ``names`` from this process's environment, the exec-time block included.

    Returns how many entries of the exec-time block were blanked. Call it before forking the
    processes that must not see them, after the keys were read.
    """
    names = tuple(names)
    for name in names:
        os.environ.pop(name, None)
        posix = sys.modules.get(os.name)  # the interpreter's start-up copy (posix.environ)
        if posix is not None and isinstance(getattr(posix, "environ", None), dict):
            posix.environ.pop(name.encode(), None)
            posix.environ.pop(name, None)
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return _blank_values(names)
    except (OSError, ValueError):  # an unreadable block: the variables are still gone from os.environ
        _log.warning("could not blank the keys in this process's exec-time environment block")
        return 0
