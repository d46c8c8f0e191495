"""Look at an admin port without side effects: is anything there, and is it a Thespian admin?

THESPIAN.md (Admin attach): ``ActorSystem('multiprocTCPBase', {'Admin Port': P})`` silently
*starts* a new system when nothing listens on P, and silently attaches to old code when a stale
admin does. So every start and attach first looks at the port with the functions below, which
never start anything.
"""

from __future__ import annotations

import enum
import socket
import time
from datetime import timedelta

from thespian.system.messages.admin import QueryAck, QueryExists
from thespian.system.transport import (
    ExternalInterfaceTransportInit,
    ReceiveEnvelope,
    Thespian__UpdateWork,
    TransmitIntent,
)
from thespian.system.transport.TCPTransport import TCPTransport

from upbit_actors.system.runtime import loopback  # noqa: F401  (patch first: the probe transport listens too)

__all__ = ["PortState", "free_port", "is_listening", "probe_port"]


class PortState(enum.Enum):
    """What answers on an admin port."""

    FREE = "free"
    """Nothing accepts connections there."""
    THESPIAN_ADMIN = "thespian_admin"
    """A Thespian admin answered ``QueryExists``."""
    OTHER = "other"
    """Something accepts connections but did not answer as a Thespian admin in time."""


def free_port(host: str = loopback.DEFAULT_BIND_HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def is_listening(port: int, host: str = loopback.DEFAULT_BIND_HOST, timeout: float = 0.5) -> bool:
    """True when a TCP connect to ``host:port`` succeeds within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _answers_query_exists(port: int, timeout: float) -> bool:
    """Send Thespian's own ``QueryExists`` to the port and wait for ``QueryAck``.

    This is what ``systemBase._verifyAdminRunning`` does, minus the fallback that starts an admin:
    a bare external transport (the same class the starter uses) sends the query; the admin
    replies to the transport's own listening socket.
    """
    capabilities = {"Admin Port": port}
    transport = TCPTransport(ExternalInterfaceTransportInit(), capabilities, None, None)
    failed: list[object] = []
    try:
        transport.scheduleTransmit(
            None,
            TransmitIntent(
                TCPTransport.getAdminAddr(capabilities),
                QueryExists(),
                onError=lambda result, _intent: failed.append(result),
            ),
        )
        # run() returns the first envelope received, an expiry marker, or UpdateWork (loop).
        deadline = time.monotonic() + timeout
        result: object = Thespian__UpdateWork()
        while isinstance(result, Thespian__UpdateWork) and not failed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            result = transport.run(None, timedelta(seconds=remaining))
        return isinstance(result, ReceiveEnvelope) and isinstance(result.message, QueryAck)
    finally:
        transport.close()


def probe_port(
    port: int, host: str = loopback.DEFAULT_BIND_HOST, timeout: float = 2.0
) -> PortState:
    """Classify ``host:port`` without starting anything there."""
    if not is_listening(port, host, timeout=min(timeout, 0.5)):
        return PortState.FREE
    return PortState.THESPIAN_ADMIN if _answers_query_exists(port, timeout) else PortState.OTHER
