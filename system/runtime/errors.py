"""Why an actor system could not be started or reached: the runtime's part of the one error tree
(``upbit_actors.system.errors``), re-exported here for the runtime's callers."""

from __future__ import annotations

from upbit_actors.system.errors import NoSystemError, PortBusyError, RuntimeSystemError, StaleSystemError

__all__ = ["NoSystemError", "PortBusyError", "RuntimeSystemError", "StaleSystemError"]
