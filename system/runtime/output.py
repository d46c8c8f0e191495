"""In a component's actor process: what it prints and logs becomes log records for the bot.

Why: the system's processes write stdout to /dev/null (``stdio``), and Thespian forwards only
records at the lowest level of ``logDefs`` (WARNING) to its logger process. A bot author's
``print`` and ``log.info`` in a component would be lost. ``capture_component_output`` (called by
``Component`` once configured, when ``HubConfig.component_output``) does three things in that
process only (each actor is a process of its own):

1. every record made in the process carries ``component`` (a log record factory), which is how
   the logger process routes it to the bot (``logforward``) and not to its own stderr;
2. Thespian's forwarding root (its logger and its one handler) lets ``level`` and above through;
3. ``sys.stdout`` / ``sys.stderr`` become ``LineWriter`` s: each line is a record of the logger
   ``upbit_actors.component.NAME``, INFO for stdout, WARNING for stderr.

Writes to the file descriptors themselves (C extensions, subprocesses) are not captured: fd 1 is
/dev/null. Records travel through Thespian to the logger process, one message per record: a
component printing thousands of lines a second costs that many messages.
"""

from __future__ import annotations

import io
import logging
import sys

__all__ = ["COMPONENT_ATTR", "COMPONENT_LOGGER", "LineWriter", "capture_component_output"]

COMPONENT_LOGGER = "upbit_actors.component"
"""Parent of every component's logger, here and in the bot's process."""
COMPONENT_ATTR = "component"
"""The record attribute naming the component a record came from."""
MAX_LINE = 65_536
"""A line longer than this (no newline yet) is sent in pieces of this size."""

_captured: str | None = None


class LineWriter(io.TextIOBase):
    """A text stream whose every line becomes a record of ``logger`` at ``level``."""

    def __init__(self, logger: logging.Logger, level: int, name: str) -> None:
        self._logger = logger
        self._level = level
        self._name = name
        self._pending = ""
        self._busy = False

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._busy:  # logging reporting its own error to stderr: do not loop
            return len(text)
        self._pending += text
        while "\n" in self._pending or len(self._pending) >= MAX_LINE:
            line, sep, rest = self._pending.partition("\n")
            if not sep:
                line, rest = self._pending[:MAX_LINE], self._pending[MAX_LINE:]
            self._pending = rest
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            self._emit(line)

    def _emit(self, line: str) -> None:
        self._busy = True
        try:
            self._logger.log(self._level, line.rstrip("\r"))
        finally:
            self._busy = False


def capture_component_output(name: str, level: int | str = logging.INFO) -> None:
    """Turn this process's output into records tagged with ``name`` (module docstring).
    Idempotent; a second call with another name is ignored (one component per process)."""
    global _captured
    if _captured is not None:
        return
    _captured = name
    level = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(level, int):
        level = logging.INFO
    make_record = logging.getLogRecordFactory()

    def tagged(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.__dict__.setdefault(COMPONENT_ATTR, name)
        return record

    logging.setLogRecordFactory(tagged)
    root = logging.getLogger()
    root.setLevel(min(root.level or level, level))
    for handler in root.handlers:  # Thespian's forwarder filters by its handler's level too
        handler.setLevel(min(handler.level or level, level))
    logger = logging.getLogger(f"{COMPONENT_LOGGER}.{name}")
    sys.stdout = LineWriter(logger, logging.INFO, "<stdout>")
    sys.stderr = LineWriter(logger, logging.WARNING, "<stderr>")
