"""The exception tree of ``system.runtime``: why an actor system could not be started or reached.

::

    RuntimeSystemError (RuntimeError)
    ├── PortBusyError       something that is not a Thespian admin listens on the admin port
    ├── StaleSystemError    a Thespian admin already listens there (e.g. a crashed run)
    └── NoSystemError       attach(): nothing listens on the admin port

Every error carries the ``port`` it is about; ``StaleSystemError`` also the admin's ``pid`` when it
could be found, so the message can tell the user which process holds the port.
"""

from __future__ import annotations

__all__ = ["NoSystemError", "PortBusyError", "RuntimeSystemError", "StaleSystemError"]


class RuntimeSystemError(RuntimeError):
    """Base of every error ``system.runtime`` raises on purpose."""

    def __init__(self, port: int, message: str) -> None:
        super().__init__(message)
        self.port = port
        """The admin port the error is about."""


class PortBusyError(RuntimeSystemError):
    """The admin port is taken by something that does not answer as a Thespian admin."""

    def __init__(self, port: int, host: str) -> None:
        super().__init__(
            port,
            f"{host}:{port} is in use by a process that is not a Thespian admin; "
            "choose another admin port",
        )


class StaleSystemError(RuntimeSystemError):
    """A Thespian admin already runs on the port: refuse to attach to code we did not start.

    THESPIAN.md: a system whose starting program crashed keeps running, and a plain start on the
    same port silently attaches to the old code.
    """

    def __init__(self, port: int, pid: int | None) -> None:
        who = f"pid {pid}" if pid is not None else "an unknown process"
        super().__init__(
            port,
            f"an actor system is already running on admin port {port} ({who}), probably left by "
            "a crashed run; start with stop_stale=True to shut it down first, or pick another port",
        )
        self.pid = pid
        """Pid of the process listening on the port, if it could be found."""


class NoSystemError(RuntimeSystemError):
    """Nothing listens on the admin port, so there is no system to attach to."""

    def __init__(self, port: int, host: str, reason: str = "nothing listens there") -> None:
        super().__init__(port, f"no actor system on {host}:{port}: {reason}")
