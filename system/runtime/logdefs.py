"""The ``logDefs`` dict every actor system of ours is started with.

THESPIAN.md (Messages and logging): multiproc bases need a real logging dict (``logDefs=False``
crashes children), and every log record travels to the logger process, so levels are filtered at
the source. Thespian does that for actors with the lowest ``level`` found anywhere in the dict
(``multiprocCommon.get_min_log_level``): the dict below uses one level everywhere, so an actor at
WARNING sends nothing below WARNING.

Output goes to a file when one is given, else to stderr of the logger process (the starter's
stderr), never to stdout. With ``forward`` (the bot's ``logforward.OutputReceiver``), records a
component made go to the bot's ``logging`` instead (``logforward.ForwardHandler``); the handler has
no level of its own, so it does not lower the level actors filter at (the component process lowers
its own: ``output.capture_component_output``).

The dict also carries ``ProcessGuard``, a filter class given as an object rather than a dotted
name. Thespian passes ``logDefs`` to the admin, the logger and every actor; with the 'spawn'
start method these arguments are unpickled in the new process before anything else runs, which
imports this module and with it ``system.runtime.loopback`` and ``system.runtime.unpickle``: the
loopback and allow-list patches are in force before the child creates its listening socket (see
``loopback``, ``unpickle``).
"""

from __future__ import annotations

import logging
from typing import Any

from upbit_actors.system.errors import ConfigError
from upbit_actors.system.runtime import (
    loopback,
    unpickle,  # noqa: F401  (importing restricts unpickling)
)
from upbit_actors.system.runtime.logforward import ForwardHandler, FromComponents, NotFromComponents

__all__ = ["LOG_FORMAT", "ProcessGuard", "build_log_defs"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(actorAddress)s %(name)s: %(message)s"
"""Format of every line; ``actorAddress`` is added by Thespian's log forwarder."""


class ProcessGuard(logging.Filter):
    """Handler filter; its import applies the loopback patch (see the module docstring).

    It also gives records logged by the logger process itself (which have no ``actorAddress``)
    a placeholder, so the format above never fails.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.setdefault("actorAddress", "-")
        return True


# Importing loopback already patched the address class; the explicit call documents the intent
# (this module is the one a spawned child imports first) and is idempotent.
loopback.apply_patch()


def build_log_defs(
    level: int | str = logging.WARNING, log_file: str | None = None,
    forward: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict for the logger process of a multiproc system.

    ``level`` is used for the root logger and the handler alike, so actors drop lower records
    before sending them. ``log_file`` appends to that file; None writes to stderr. ``forward``
    (port, token) sends component records to the bot's receiver on 127.0.0.1 (module docstring).
    """
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            raise ConfigError(f"unknown log level {level!r}")
    handler: dict[str, Any] = (
        {"class": "logging.FileHandler", "filename": log_file, "mode": "a", "delay": True}
        if log_file
        else {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    )
    handler.update(level=level, formatter="plain", filters=["process_guard"])
    defs: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"process_guard": {"()": ProcessGuard}},
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"main": handler},
        "root": {"level": level, "handlers": ["main"]},
    }
    if forward is not None:
        port, token = forward
        defs["filters"].update(components={"()": FromComponents}, others={"()": NotFromComponents})
        handler["filters"].append("others")
        defs["handlers"]["components"] = {"()": ForwardHandler, "port": port, "token": token,
                                          "filters": ["components"]}
        defs["root"]["handlers"].append("components")
    return defs
