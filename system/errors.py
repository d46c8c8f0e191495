"""Every exception upbit-actors raises on purpose, in one tree.

::

    UpbitActorsError                      catch this to catch anything of ours
    ├── ConfigError (ValueError)          a setting or argument out of range (backoff, windows,
    │                                     buffer limits, log level, checkpoint version)
    ├── RequestError (ValueError)         a subscription that must not reach the wire
    ├── CredentialsError (ValueError)     keys missing, malformed, or in an unsafe key file
    ├── TokenError (ValueError)           a JWT that cannot be minted as asked
    ├── UsageError (ValueError)           a command line that cannot run (printed as one line)
    ├── CodecError (TypeError)            an object that is not an Upbit event given to the codec
    ├── LinkError                         the WebSocket failed; the connection reconnects
    │   ├── HandshakeRejected             the server refused the upgrade (HTTP status kept)
    │   └── ProtocolViolation             the server broke RFC 6455's framing (masked, RSV bits...)
    ├── RestError                         a REST call failed (HTTP status, Upbit's error name)
    │   └── RestRateLimited               429 or 418: over Upbit's REST limit (SPEC §5)
    ├── HubError (RuntimeError)           the running tree did not do what was asked
    ├── RuntimeSystemError (RuntimeError) an actor system could not be started or reached
    │   ├── PortBusyError                 a non-Thespian process holds the admin port
    │   ├── StaleSystemError              an older system still runs on the admin port
    │   └── NoSystemError                 nothing to attach to on the admin port
    ├── BadDescriptor (ValueError)        Thespian's loop was given a closed descriptor to watch
    ├── RefusedClass (UnpicklingError)    a received pickle named a class off the allow-list
    └── SimulatorError (RuntimeError)     the bundled simulator cannot do what was asked
        └── SimRequestError (ValueError)  a bad order or fault request to the simulator

The built-in bases stay where they help: bad input is a ``ValueError`` (so ``except ValueError``
around a ``subscribe`` still works), a system that does not answer is a ``RuntimeError``.
Messages never carry key material (STYLE: secrets never in errors).

Upbit's own error frames are not exceptions: they arrive as ``UpbitError`` messages and become
``StreamAlert`` events (SPEC §6); a frame that cannot be decoded is a ``DecodeError`` value.
"""

from __future__ import annotations

import pickle

__all__ = [
    "BadDescriptor",
    "CodecError",
    "ConfigError",
    "CredentialsError",
    "HandshakeRejected",
    "HubError",
    "LinkError",
    "NoSystemError",
    "PortBusyError",
    "ProtocolViolation",
    "RefusedClass",
    "RequestError",
    "RestError",
    "RestRateLimited",
    "RuntimeSystemError",
    "SimRequestError",
    "SimulatorError",
    "StaleSystemError",
    "TokenError",
    "UpbitActorsError",
    "UsageError",
]


class UpbitActorsError(Exception):
    """The root: every error upbit-actors raises on purpose derives from it."""


class ConfigError(UpbitActorsError, ValueError):
    """A setting or constructor argument out of range; the message names it."""


class RequestError(UpbitActorsError, ValueError):
    """A subscription (a spec or a merged set) that must not be sent; the message says why."""


class CredentialsError(UpbitActorsError, ValueError):
    """Keys that cannot be used; the message names the source, never the key material."""


class TokenError(UpbitActorsError, ValueError):
    """The token cannot be minted as asked (never carries key material)."""


class UsageError(UpbitActorsError, ValueError):
    """The command line cannot run; the message is printed as one line."""


class CodecError(UpbitActorsError, TypeError):
    """The codec was given something that is not an Upbit event (a programming error)."""


class LinkError(UpbitActorsError):
    """The socket failed; the connection actor reconnects."""


class HandshakeRejected(LinkError):
    """The server refused the upgrade with an HTTP status (SPEC §5: 429/418; §7: maybe 401)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status code of the refusal."""


class ProtocolViolation(LinkError):
    """The server sent frames RFC 6455 forbids a server to send (``system.wire.frames``)."""


class RestError(UpbitActorsError):
    """A REST call that did not give the answer asked for: Upbit's REST error answer
    ``{"error":{"name":..,"message":..}}`` (SPEC §8.1), a body that is not the expected JSON, or
    no answer at all (``status`` 0: refused, timed out, unreachable)."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(f"HTTP {status} {name}: {message}" if status else f"{name}: {message}")
        self.status = status
        """HTTP status; 0 when no HTTP answer came."""
        self.name = name
        """Upbit's error name (``too_many_requests``...), or ours: ``unreachable``, ``bad_body``."""


class RestRateLimited(RestError):
    """HTTP 429 (over the group's rate) or 418 (blocked for a while) (SPEC §5)."""


class HubError(UpbitActorsError, RuntimeError):
    """The actor system could not do what was asked (start, spawn, status, stream)."""


class BadDescriptor(UpbitActorsError, ValueError):
    """A descriptor given to Thespian's loop is closed or invalid (``system.runtime.transport``).
    A ``ValueError``, as ``selectors`` raises: Thespian's loop catches it and drops the bad watch."""


class RuntimeSystemError(UpbitActorsError, RuntimeError):
    """An actor system could not be started or reached; carries the admin ``port``."""

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
            "a crashed run; start with --stop-stale to shut it down first, or pick another port",
        )
        self.pid = pid
        """Pid of the process listening on the port, if it could be found."""


class NoSystemError(RuntimeSystemError):
    """Nothing listens on the admin port, so there is no system to attach to."""

    def __init__(self, port: int, host: str, reason: str = "nothing listens there") -> None:
        super().__init__(port, f"no actor system on {host}:{port}: {reason}")


class RefusedClass(UpbitActorsError, pickle.UnpicklingError):
    """A pickle that reached one of Thespian's ports named a class that is not on the allow-list
    (``system.runtime.unpickle``): nothing of it was built. The message names the class only."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not on the allow-list of classes the actor system unpickles")
        self.name = name
        """``module.Class`` as the pickle named it (cut to a printable length)."""


class SimulatorError(UpbitActorsError, RuntimeError):
    """The bundled simulator is not in a state to do what was asked (not started, failed)."""


class SimRequestError(SimulatorError, ValueError):
    """A request to the simulator's order book or fault switches that it refuses."""
